namespace EquiTempo;

/// <summary>
/// The tempi an answer may have (madmom's and essentia's min-bpm / max-bpm), shared by every method so that their
/// answers, second tempi and local curves obey the same bounds; null = no bound on that side. The bounds are
/// inclusive. A range whose top is under twice its bottom cannot hold a metrical level of every tempo, so callers
/// validate that first (<c>EstimatorConfig.Validated</c>).
/// </summary>
public readonly record struct TempoRange(double? Min, double? Max)
{
    /// <summary>The metrical relatives a second tempo is looked for at, as ratios to the first: the double and half
    /// (duple metre), the triple and third (triple metre, or a beat felt in three), and 3/2 and 2/3 (a dotted beat
    /// against the straight one).</summary>
    public static IReadOnlyList<double> MetricalRatios { get; } = new[] { 2.0, 0.5, 3.0, 1.0 / 3, 1.5, 2.0 / 3 };

    public bool IsUnrestricted => Min is null && Max is null;

    public bool Contains(double bpm) => (Min is not double lo || bpm >= lo) && (Max is not double hi || bpm <= hi);

    /// <summary>The tempo moved by octaves into the range (a scalar readout's only way to obey it); unchanged when it is
    /// already inside, or not a positive finite number.</summary>
    public double Fold(double bpm)
    {
        if (!(bpm > 0 && double.IsFinite(bpm))) return bpm;
        while (Min is double lo && bpm < lo) bpm *= 2;
        while (Max is double hi && bpm > hi) bpm /= 2;
        return bpm;
    }

    /// <summary>The nearest tempo inside the range: a peak refined between classes or lags can step just past a bound.</summary>
    public double Clamp(double bpm) => Math.Clamp(bpm, Min ?? 0, Max ?? double.PositiveInfinity);
}
