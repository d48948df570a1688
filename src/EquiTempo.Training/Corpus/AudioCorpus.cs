using EquiTempo.Audio;
using EquiTempo.Evaluation;

namespace EquiTempo.Training.Corpus;

/// <summary>An audio file of the training corpus with its duration (seconds).</summary>
public sealed record CorpusFile(string Path, double DurationSeconds);

/// <summary>A folder of unlabelled (or labelled) audio as training sees it: scanned once, split by file.</summary>
public static class AudioCorpus
{
    /// <summary>Lists the audio files and their durations, skipping (and reporting) unreadable or too-short ones.</summary>
    public static (List<CorpusFile> Files, List<string> Skipped) Scan(IEnumerable<string> inputs, double minSeconds, PcmCache? cache = null,
        Action<int, int>? onFile = null)
    {
        var given = inputs.ToList();
        // A mistyped path or an empty folder is the caller's mistake, not a file to skip.
        foreach (var input in given)
            if (!File.Exists(input) && !Directory.Exists(input)) throw new EquiTempoException(ErrorReason.InvalidData, input, "no such file or folder");
        var paths = AudioDecoder.FindAudioFiles(given).ToList();
        if (paths.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, string.Join(", ", given), "no audio files found (folders are searched recursively)");
        var files = new CorpusFile?[paths.Count];
        var skipped = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            try
            {
                // With a cache the decoded length is the truth (headers can be off by a block); without, the header's.
                double seconds = cache is not null ? (double)cache.Ensure(paths[i]) / cache.SampleRate : AudioDecoder.Probe(paths[i]).DurationSeconds;
                if (seconds <= 0 || seconds < minSeconds)
                    skipped.Add($"{paths[i]}: too short ({seconds:F1} s < {minSeconds} s)");
                else files[i] = new CorpusFile(paths[i], seconds);
            }
            catch (Exception e) { skipped.Add(e is AudioFormatException ? e.Message : $"{paths[i]}: {e.Message}"); }
            onFile?.Invoke(i, paths.Count);
        });
        return (files.Where(f => f != null).Select(f => f!).ToList(), skipped.OrderBy(s => s).ToList());
    }

    /// <summary>Deterministic split by file: the same seed and file list always give the same split.</summary>
    public static (List<CorpusFile> Train, List<CorpusFile> Validation) Split(IReadOnlyList<CorpusFile> files, double fraction, int seed)
    {
        var order = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var rng = new Random(seed);
        for (int i = order.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        // At least one file each way when there are two, and always one left to train on.
        int nVal = files.Count < 2 || fraction <= 0 ? 0 : Math.Clamp((int)Math.Round(fraction * files.Count), 1, files.Count - 1);
        return (order.Skip(nVal).ToList(), order.Take(nVal).ToList());
    }

    /// <summary>Decodes every labelled track into the cache (two at a time); a track that fails is reported in
    /// Skipped (sorted) and left out. Durations are the decoded lengths.</summary>
    public static (List<(LabelledTrack Track, CorpusFile File)> Usable, List<string> Skipped) DecodeLabelled(
        IReadOnlyList<LabelledTrack> tracks, PcmCache cache, CancellationToken ct = default)
    {
        var lengths = new long[tracks.Count];
        var skipped = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, tracks.Count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, i =>
        {
            try { lengths[i] = cache.Ensure(tracks[i].Path, ct); }
            catch (Exception e) when (e is AudioFormatException or IOException or UnauthorizedAccessException) { skipped.Add(e.Message); }
        });
        var usable = Enumerable.Range(0, tracks.Count).Where(i => lengths[i] > 0)
            .Select(i => (Track: tracks[i], File: new CorpusFile(tracks[i].Path, (double)lengths[i] / cache.SampleRate))).ToList();
        return (usable, skipped.OrderBy(s => s).ToList());
    }
}
