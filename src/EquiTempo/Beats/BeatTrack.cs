namespace EquiTempo.Beats;

/// <summary>
/// The beats of one track. <see cref="Times"/> are in seconds from the start, increasing. <see cref="Bpm"/> is the
/// tempo the tracker followed; 0 when there are no beats because there was no tempo (librosa's convention), and
/// <see cref="NoBeatsReason"/> then says why (silence, no periodic onsets, the tempo method's refusal).
/// <see cref="TempoSource"/> names where the tempo came from (a tempo method's name, or "dsp:tempogram").
/// </summary>
public sealed record BeatTrack(
    string? File, double[] Times, double Bpm, string TempoSource, string Activation, double DurationSeconds,
    string? NoBeatsReason = null)
{
    /// <summary>Each beat's number in its bar (1 = downbeat), one per <see cref="Times"/> entry, when the activation
    /// had downbeats (<see cref="BarTracker"/>; empty when it had but no beats were found); null when it had none.</summary>
    public int[]? Numbers { get; init; }

    /// <summary>The meter most beats were numbered in; null without <see cref="Numbers"/> or without beats.</summary>
    public int? BeatsPerBar { get; init; }

    /// <summary>The times of the beats numbered 1; null without <see cref="Numbers"/>.</summary>
    public double[]? DownbeatTimes => Numbers is null ? null : Times.Where((_, i) => Numbers[i] == 1).ToArray();
}
