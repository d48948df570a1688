namespace EquiTempo.Evaluation;

/// <summary>The standard tempo-estimation accuracies (Gouyon et al. 2006; MIREX).</summary>
public static class TempoMetrics
{
    public const double DefaultTolerance = 0.04;
    private static readonly double[] Acc2Factors = { 1, 2, 3, 0.5, 1.0 / 3 };

    /// <summary>Acc1: estimate within ±tolerance (relative) of the reference.</summary>
    public static bool Acc1(double estimate, double reference, double tolerance = DefaultTolerance)
    {
        Check(estimate, reference, tolerance);
        return Math.Abs(estimate - reference) <= tolerance * reference + 1e-9 * reference;
    }

    /// <summary>Acc2: Acc1 against the reference times 1, 2, 3, ½ or ⅓ (octave and triple errors forgiven).</summary>
    public static bool Acc2(double estimate, double reference, double tolerance = DefaultTolerance)
    {
        Check(estimate, reference, tolerance);
        return Acc2Factors.Any(f => Acc1(estimate, reference * f, tolerance));
    }

    /// <summary>log2(estimate / reference): 0 right, +1 double, −1 half.</summary>
    public static double OctaveError(double estimate, double reference)
    {
        Check(estimate, reference, DefaultTolerance);
        return Math.Log2(estimate / reference);
    }

    private static void Check(double estimate, double reference, double tolerance)
    {
        if (!(reference > 0) || !double.IsFinite(reference)) throw new ArgumentOutOfRangeException(nameof(reference), reference, "reference tempo must be a positive number");
        if (!(estimate > 0) || !double.IsFinite(estimate)) throw new ArgumentOutOfRangeException(nameof(estimate), estimate, "estimated tempo must be a positive number");
        if (!(tolerance >= 0) || tolerance >= 1) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "tolerance must be in [0, 1)");
    }
}
