using EquiTempo.Baselines;

namespace EquiTempo.Beats;

/// <summary>
/// Settings of the dynamic-programming beat tracker (Ellis 2007, "Beat Tracking by Dynamic Programming"), with
/// librosa's <c>beat.beat_track</c> values as defaults. One departure from librosa: the beat period stays a
/// fractional number of frames, where librosa rounds it (at 43 frames/s a 200 BPM beat is 12.92 frames; rounding
/// to 13 biases the transition penalty by 0.6 % of tempo).
/// </summary>
public sealed record BeatTrackerConfig
{
    /// <summary>The DSP activation: the DSP baseline's onset-strength envelope (its own departures from librosa are
    /// documented on <see cref="OnsetStrengthConfig"/>).</summary>
    public OnsetStrengthConfig Onset { get; init; } = new();
    /// <summary>Where no tempo method is given, the beat period comes from this tempogram over the activation (the
    /// DSP baseline's; librosa's beat_track also reads its tempo from the onset envelope's tempogram).</summary>
    public TempogramConfig Tempogram { get; init; } = new();
    /// <summary>How beats are numbered in their bars where the activation has downbeats (<see cref="BarTracker"/>).</summary>
    public BarTrackerConfig Bars { get; init; } = new();
    /// <summary>How strongly the spacing of consecutive beats is held to the period: the transition penalty is
    /// Tightness · (log(interval / period))² (librosa's tightness, 100).</summary>
    public double Tightness { get; init; } = 100;
    /// <summary>Width of the Gaussian that smooths the activation into the local score: σ = period / this (librosa:
    /// 32, a kernel spanning ±1 period).</summary>
    public double LocalScoreWidthDivisor { get; init; } = 32;
    /// <summary>Frames before the first whose local score reaches this share of the largest start no beat path
    /// (librosa's 0.01).</summary>
    public double FirstBeatThreshold { get; init; } = 0.01;
    /// <summary>Drop leading and trailing beats whose local score is at most half the RMS of the beats' smoothed
    /// local scores (librosa's trim=True).</summary>
    public bool Trim { get; init; } = true;
    /// <summary>Predecessors of a beat are searched from this many periods back (librosa: 2)…</summary>
    public double LongestIntervalPeriods { get; init; } = 2.0;
    /// <summary>…to this many periods back (librosa: ½).</summary>
    public double ShortestIntervalPeriods { get; init; } = 0.5;

    internal BeatTrackerConfig Validated()
    {
        Onset.Validate();
        Tempogram.Validate();
        Bars.Validated();
        if (!(Tightness > 0) || !double.IsFinite(Tightness))
            throw new ArgumentException($"invalid beat-tracker settings: Tightness {Tightness} (must be a positive number)");
        if (!(LocalScoreWidthDivisor > 0) || !double.IsFinite(LocalScoreWidthDivisor))
            throw new ArgumentException($"invalid beat-tracker settings: LocalScoreWidthDivisor {LocalScoreWidthDivisor} (must be a positive number)");
        if (!(FirstBeatThreshold >= 0 && FirstBeatThreshold < 1))
            throw new ArgumentException($"invalid beat-tracker settings: FirstBeatThreshold {FirstBeatThreshold} (must be in [0, 1))");
        if (!(ShortestIntervalPeriods > 0 && ShortestIntervalPeriods < 1 && LongestIntervalPeriods > 1 && double.IsFinite(LongestIntervalPeriods)))
            throw new ArgumentException($"invalid beat-tracker settings: intervals {ShortestIntervalPeriods}–{LongestIntervalPeriods} periods (need 0 < shortest < 1 < longest)");
        return this;
    }
}
