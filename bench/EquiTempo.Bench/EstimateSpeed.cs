using System.Diagnostics;
using EquiTempo.Audio;
using EquiTempo.Beats;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Bench;

/// <summary>
/// Timed command for the estimation speed target: seconds of audio estimated per second of wall time,
/// decoding included, as the CLI does it (files 2 at a time). One warm-up pass, then the median of
/// several passes, for the method and the DSP baseline, each also with beats; then where the time goes for the same audio (decode alone, front end alone,
/// network alone), each also a median.
/// </summary>
public static class EstimateSpeed
{
    public static void Run(string[] args)
    {
        int runs = 5;
        string method = "model";
        var inputs = new List<string>();
        var beatModels = new List<(string Model, ModelBeatActivationConfig Config)>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--runs") runs = int.Parse(args[++i]);
            else if (args[i] == "--method") method = args[++i];
            // --beat-model M [WINDOW_S OVERLAP_S]: a row tracking on M's beat head, windows of the given length.
            else if (args[i] == "--beat-model")
            {
                string m = args[++i];
                var config = new ModelBeatActivationConfig();
                if (i + 2 < args.Length && double.TryParse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var w))
                {
                    config = new ModelBeatActivationConfig(w, double.Parse(args[i + 2], System.Globalization.CultureInfo.InvariantCulture));
                    i += 2;
                }
                beatModels.Add((m, config));
            }
            else inputs.Add(args[i]);
        }
        var files = inputs.SelectMany(p => Directory.Exists(p) ? AudioDecoder.FindAudioFiles(new[] { p }) : new[] { p }).ToList();
        double audioSeconds = files.Sum(f => AudioDecoder.Probe(f).DurationSeconds);
        Console.WriteLine($"{files.Count} file(s), {audioSeconds / 60:F1} min of audio; {Environment.ProcessorCount} cores, LibTorch threads {get_num_threads()}");

        // The method asked for and the DSP baseline, each without and with beats (tracked from the onset envelope the
        // estimate carries, as `estimate --beats` does), the passes interleaved so that a load change hits every row.
        var methods = new[] { method, "dsp" }.Distinct().ToArray();
        var estimators = methods.Select(m => TempoMethods.Create(m)).ToArray();
        using var tracker = new BeatTracker();
        var rows = new List<(string Name, Func<double> Pass)>();
        for (int m = 0; m < methods.Length; m++)
        {
            var estimator = estimators[m];
            rows.Add((methods[m], () => Time(() => Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, f => estimator.Estimate(f)))));
            rows.Add((methods[m] + " + beats", () => Time(() => Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, f => tracker.Track(estimator.Estimate(f))))));
        }
        // The method with beats tracked on a model's beat head, as `estimate --beats --beat-model M` runs it: the model given
        // the head computes its activation in the same pass (one decoding, one log-mel); the dsp baseline reads the file again.
        var headSources = beatModels.Select(b => ModelBeatActivation.Load(b.Model, b.Config)).ToList();
        var headTrackers = headSources.Select(a => new BeatTracker(activation: a)).ToList();
        var headEstimators = headSources.Select(a => TempoMethods.Create(methods[0], beatHead: a)).ToList();
        for (int b = 0; b < beatModels.Count; b++)
        {
            var (shared, apart, headTracker) = (headEstimators[b], estimators[0], headTrackers[b]);
            string head = $"{beatModels[b].Model} head, {beatModels[b].Config.WindowSeconds:0.#}/{beatModels[b].Config.OverlapSeconds:0.#} s";
            rows.Add(($"{methods[0]} + beats ({head})",
                () => Time(() => Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, f => headTracker.Track(shared.Estimate(f))))));
            // The reference: the head's own pass over the file after the estimate's (what estimate --beats did before).
            rows.Add(($"{methods[0]} + beats ({head}, read apart)",
                () => Time(() => Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, f => headTracker.Track(apart.Estimate(f))))));
        }
        foreach (var row in rows) row.Pass();                             // warm-up: LibTorch kernels, page cache
        var times = rows.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < runs; r++)
            for (int k = 0; k < rows.Count; k++) times[k].Add(rows[k].Pass());
        double reference = Median(times[rows.FindIndex(x => x.Name == "dsp")]);
        foreach (var (row, k) in rows.Select((row, k) => (row, k)))
        {
            double t = Median(times[k]);
            Console.WriteLine($"{row.Name,-14} median {t:F3} s over {runs} runs → {audioSeconds / t,5:F0}× real time  ({t / reference:F2} × the dsp time)");
        }
        foreach (var e in estimators) e.Dispose();
        foreach (var e in headEstimators) e.Dispose();
        foreach (var t in headTrackers) t.Dispose();
        foreach (var a in headSources) a.Dispose();

        if (method != "model") return;
        // Breakdown, one stage at a time on one thread of work (the stages overlap in the real run).
        var decode = Median(Enumerable.Range(0, runs).Select(_ => Time(() =>
        {
            foreach (var f in files) foreach (var _ in AudioDecoder.ReadBlocks(f, 13.6, 44100)) { }
        })));
        var chunks = files.SelectMany(f => AudioDecoder.ReadBlocks(f, 600_000 / 44100.0, 44100)).ToList();
        using var model = ShippedModels.Load(ShippedModels.TcnDefault);
        using var fe = model.CreateFrontEnd();
        var specs = new List<Tensor>();
        var front = Median(Enumerable.Range(0, runs).Select(_ => Time(() =>
        {
            foreach (var t in specs) t.Dispose();
            specs.Clear();
            for (int s = 0; s < chunks.Count; s += 8) specs.Add(fe.Forward(chunks.Skip(s).Take(8).ToList(), 600_000));
        })));
        var net = Median(Enumerable.Range(0, runs).Select(_ => Time(() =>
        {
            using var g = no_grad();
            foreach (var x in specs) { using var e = model.Network.Embed(x); using var l = model.Network.ClassLogitsFromEmbedding(e); }
        })));
        Console.WriteLine($"breakdown (medians, {chunks.Count} chunks of 13.6 s): decode {decode:F3} s, front end {front:F3} s, network {net:F3} s");
    }

    private static double Time(Action a) { var sw = Stopwatch.StartNew(); a(); return sw.Elapsed.TotalSeconds; }

    private static double Median(IEnumerable<double> xs) { var s = xs.OrderBy(x => x).ToArray(); return s[s.Length / 2]; }
}
