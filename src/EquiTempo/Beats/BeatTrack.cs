namespace EquiTempo.Beats;

/// <summary>
/// The beats of one track. <see cref="Times"/> are in seconds from the start, increasing. <see cref="Bpm"/> is the
/// tempo the tracker followed; 0 when there are no beats because there was no tempo (librosa's convention), and
/// <see cref="NoBeatsReason"/> then says why (silence, no periodic onsets, the tempo method's refusal).
/// <see cref="TempoSource"/> names where the tempo came from (a tempo method's name, or "dsp:tempogram").
/// </summary>
public sealed record BeatTrack(
    string? File, double[] Times, double Bpm, string TempoSource, string Activation, double DurationSeconds,
    string? NoBeatsReason = null);
