namespace EquiTempo.DevSets;

/// <summary>The beat a listener feels, in quarter notes: in 6/8, 9/8 and 12/8 it is a dotted quarter.</summary>
public static class FeltBeat
{
    /// <summary>Felt beats per quarter note in a meter: 2/3 in 6/8, 9/8 and 12/8, else 1 (the quarter note).</summary>
    public static double PerQuarter(int numerator, int denominator) =>
        denominator == 8 && numerator is 6 or 9 or 12 ? 2.0 / 3.0 : 1.0;

    /// <summary>
    /// How many beats of a grid at <paramref name="beatsPerQuarter"/> fill one bar of
    /// <paramref name="numerator"/>/<paramref name="denominator"/> (4/4 at the quarter: 4; 6/8 at the dotted
    /// quarter: 2; 6/8 at the quarter: 3), or null when the bar is not a whole number of them (5/8 or 7/16
    /// at the quarter): then the grid's beats cross bar lines and have no number in a bar.
    /// </summary>
    public static int? PerBar(int numerator, int denominator, double beatsPerQuarter)
    {
        double beats = numerator * 4.0 / denominator * beatsPerQuarter;
        double whole = Math.Round(beats);
        return whole >= 1 && Math.Abs(beats - whole) < 1e-9 ? (int)whole : null;
    }
}

/// <summary>
/// Beat times in seconds, with each beat's number in its bar (1 = downbeat, madmom's <c>.beats</c>
/// convention) when the source states the bars, or null numbers when it does not.
/// </summary>
public sealed record NumberedBeats(double[] Times, int[]? Numbers)
{
    /// <summary>Beats numbered 1, 2, … <paramref name="beatsPerBar"/>, 1, … from the first, which is a downbeat; times only when <paramref name="beatsPerBar"/> is null.</summary>
    public static NumberedBeats FromDownbeat(double[] times, int? beatsPerBar) =>
        new(times, beatsPerBar is int n ? [.. Enumerable.Range(0, times.Length).Select(k => k % n + 1)] : null);
}
