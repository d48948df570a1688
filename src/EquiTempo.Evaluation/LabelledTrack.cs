namespace EquiTempo.Evaluation;

/// <summary>
/// One labelled track: audio path (absolute), reference BPM, and a kind for splitting results. Some
/// annotations (MIREX-style, crowd-sourced JAMS) give two perceived tempi; then <see cref="Bpm"/> is the
/// more salient one, <see cref="Bpm2"/> the other and <see cref="Salience"/> the share of listeners who
/// felt <see cref="Bpm"/>, which is what the MIREX P-score needs.
/// </summary>
public sealed record LabelledTrack(string Path, double Bpm, string Kind)
{
    /// <summary>The second reference tempo, or null when the annotation has one.</summary>
    public double? Bpm2 { get; init; }

    /// <summary>Salience of <see cref="Bpm"/> against <see cref="Bpm2"/>, in [0, 1]; null when there is no second tempo.</summary>
    public double? Salience { get; init; }

    /// <summary>Reference beat times (seconds, increasing) when the annotation is a beat-time file; null otherwise.</summary>
    public IReadOnlyList<double>? BeatTimes { get; init; }

    /// <summary>Reference downbeat times (the beats numbered 1) when the beat file numbers its beats; null otherwise.</summary>
    public IReadOnlyList<double>? DownbeatTimes { get; init; }

    /// <summary>True when the track carries two reference tempi with a salience, so a P-score can be computed.</summary>
    public bool HasTwoReferences => Bpm2 is not null && Salience is not null;
}
