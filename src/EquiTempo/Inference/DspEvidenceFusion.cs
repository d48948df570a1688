using EquiTempo.Baselines;
using EquiTempo.Beats;

namespace EquiTempo.Inference;

/// <summary>The frame-wise signal whose DSP pulse-train strength <see cref="DspEvidenceFusion"/> reads as tempo evidence.</summary>
public enum FusionEvidence
{
    /// <summary>The DSP baseline's onset-strength envelope, the one the estimator computes for its evidence gate
    /// (<c>--fuse dsp</c>).</summary>
    Onsets,
    /// <summary>The activation of a learnt beat head (<see cref="ModelBeatActivation"/>, 100 frames/s), which the estimator
    /// computes when it is given one (<c>--fuse beats</c>): the estimator refuses this evidence without a beat head.</summary>
    BeatActivation,
}

/// <summary>
/// Settings of <see cref="DspEvidenceFusion"/>: how a log-tempo model's mean distribution is combined with the DSP
/// baseline's tempo evidence. The fused distribution is p_k · e_k^<see cref="Weight"/> (then the model's metrical
/// prior), where e_k is the DSP pulse-train strength of the <see cref="Evidence"/> signal at bin k's tempo, the largest
/// within ±<see cref="BandTolerance"/>, divided by its largest value over the bins and floored at <see cref="Floor"/>.
/// </summary>
public sealed record DspFusionConfig
{
    /// <summary>Which frame-wise signal the pulse-train strength is read from: the onset envelope (default) or a beat
    /// head's activation. Both go through the same tempogram, pulse train and band (each at its own frame rate).</summary>
    public FusionEvidence Evidence { get; init; } = FusionEvidence.Onsets;

    /// <summary>Exponent of the DSP evidence (0 = the model alone, 1 = a plain product). 4 by default: on the 263
    /// development tracks 0, 0.25, 0.5, 1, 2, 3, 4, 6, 8 and 10 were measured and 4–8 scored best (Acc1 64.6 %, Acc2
    /// 92.0 % against 62.7 / 91.3 % alone), 10 worse again; 4 is the smallest of the best, the least DSP weight that
    /// gives their result (the model's mean distribution is peaked: at 1 the evidence changes the answer of 2 tracks of 263).
    /// See the README, "Fused with the DSP evidence". The beat-activation evidence has the same default; with the shipped
    /// default model and beat head, 2 and 8 scored best of 0–8 (Acc1 74.1 and 74.9 % against 73.0 alone; README, "Fused
    /// with the beat head's activation").</summary>
    public double Weight { get; init; } = 4.0;

    /// <summary>Smallest relative evidence a bin keeps (of the strongest bin's), so that where the DSP tempogram is blind
    /// (an autocorrelation near zero or negative) the model's mass is damped by Floor^Weight, not erased. On the
    /// development sets 0.001, 0.01, 0.05 and 0.2 gave the same answer on every track at every weight: 0.05 is a middle
    /// value, not a tuned one.</summary>
    public double Floor { get; init; } = 0.05;

    /// <summary>The evidence at a bin is the largest DSP strength within ±this relative tempo of the bin's (0.04: the
    /// Acc1 tolerance), so the two methods' peaks agree when they are within the accuracy that is asked of them, and the
    /// DSP lag grid (2–6 % apart above 120 BPM) leaves no gap between bins.</summary>
    public double BandTolerance { get; init; } = 0.04;

    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range.</summary>
    public DspFusionConfig Validated()
    {
        if (!Enum.IsDefined(Evidence)) throw Bad(nameof(Evidence), $"{(int)Evidence} is not an evidence source (known: {string.Join(", ", Enum.GetNames<FusionEvidence>())})");
        if (!(double.IsFinite(Weight) && Weight >= 0 && Weight <= 10)) throw Bad(nameof(Weight), $"{Weight} must lie in [0, 10]");
        if (!(Floor > 0 && Floor <= 1)) throw Bad(nameof(Floor), $"{Floor} must lie in (0, 1]");
        if (!(BandTolerance >= 0 && BandTolerance < 0.5)) throw Bad(nameof(BandTolerance), $"{BandTolerance} must lie in [0, 0.5)");
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) =>
        EquiTempoException.InvalidSetting($"fusion {setting}", problem);
}

/// <summary>
/// The DSP baseline's tempo evidence read on a log-tempo model's bins: a frame-wise signal (the onset envelope the
/// estimator already computed for its evidence gate, or a beat head's activation: <see cref="DspFusionConfig.Evidence"/>,
/// chosen by <see cref="Select"/>) goes through the baseline's <see cref="AutocorrelationTempogram"/> at the signal's
/// own frame rate (16 s windows, mean over the track), and its pulse-train strength (mean autocorrelation at 1–4
/// periods, without the baseline's 120 BPM prior: the model keeps its own) is read at each bin's tempo by linear
/// interpolation between lags, as the largest value within ±<see cref="DspFusionConfig.BandTolerance"/>. Thread-safe.
/// </summary>
public sealed class DspEvidenceFusion
{
    // Points of a ±tolerance band read per bin: 2 % apart at most at ±4 %, finer than the lag grid's spacing at 300 BPM.
    private const int BandPoints = 9;

    public DspFusionConfig Config { get; }
    // One tempogram per frame rate met (the onset envelope's, a beat head's): its lag prior is built once per rate.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<double, AutocorrelationTempogram> _tempograms = new();

    public DspEvidenceFusion(DspFusionConfig config) => Config = config.Validated();

    /// <summary>The signal <see cref="DspFusionConfig.Evidence"/> names, of the two an estimate can carry: the onset
    /// envelope, or the beat head's activation (which must then be there).</summary>
    public BeatActivation Select(BeatActivation onsets, BeatActivation? beatHead) =>
        Config.Evidence == FusionEvidence.BeatActivation
            ? beatHead ?? throw new InvalidOperationException("fusion with the beat activation needs the beat head's activation; none was computed")
            : onsets;

    /// <summary>Multiplicative weights e_k^Weight, one per tempo of <paramref name="binBpm"/>, from a frame-wise signal
    /// (onset strength or beat activation); all 1 when the signal shows no periodicity at any of them.</summary>
    public double[] Weights(BeatActivation signal, IReadOnlyList<double> binBpm, CancellationToken ct = default) =>
        Weights(Evidence(signal, binBpm, ct));

    /// <summary>Multiplicative weights e_k^Weight from the raw strengths of <see cref="Evidence"/>, relative to the
    /// largest and floored at <see cref="DspFusionConfig.Floor"/>; all 1 when every strength is 0.</summary>
    public double[] Weights(double[] evidence)
    {
        var w = new double[evidence.Length];
        double top = evidence.Max();
        for (int k = 0; k < w.Length; k++)
            w[k] = top > 0 ? Math.Pow(Math.Max(evidence[k] / top, Config.Floor), Config.Weight) : 1;
        return w;
    }

    /// <summary>The raw DSP strength at each tempo of <paramref name="binBpm"/> (the largest within the band; 0 where
    /// no lag of the window reaches).</summary>
    public double[] Evidence(BeatActivation signal, IReadOnlyList<double> binBpm, CancellationToken ct = default)
    {
        var tempogram = _tempograms.GetOrAdd(signal.FramesPerSecond, fps => new AutocorrelationTempogram(new TempogramConfig(), fps));
        var summary = tempogram.Analyse(signal.Values, null, ct);
        var pulse = tempogram.PulseStrengths(summary.MeanAutocorrelation);
        var e = new double[binBpm.Count];
        double tol = Config.BandTolerance;
        for (int k = 0; k < e.Length; k++)
        {
            double best = 0;
            for (int i = 0; i < BandPoints; i++)
            {
                double bpm = binBpm[k] * (1 + tol * (2.0 * i / (BandPoints - 1) - 1));
                best = Math.Max(best, Interpolated(pulse, 60.0 * tempogram.FramesPerSecond / bpm));
            }
            e[k] = best;
        }
        return e;
    }

    private static double Interpolated(double[] pulse, double lag)
    {
        if (!(lag >= 1) || lag > pulse.Length - 1) return 0;
        int i = (int)Math.Floor(lag);
        if (i >= pulse.Length - 1) return Math.Max(0, pulse[^1]);
        double f = lag - i;
        return Math.Max(0, pulse[i] * (1 - f) + pulse[i + 1] * f);
    }
}
