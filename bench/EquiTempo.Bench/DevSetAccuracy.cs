using System.Diagnostics;
using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo;

/// <summary>
/// Quick accuracy and speed of a tempo method on a labelled index (Acc1, Acc2, seconds of audio per second
/// of wall time with decoding included). Not the evaluation harness: no report, no plots, one line per file.
/// </summary>
internal static class DevSetAccuracy
{
    /// <summary>Runs <paramref name="method"/> file by file, timing each call from path to estimate.</summary>
    public static void Measure(string indexPath, string method)
    {
        var tracks = TempoIndex.Read(indexPath);
        using var estimator = TempoMethods.Create(method);
        int acc1 = 0, acc2 = 0, failed = 0;
        double audioSeconds = 0, wallSeconds = 0;
        var hitConfidence = new List<double>();
        var missConfidence = new List<double>();
        foreach (var t in tracks)
        {
            var sw = Stopwatch.StartNew();
            TempoEstimate r;
            try { r = estimator.Estimate(t.Path); }
            catch (Exception e) when (e is AudioFormatException or NoTempoException or IOException)
            {
                failed++;
                Console.WriteLine($"FAILED {t.Path}: {e.Message}");
                continue;
            }
            wallSeconds += sw.Elapsed.TotalSeconds;
            audioSeconds += r.DurationSeconds;
            bool ok1 = TempoMetrics.Acc1(r.Bpm, t.Bpm), ok2 = TempoMetrics.Acc2(r.Bpm, t.Bpm);
            acc1 += ok1 ? 1 : 0;
            acc2 += ok2 ? 1 : 0;
            (ok1 ? hitConfidence : missConfidence).Add(r.Confidence);
            Console.WriteLine($"{(ok1 ? "ok1" : ok2 ? "ok2" : "bad")}  ref {t.Bpm,6:F1}  est {r.Bpm,6:F1}  2nd {r.Bpm2,6:F1}  sal {r.Salience:F2}  conf {r.Confidence:F2}  {r.DurationSeconds,6:F1} s  {Path.GetFileName(t.Path)}");
        }
        int n = tracks.Count;
        Console.WriteLine($"{estimator.Name} on {indexPath}: n = {n}, Acc1 {100.0 * acc1 / n:F1} %, Acc2 {100.0 * acc2 / n:F1} %, failed {failed}; " +
                          $"{audioSeconds:F0} s of audio in {wallSeconds:F1} s = {audioSeconds / wallSeconds:F0}× real time; " +
                          $"mean confidence {hitConfidence.DefaultIfEmpty(double.NaN).Average():F2} where Acc1 holds, {missConfidence.DefaultIfEmpty(double.NaN).Average():F2} where not");
    }

    /// <summary>
    /// Acc1/Acc2 of DSP settings that differ from the defaults, each on the same decoded audio (decoded once,
    /// so a comparison of many settings costs the analysis only).
    /// </summary>
    public static void CompareDspSettings(string indexPath)
    {
        var tracks = TempoIndex.Read(indexPath);
        var baseline = new DspTempoConfig();
        var settings = new (string Name, DspTempoConfig Config)[]
        {
            ("defaults", baseline),
            ("librosa's choices (no max filter, 8 s, lag alone, no refinement, no gate)", baseline with
            {
                Onset = baseline.Onset with { MaxSize = 1, GateDb = 0 },
                Tempogram = baseline.Tempogram with { WindowSeconds = 8, LagMultiples = new[] { 1 }, RefinePeak = false },
            }),
            ("lag alone", baseline with { Tempogram = baseline.Tempogram with { LagMultiples = new[] { 1 } } }),
            ("lag multiples 1 2 4", baseline with { Tempogram = baseline.Tempogram with { LagMultiples = new[] { 1, 2, 4 } } }),
            ("8 s windows", baseline with { Tempogram = baseline.Tempogram with { WindowSeconds = 8 } }),
            ("12 s windows", baseline with { Tempogram = baseline.Tempogram with { WindowSeconds = 12 } }),
            ("24 s windows", baseline with { Tempogram = baseline.Tempogram with { WindowSeconds = 24 } }),
            ("no peak refinement", baseline with { Tempogram = baseline.Tempogram with { RefinePeak = false } }),
            ("no gate", baseline with { Onset = baseline.Onset with { GateDb = 0 } }),
            ("no max filter", baseline with { Onset = baseline.Onset with { MaxSize = 1 } }),
            ("hop 256", baseline with { Onset = baseline.Onset with { HopLength = 256 } }),
            ("prior 0.5 octave", baseline with { Tempogram = baseline.Tempogram with { StdOctaves = 0.5 } }),
            ("prior 2 octaves", baseline with { Tempogram = baseline.Tempogram with { StdOctaves = 2 } }),
        };
        int rate = baseline.Onset.SampleRate;
        var audio = tracks.Select(t => AudioDecoder.DecodeMono(t.Path, rate).Samples).ToArray();
        foreach (var (name, config) in settings)
        {
            using var estimator = new DspTempoEstimator(config);
            var sw = Stopwatch.StartNew();
            var bpms = audio.Select(x => estimator.Estimate(x, rate).Bpm).ToArray();
            int acc1 = tracks.Where((t, i) => TempoMetrics.Acc1(bpms[i], t.Bpm)).Count();
            int acc2 = tracks.Where((t, i) => TempoMetrics.Acc2(bpms[i], t.Bpm)).Count();
            Console.WriteLine($"{name,-75} Acc1 {100.0 * acc1 / tracks.Count,5:F1} %  Acc2 {100.0 * acc2 / tracks.Count,5:F1} %  ({sw.Elapsed.TotalSeconds:F1} s)");
        }
    }
}
