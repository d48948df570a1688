using System.Globalization;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Training.LogTempo;

/// <summary>
/// Settings of the log-tempo calibration. Defaults as the paper family's label-free scale (<see cref="ScaleCalibration"/>):
/// 96 drum patterns and click tracks rendered at tempi spread log-uniformly over 60–200 BPM, seed 42.
/// </summary>
/// <param name="MinPriorOctaves">The narrowest metrical prior the fit may choose (widths 2, 1.5, 1, 0.75, 0.5 octaves down to
/// this). Default 1 octave, the DSP baseline's width: on 96 renders a narrower prior fits the renders rather than music
/// (measured on one smoke model: 0.5 octaves gave GMD/MIDI Acc2 88.4 / 75.6 %, at least 1 octave 95.3 / 89.7 %; README).</param>
public sealed record LogTempoCalibrationConfig(int Examples = 96, double MinBpm = 60, double MaxBpm = 200, int Seed = 42, bool FitPrior = true,
    double MinPriorOctaves = 1)
{
    public LogTempoCalibrationConfig Validated()
    {
        if (Examples < 2 || Examples > 1000) throw EquiTempoException.InvalidSetting(nameof(Examples), $"must lie in 2–1000 (got {Examples})");
        if (!(MinPriorOctaves >= 0.5 && MinPriorOctaves <= 2)) throw EquiTempoException.InvalidSetting(nameof(MinPriorOctaves), $"must lie in 0.5–2 octaves (got {MinPriorOctaves})");
        if (!(MinBpm >= 20 && MinBpm < MaxBpm && MaxBpm <= 400)) throw EquiTempoException.InvalidSetting(nameof(MinBpm), $"the render tempi must be an increasing range within 20–400 BPM (got {MinBpm}–{MaxBpm})");
        return this;
    }
}

/// <summary>What the calibration found on the renders.</summary>
/// <param name="FoldedSpreadOctaves">Circular standard deviation of log2(peak / tempo) mod 1 over the renders, in octaves:
/// how well one offset can serve them all.</param>
/// <param name="Acc1Peak">Acc1 of the distribution's own peak with the fitted offset (no prior).</param>
/// <param name="Acc1Prior">Acc1 with the fitted offset and prior (what the estimator answers).</param>
public sealed record LogTempoCalibrationFit(LogTempoReadout Readout, int Examples, double FoldedSpreadOctaves, double Acc1Peak, double Acc1Prior, double Acc2);

/// <summary>
/// Fits a log-tempo model's one absolute offset on audio the program renders at known tempi, and the metrical-level
/// prior on the same renders; no human label. The offset: the circular mean of log2(tempo / peak) mod 1 over the renders
/// (a per-track choice between periodicity peaks an octave apart does not move it), plus the whole number of octaves
/// that puts most renders within ±4 % of their tempo. The prior: the log-normal (centre 50–250 BPM in semitone steps,
/// width 1–2 octaves by default, see <see cref="LogTempoCalibrationConfig.MinPriorOctaves"/>) under which the most renders are read within ±4 %; ties go to the wider prior.
/// </summary>
public static class LogTempoCalibrator
{
    private static readonly double[] PriorWidths = { 2, 1.5, 1, 0.75, 0.5 };

    public static LogTempoCalibrationFit Fit(LogTempoModel model, LogTempoCalibrationConfig? config = null)
    {
        var cfg = (config ?? new LogTempoCalibrationConfig()).Validated();
        var input = model.Metadata.Input;
        var rng = new Random(cfg.Seed);
        var bpms = Enumerable.Range(0, cfg.Examples).Select(i => cfg.MinBpm * Math.Pow(cfg.MaxBpm / cfg.MinBpm, (i + rng.NextDouble()) / cfg.Examples)).ToArray();
        var render = new DrumRenderConfig(input.SampleRate, input.ChunkSeconds);
        using var fe = model.CreateFrontEnd();
        using var tg = model.CreateTempogram();
        var network = new LogTempoChunkNetwork(model, fe, tg, 8);
        var p = new List<double[]>();
        for (int s = 0; s < bpms.Length; s += 8)
        {
            var audio = Enumerable.Range(s, Math.Min(8, bpms.Length - s)).Select(i => DrumPatternRenderer.Render(bpms[i], cfg.Seed * 1000 + i, render)).ToList();
            p.AddRange(network.Distributions(audio).Select(d => Array.ConvertAll(d, v => (double)v)));
        }
        return Fit(p, bpms, tg.Config, cfg.FitPrior ? cfg.MinPriorOctaves : null, $"{cfg.Examples} rendered drum patterns and click tracks, {cfg.MinBpm:F0}–{cfg.MaxBpm:F0} BPM (no human labels)");
    }

    /// <summary>The fit from distributions of examples of known tempo (renders, or tests' constructed distributions).</summary>
    /// <param name="minPriorOctaves">The narrowest prior to try; null fits no prior.</param>
    public static LogTempoCalibrationFit Fit(IReadOnlyList<double[]> distributions, IReadOnlyList<double> bpms, Features.LogTempogramConfig grid, double? minPriorOctaves, string source)
    {
        var raw = new LogTempoChunkReadout(new LogTempoReadout(0, null, null, source), grid, TempoMetrics.DefaultTolerance);
        var peaks = distributions.Select(d => raw.Read(d, withPrior: false)?.Bpm ?? double.NaN).ToArray();
        var errors = Enumerable.Range(0, peaks.Length).Where(i => double.IsFinite(peaks[i])).Select(i => Math.Log2(bpms[i] / peaks[i])).ToArray();
        if (errors.Length == 0) throw new EquiTempoException(ErrorReason.InvalidModel, null, "no render gave a distribution with a peak: the model cannot be calibrated");
        double c = errors.Average(e => Math.Cos(2 * Math.PI * e)), s = errors.Average(e => Math.Sin(2 * Math.PI * e));
        double phase = Math.Atan2(s, c) / (2 * Math.PI);
        double spread = Math.Sqrt(-2 * Math.Log(Math.Max(1e-12, Math.Sqrt(c * c + s * s)))) / (2 * Math.PI);
        double bestOctaves = phase; int bestHits = -1;
        foreach (int n in new[] { 0, -1, 1, -2, 2, -3, 3 })
        {
            int hits = Enumerable.Range(0, peaks.Length).Count(i => double.IsFinite(peaks[i]) && TempoMetrics.Acc1(peaks[i] * Math.Pow(2, phase + n), bpms[i]));
            if (hits > bestHits) (bestOctaves, bestHits) = (phase + n, hits);
        }
        double offset = bestOctaves * grid.BinsPerOctave;
        var readout = new LogTempoReadout(offset, null, null, source);
        double Acc(LogTempoReadout r, Func<double, double, bool> metric)
        {
            var reader = new LogTempoChunkReadout(r, grid, TempoMetrics.DefaultTolerance);
            return Enumerable.Range(0, distributions.Count).Count(i => reader.Read(distributions[i], withPrior: true) is { } t && metric(t.Bpm, bpms[i])) / (double)distributions.Count;
        }
        double acc1Peak = Acc(readout, (e, r) => TempoMetrics.Acc1(e, r));
        if (minPriorOctaves is double narrowest)
        {
            double best = acc1Peak;
            foreach (double width in PriorWidths.Where(w => w >= narrowest))
                for (double centre = 50; centre <= 250; centre *= Math.Pow(2, 1.0 / 12))
                {
                    var candidate = new LogTempoReadout(readout.OffsetBins, Math.Round(centre, 2), width, source);
                    double a = Acc(candidate, (e, r) => TempoMetrics.Acc1(e, r));
                    if (a > best) (best, readout) = (a, candidate);
                }
        }
        return new LogTempoCalibrationFit(readout, distributions.Count, spread, acc1Peak, Acc(readout, (e, r) => TempoMetrics.Acc1(e, r)),
            Acc(readout, (e, r) => TempoMetrics.Acc2(e, r)));
    }

    /// <summary>Calibrates the model at <paramref name="modelPath"/> and writes it to <paramref name="outputPath"/> (the same
    /// path overwrites it); the readout and the calibration record in the training metadata are replaced.</summary>
    public static LogTempoCalibrationFit Calibrate(string modelPath, string outputPath, LogTempoCalibrationConfig? config = null)
    {
        using var model = LogTempoModel.Load(modelPath);
        var fit = Fit(model, config);
        model.Metadata.SetReadout(fit.Readout);
        var t = model.Metadata.Training;
        t["calibration_examples"] = fit.Examples.ToString(CultureInfo.InvariantCulture);
        t["calibration_offset_bins"] = fit.Readout.OffsetBins.ToString("F3", CultureInfo.InvariantCulture);
        t["calibration_folded_spread_octaves"] = fit.FoldedSpreadOctaves.ToString("F3", CultureInfo.InvariantCulture);
        t["calibration_acc1_peak_on_renders"] = fit.Acc1Peak.ToString("F3", CultureInfo.InvariantCulture);
        t["calibration_acc1_on_renders"] = fit.Acc1Prior.ToString("F3", CultureInfo.InvariantCulture);
        model.Save(outputPath);
        return fit;
    }
}
