namespace EquiTempo.Evaluation;

/// <summary>The standard tempo-estimation accuracies (Gouyon et al. 2006; MIREX).</summary>
public static class TempoMetrics
{
    public const double DefaultTolerance = 0.04;

    /// <summary>The MIREX audio tempo extraction task counts an estimate within 8 % of a reference tempo as a hit.</summary>
    public const double PScoreTolerance = 0.08;

    private static readonly double[] Acc2Factors = { 1, 2, 3, 0.5, 1.0 / 3 };

    /// <summary>Acc1: estimate within ±tolerance (relative) of the reference.</summary>
    public static bool Acc1(double estimate, double reference, double tolerance = DefaultTolerance)
    {
        Check(estimate, reference, tolerance);
        return Within(estimate, reference, tolerance);
    }

    /// <summary>Acc2: Acc1 against the reference times 1, 2, 3, ½ or ⅓ (octave and triple errors forgiven).</summary>
    public static bool Acc2(double estimate, double reference, double tolerance = DefaultTolerance)
    {
        Check(estimate, reference, tolerance);
        return Acc2Factors.Any(f => Within(estimate, reference * f, tolerance));
    }

    /// <summary>log2(estimate / reference): 0 right, +1 double, −1 half.</summary>
    public static double OctaveError(double estimate, double reference)
    {
        Check(estimate, reference, DefaultTolerance);
        return Math.Log2(estimate / reference);
    }

    /// <summary>
    /// MIREX P-score of two estimated tempi against two reference tempi, where
    /// <paramref name="referenceSalience"/> is the share of listeners who felt <paramref name="reference1"/>
    /// (and 1 − it felt <paramref name="reference2"/>): P = S·TT1 + (1 − S)·TT2, with TTi = 1 when either
    /// estimate lies within ±tolerance of reference i. 1 means both felt tempi were found.
    /// </summary>
    public static double PScore(double estimate1, double estimate2, double reference1, double reference2, double referenceSalience,
        double tolerance = PScoreTolerance)
    {
        Check(estimate1, reference1, tolerance);
        Check(estimate2, reference2, tolerance);
        if (!(referenceSalience >= 0 && referenceSalience <= 1))
            throw new ArgumentOutOfRangeException(nameof(referenceSalience), referenceSalience, "reference salience must be in [0, 1]");
        double hit1 = Within(estimate1, reference1, tolerance) || Within(estimate2, reference1, tolerance) ? 1 : 0;
        double hit2 = Within(estimate1, reference2, tolerance) || Within(estimate2, reference2, tolerance) ? 1 : 0;
        return referenceSalience * hit1 + (1 - referenceSalience) * hit2;
    }

    // The relative slack of 1e-9 keeps an estimate that sits exactly on the tolerance (124.8 against 120 at
    // 4 %) a hit despite the rounding of reference × tolerance in binary floating point.
    private static bool Within(double estimate, double reference, double tolerance) =>
        Math.Abs(estimate - reference) <= tolerance * reference + 1e-9 * reference;

    private static void Check(double estimate, double reference, double tolerance)
    {
        if (!(reference > 0) || !double.IsFinite(reference)) throw new ArgumentOutOfRangeException(nameof(reference), reference, "reference tempo must be a positive number");
        if (!(estimate > 0) || !double.IsFinite(estimate)) throw new ArgumentOutOfRangeException(nameof(estimate), estimate, "estimated tempo must be a positive number");
        if (!(tolerance >= 0) || tolerance >= 1) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be in [0, 1)");
    }
}
