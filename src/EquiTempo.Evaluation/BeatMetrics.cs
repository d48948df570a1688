namespace EquiTempo.Evaluation;

/// <summary>Beat-tracking scores of one track (each in [0, 1]).</summary>
/// <param name="FMeasure">Harmonic mean of precision and recall, a beat counting when within ±70 ms of a reference beat (one-to-one).</param>
/// <param name="CmlC">Correct metric level, the longest continuously correct stretch as a share of the beats.</param>
/// <param name="CmlT">Correct metric level, every correct beat counted (continuity not required).</param>
/// <param name="AmlC">As CMLc, allowing the off-beat, double and half tempo variants of the reference.</param>
/// <param name="AmlT">As CMLt, allowing those variants.</param>
public sealed record BeatScores(double FMeasure, double CmlC, double CmlT, double AmlC, double AmlT);

/// <summary>
/// Beat-tracking metrics as mir_eval.beat computes them (Raffel et al. 2014), with its defaults:
/// <list type="bullet">
/// <item>beats before 5 s are dropped from both sequences first (<c>trim_beats</c>, min_beat_time = 5.0), since
/// listeners and trackers need a few beats to find the pulse;</item>
/// <item>F-measure (Dixon 2007): the largest one-to-one matching of estimated and reference beats within ±70 ms
/// (f_measure_threshold = 0.07); 0 when either sequence is empty;</item>
/// <item>continuity (Hainsworth 2004, Klapuri et al. 2006): an estimated beat is correct when its nearest
/// not-yet-used reference beat is within 17.5 % of the reference interval (phase) and its own interval is within
/// 17.5 % of that interval (period; continuity_phase_threshold = continuity_period_threshold = 0.175), the
/// intervals looked forward for the first beat or reference and backward otherwise. CML* use the reference as
/// given; AML* take the best of the reference, its off-beats, double tempo and the two half-tempo sequences. Totals
/// and the longest run are divided by the longer of the two sequences. All four are 0 when either sequence has
/// fewer than two beats.</item>
/// </list>
/// </summary>
public static class BeatMetrics
{
    public const double MinBeatSeconds = 5.0;
    public const double FMeasureWindowSeconds = 0.07;
    public const double ContinuityPhaseThreshold = 0.175;
    public const double ContinuityPeriodThreshold = 0.175;

    /// <summary>Every score after trimming the beats before <paramref name="minBeatSeconds"/> (mir_eval.beat.evaluate).</summary>
    public static BeatScores Evaluate(IReadOnlyList<double> reference, IReadOnlyList<double> estimated, double minBeatSeconds = MinBeatSeconds)
    {
        var r = Trim(reference, minBeatSeconds);
        var e = Trim(estimated, minBeatSeconds);
        var (cmlC, cmlT, amlC, amlT) = Continuity(r, e);
        return new BeatScores(FMeasure(r, e), cmlC, cmlT, amlC, amlT);
    }

    /// <summary>The beats at or after <paramref name="minBeatSeconds"/> (mir_eval's trim_beats).</summary>
    public static double[] Trim(IReadOnlyList<double> beats, double minBeatSeconds = MinBeatSeconds)
    {
        Validate(beats, nameof(beats));
        return beats.Where(t => t >= minBeatSeconds).ToArray();
    }

    /// <summary>
    /// Downbeat F-measure: the beat F-measure applied to the downbeat times, as mir_eval and madmom score downbeats
    /// (±70 ms, one-to-one), after the same trimming of the first <paramref name="minBeatSeconds"/> as
    /// <see cref="Evaluate"/>, so that it reads beside the beat F of the same report. madmom's downbeat evaluation trims
    /// nothing by default: with <paramref name="minBeatSeconds"/> 0 this is its F.
    /// </summary>
    public static double DownbeatFMeasure(IReadOnlyList<double> referenceDownbeats, IReadOnlyList<double> estimatedDownbeats, double minBeatSeconds = MinBeatSeconds) =>
        FMeasure(Trim(referenceDownbeats, minBeatSeconds), Trim(estimatedDownbeats, minBeatSeconds));

    /// <summary>F-measure of the one-to-one matching within ±<paramref name="window"/> seconds (no trimming).</summary>
    public static double FMeasure(IReadOnlyList<double> reference, IReadOnlyList<double> estimated, double window = FMeasureWindowSeconds)
    {
        Validate(reference, nameof(reference));
        Validate(estimated, nameof(estimated));
        if (reference.Count == 0 || estimated.Count == 0) return 0;
        // Both sequences are sorted and a pair matches when within a fixed window, so the greedy sweep (pair the
        // earliest unmatched beats that are close enough, else skip the earlier one) finds a maximum matching, the
        // one mir_eval's Hopcroft-Karp finds.
        int matched = 0;
        for (int i = 0, j = 0; i < reference.Count && j < estimated.Count;)
        {
            if (Math.Abs(reference[i] - estimated[j]) <= window) { matched++; i++; j++; }
            else if (reference[i] < estimated[j]) i++;
            else j++;
        }
        double precision = (double)matched / estimated.Count, recall = (double)matched / reference.Count;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /// <summary>CMLc, CMLt, AMLc, AMLt (no trimming).</summary>
    public static (double CmlC, double CmlT, double AmlC, double AmlT) Continuity(IReadOnlyList<double> reference, IReadOnlyList<double> estimated,
        double phaseThreshold = ContinuityPhaseThreshold, double periodThreshold = ContinuityPeriodThreshold)
    {
        Validate(reference, nameof(reference));
        Validate(estimated, nameof(estimated));
        if (reference.Count < 2 || estimated.Count < 2) return (0, 0, 0, 0);
        var scores = Variations(reference).Select(v => ContinuityOf(v, estimated, phaseThreshold, periodThreshold)).ToList();
        return (scores[0].Continuous, scores[0].Total, scores.Max(s => s.Continuous), scores.Max(s => s.Total));
    }

    /// <summary>The reference, its off-beats, double tempo, and half tempo on the odd and on the even beats
    /// (mir_eval's _get_reference_beat_variations: the double sequence interpolates midpoints).</summary>
    internal static IReadOnlyList<double[]> Variations(IReadOnlyList<double> reference)
    {
        int n = reference.Count;
        var doubled = new double[2 * n - 1];
        for (int i = 0; i < n; i++)
        {
            doubled[2 * i] = reference[i];
            if (i + 1 < n) doubled[2 * i + 1] = 0.5 * (reference[i] + reference[i + 1]);
        }
        return new[]
        {
            reference.ToArray(),
            doubled.Where((_, k) => k % 2 == 1).ToArray(),
            doubled,
            reference.Where((_, k) => k % 2 == 0).ToArray(),
            reference.Where((_, k) => k % 2 == 1).ToArray(),
        };
    }

    private static (double Continuous, double Total) ContinuityOf(double[] reference, IReadOnlyList<double> estimated, double phaseThreshold, double periodThreshold)
    {
        int count = Math.Max(reference.Length, estimated.Count);
        var used = new bool[reference.Length];
        var success = new bool[count];
        // numpy's index −1 is the last element: mir_eval's "previous interval" of a one-beat sequence is then 0.
        double Ref(int i) => reference[(i + reference.Length) % reference.Length];
        double Est(int i) => estimated[(i + estimated.Count) % estimated.Count];
        for (int m = 0; m < estimated.Count; m++)
        {
            int nearest = 0;
            for (int k = 1; k < reference.Length; k++)
                if (Math.Abs(estimated[m] - reference[k]) < Math.Abs(estimated[m] - reference[nearest])) nearest = k;
            if (used[nearest]) continue;
            double difference = Math.Abs(estimated[m] - reference[nearest]);
            double referenceInterval, estimatedInterval;
            if (m == 0 || nearest == 0)
            {
                // The first beat or reference looks forward (backward when there is no next one).
                referenceInterval = nearest + 1 < reference.Length ? reference[nearest + 1] - reference[nearest] : reference[nearest] - Ref(nearest - 1);
                estimatedInterval = m + 1 < estimated.Count ? estimated[m + 1] - estimated[m] : estimated[m] - Est(m - 1);
            }
            else
            {
                referenceInterval = reference[nearest] - reference[nearest - 1];
                estimatedInterval = estimated[m] - estimated[m - 1];
            }
            double phase = referenceInterval == 0 ? double.PositiveInfinity : Math.Abs(difference / referenceInterval);
            double period = referenceInterval == 0 ? double.PositiveInfinity : Math.Abs(1 - estimatedInterval / referenceInterval);
            if (phase < phaseThreshold && period < periodThreshold)
            {
                used[nearest] = true;
                success[m] = true;
            }
        }
        int longest = 0, run = 0, total = 0;
        foreach (bool s in success)
        {
            run = s ? run + 1 : 0;
            longest = Math.Max(longest, run);
            if (s) total++;
        }
        return ((double)longest / count, (double)total / count);
    }

    private static void Validate(IReadOnlyList<double> beats, string name)
    {
        ArgumentNullException.ThrowIfNull(beats, name);
        for (int i = 0; i < beats.Count; i++)
        {
            if (!double.IsFinite(beats[i]) || beats[i] < 0) throw new ArgumentException($"beat time {beats[i]} is not a non-negative number", name);
            if (i > 0 && beats[i] < beats[i - 1]) throw new ArgumentException("beat times must not decrease", name);
        }
    }
}
