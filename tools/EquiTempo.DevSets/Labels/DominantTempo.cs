namespace EquiTempo.DevSets;

/// <summary>A stretch of a song played at one rate (BPM, or rows per minute for a tracker module).</summary>
public readonly record struct TempoSpan(double Rate, double Seconds);

/// <summary>The rate that covers most of a song, and the share of the song played within a tolerance of it.</summary>
public readonly record struct DominantTempo(double Rate, double Share, double TotalSeconds)
{
    /// <summary>Rates within ±2 % count as one: files nudge a tempo by a hair (120 vs 119.98 BPM), which no listener hears.</summary>
    public const double DefaultTolerance = 0.02;

    /// <summary>
    /// Takes each distinct rate in turn as the centre, adds up the seconds played within
    /// <paramref name="tolerance"/> of it, and keeps the centre that covers the most (the longer
    /// exact span breaks a tie). Spans of zero or negative length are ignored.
    /// </summary>
    public static DominantTempo Find(IEnumerable<TempoSpan> spans, double tolerance = DefaultTolerance)
    {
        var byRate = spans.Where(s => s.Seconds > 0 && s.Rate > 0)
            .GroupBy(s => s.Rate)
            .Select(g => (Rate: g.Key, Seconds: g.Sum(s => s.Seconds)))
            .ToList();
        double total = byRate.Sum(r => r.Seconds);
        if (byRate.Count == 0) throw new ArgumentException("no span of positive length and rate", nameof(spans));
        var best = byRate
            .Select(centre => (centre.Rate, centre.Seconds,
                Covered: byRate.Where(r => Math.Abs(r.Rate / centre.Rate - 1) <= tolerance).Sum(r => r.Seconds)))
            .OrderByDescending(c => c.Covered).ThenByDescending(c => c.Seconds)
            .First();
        return new DominantTempo(best.Rate, best.Covered / total, total);
    }
}
