using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Synthesis;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>Result of fitting BPM = scale × z.</summary>
/// <param name="LogCorrelation">Pearson r of log z against log BPM over the examples: how well one global scale can work.</param>
/// <param name="Acc1">Share of the fitting examples that the fitted scale puts within ±4 % of their tempo.</param>
/// <summary>Scale readout measured on labelled tracks.</summary>
public sealed record ScaleEvaluation(int Tracks, double Acc1, double Acc2, double LogCorrelation);

public sealed record ScaleFit(double Scale, int Examples, double LogCorrelation, double Acc1, double Acc2, string Source);

/// <summary>
/// Fits the single factor that turns the equivariant output z into BPM. Robust to octave errors in the
/// references: the scale is the median of BPM/z after folding every ratio into one octave around the
/// first estimate, so a label that is double or half the felt tempo does not drag the fit.
/// </summary>
public static class ScaleCalibration
{
    /// <summary>Label-free: renders drum patterns and click tracks at tempi spread log-uniformly over
    /// [minBpm, maxBpm] and fits the scale on them. No human label is involved.</summary>
    public static ScaleFit FitOnRenderedRhythms(TempoTcn network, LogMelFrontEnd frontEnd, int examples = 96,
        double minBpm = 60, double maxBpm = 200, int seed = 42)
    {
        var bpms = new double[examples];
        var rng = new Random(seed);
        for (int i = 0; i < examples; i++) bpms[i] = minBpm * Math.Pow(maxBpm / minBpm, (i + rng.NextDouble()) / examples);
        var cfg = new DrumRenderConfig(frontEnd.Input.SampleRate, (double)frontEnd.Input.ChunkSamples / frontEnd.Input.SampleRate);
        var audio = bpms.Select((b, i) => DrumPatternRenderer.Render(b, seed * 1000 + i, cfg)).ToList();
        var z = OutputsOf(network, frontEnd, audio);
        return Fit(z, bpms, "rendered drum patterns and click tracks, 60–200 BPM (no human labels)");
    }

    /// <summary>Few-label route: the scale fitted on labelled tracks (N may be 1). Octave errors in the labels are tolerated.</summary>
    public static ScaleFit FitOnLabelledTracks(TempoTcn network, LogMelFrontEnd frontEnd, IReadOnlyList<LabelledTrack> tracks, Action<string>? warn = null)
    {
        var z = new List<float>();
        var bpm = new List<double>();
        foreach (var t in tracks)
        {
            try { z.Add(TrackOutput(network, frontEnd, t.Path)); bpm.Add(t.Bpm); }
            catch (AudioFormatException e) { warn?.Invoke(e.Message); }
        }
        return Fit(z, bpm, $"{bpm.Count} labelled track(s)");
    }

    /// <summary>Acc1/Acc2 of BPM = scale × z on labelled tracks. Tracks that cannot be decoded are reported
    /// and left out; a track whose z is not positive counts as a miss.</summary>
    public static ScaleEvaluation Evaluate(TempoTcn network, LogMelFrontEnd frontEnd, double scale, IReadOnlyList<LabelledTrack> tracks, Action<string>? warn = null)
    {
        int n = 0, a1 = 0, a2 = 0;
        var logZ = new List<double>();
        var logBpm = new List<double>();
        foreach (var t in tracks)
        {
            float z;
            try { z = TrackOutput(network, frontEnd, t.Path); }
            catch (AudioFormatException e) { warn?.Invoke(e.Message); continue; }
            n++;
            if (z <= 0) continue;
            logZ.Add(Math.Log(z));
            logBpm.Add(Math.Log(t.Bpm));
            if (TempoMetrics.Acc1(scale * z, t.Bpm)) a1++;
            if (TempoMetrics.Acc2(scale * z, t.Bpm)) a2++;
        }
        if (n == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no labelled track could be decoded");
        return new ScaleEvaluation(n, (double)a1 / n, (double)a2 / n, logZ.Count > 1 ? Pearson(logZ.ToArray(), logBpm.ToArray()) : double.NaN);
    }

    /// <summary>A track's z: the median over its non-overlapping 13.6 s chunks (silent chunks skipped).</summary>
    public static float TrackOutput(TempoTcn network, LogMelFrontEnd frontEnd, string path)
    {
        var chunkSec = (double)frontEnd.Input.ChunkSamples / frontEnd.Input.SampleRate;
        var chunks = AudioDecoder.ReadBlocks(path, chunkSec, frontEnd.Input.SampleRate)
            .Where(c => c.Length > 0 && Math.Sqrt(c.Sum(v => (double)v * v) / c.Length) > 3e-4).ToList();
        if (chunks.Count == 0) throw new AudioFormatException(path, "silent or empty: no tempo");
        var z = OutputsOf(network, frontEnd, chunks).Where(v => v > 0 && float.IsFinite(v)).OrderBy(v => v).ToArray();
        return z.Length == 0 ? -1f : z[z.Length / 2];
    }

    /// <summary>z for each waveform (one excerpt each, cropped or zero-padded to the front end's excerpt).</summary>
    public static float[] OutputsOf(TempoTcn network, LogMelFrontEnd frontEnd, IReadOnlyList<float[]> audio, int batch = 8)
    {
        int n = frontEnd.Input.ChunkSamples;
        var z = new float[audio.Count];
        network.eval();
        for (int s = 0; s < audio.Count; s += batch)
        {
            int count = Math.Min(batch, audio.Count - s);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var out1 = network.forward(frontEnd.Forward(audio.Skip(s).Take(count).ToList(), n)).data<float>().ToArray();
            Array.Copy(out1, 0, z, s, count);
        }
        return z;
    }

    /// <summary>Few-label (or any-label) fit from outputs and reference tempi.</summary>
    public static ScaleFit Fit(IReadOnlyList<float> z, IReadOnlyList<double> referenceBpm, string source)
    {
        var idx = Enumerable.Range(0, z.Count).Where(i => z[i] > 0 && float.IsFinite(z[i]) && referenceBpm[i] > 0).ToArray();
        if (idx.Length == 0) throw new EquiTempoException(ErrorReason.InvalidModel, null, "no example gave a positive output z: the model cannot be calibrated");
        var logRatio = idx.Select(i => Math.Log(referenceBpm[i] / z[i])).OrderBy(v => v).ToArray();
        double first = logRatio[logRatio.Length / 2];
        // Fold each example's log-ratio into (first − ln√2, first + ln√2]: octave errors of the labels cancel out.
        var folded = logRatio.Select(v => first + Wrap(v - first)).OrderBy(v => v).ToArray();
        double scale = Math.Exp(folded[folded.Length / 2]);
        double acc1 = idx.Count(i => TempoMetrics.Acc1(scale * z[i], referenceBpm[i])) / (double)idx.Length;
        double acc2 = idx.Count(i => TempoMetrics.Acc2(scale * z[i], referenceBpm[i])) / (double)idx.Length;
        var lz = idx.Select(i => Math.Log(z[i])).ToArray();
        var lb = idx.Select(i => Math.Log(referenceBpm[i])).ToArray();
        return new ScaleFit(scale, idx.Length, Pearson(lz, lb), acc1, acc2, source);
    }

    private static double Wrap(double d)
    {
        double oct = Math.Log(2);
        while (d > oct / 2) d -= oct;
        while (d <= -oct / 2) d += oct;
        return d;
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb); }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }
}
