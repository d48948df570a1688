using System.Collections.Concurrent;
using EquiTempo.Audio;

namespace EquiTempo.Training.Corpus;

/// <summary>Training examples drawn from files in parallel, the k-th with its own RNG, so the data depend on
/// (seed, epoch, position) only and a resumed run sees what the uninterrupted one would have (both objectives).</summary>
internal static class SeededDraws
{
    /// <summary>Examples for files[from .. from+count), the k-th drawn with a RNG seeded by seedOf(k); files that fail to
    /// decode are reported to <paramref name="skipped"/> and left out.</summary>
    public static List<T> Draw<T>(IReadOnlyList<CorpusFile> files, int from, int count, Func<int, int> seedOf, int parallelism,
        ConcurrentBag<string>? skipped, CancellationToken ct, Func<CorpusFile, Random, T> draw) where T : class
    {
        var drawn = new T?[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, k =>
        {
            try { drawn[k] = draw(files[from + k], new Random(seedOf(from + k))); }
            catch (Exception e) when (e is AudioFormatException or IOException) { skipped?.Add(e.Message); }
        });
        return drawn.Where(e => e != null).Select(e => e!).ToList();
    }

    /// <summary>One epoch's batches, in order, on the loader thread: the files in the epoch's order (seed, epoch), cut into
    /// batches of <see cref="TrainingConfig.BatchPairs"/>, each example drawn with its own RNG on one thread (the other
    /// core belongs to the network step running meanwhile) and the batch built from those that decoded.</summary>
    public static void Epoch<T, TBatch>(IReadOnlyList<CorpusFile> train, TrainingConfig cfg, int steps, int epoch, Func<CorpusFile, Random, T> draw,
        Func<List<T>, TBatch> build, Action<TBatch> write, ConcurrentBag<string> skipped, CancellationToken ct) where T : class
    {
        var order = RunFolder.EpochOrder(train, cfg.ExcerptsPerFile, cfg.Seed, epoch);
        for (int s = 0; s < steps; s++)
        {
            ct.ThrowIfCancellationRequested();
            int from = s * cfg.BatchPairs, count = Math.Min(cfg.BatchPairs, order.Count - from);
            var ok = Draw(order, from, count, k => DeterministicSeed.Mix(cfg.Seed, epoch, k), 1, skipped, ct, draw);
            if (ok.Count > 0) write(build(ok));
        }
    }

    /// <summary>Validation batches, drawn once with a fixed seed so the loss is comparable across epochs; built before
    /// training starts, so both cores can decode and stretch.</summary>
    public static List<TBatch> Validation<T, TBatch>(IReadOnlyList<CorpusFile> val, TrainingConfig cfg, Func<CorpusFile, Random, T> draw, Func<List<T>, TBatch> build)
        where T : class
    {
        var batches = new List<TBatch>();
        for (int from = 0; from < val.Count; from += cfg.BatchPairs)
        {
            var ok = Draw(val, from, Math.Min(cfg.BatchPairs, val.Count - from), k => DeterministicSeed.Mix(cfg.Seed, -1, k), 2, null, default, draw);
            if (ok.Count > 0) batches.Add(build(ok));
        }
        return batches;
    }
}
