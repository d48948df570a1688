using EquiTempo.Model;

namespace EquiTempo.Inference;

/// <summary>A track's tempo read from its chunk outputs: the two strongest tempi, the share of the first,
/// the agreement-based confidence and how many chunks were used.</summary>
public sealed record TempoSummary(double Bpm, double Bpm2, double Salience, double Confidence, int Chunks);

/// <summary>
/// Per-chunk network outputs → BPM, one kind per stored <see cref="TempoReadout"/> (a closed set, chosen by
/// <see cref="For"/>). A readout decides which chunks it can use, reads one chunk on its own (a point of the
/// local tempo curve) and summarises a track. Every tempo it gives, the second and the curve's included, lies in
/// its <see cref="Range"/>.
/// </summary>
public abstract class ChunkReadout
{
    /// <summary>The stored readout's kind name (the estimate's <c>Readout</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>Relative tolerance of the agreement-based confidence, and of a second tempo's distance from a
    /// metrical relative of the first.</summary>
    public double Tolerance { get; }

    /// <summary>The tempi an answer may have.</summary>
    public TempoRange Range { get; }

    private protected ChunkReadout(double tolerance, TempoRange range)
    {
        Tolerance = tolerance;
        Range = range;
    }

    /// <summary>The readout stage for a model's stored readout.</summary>
    public static ChunkReadout For(TempoReadout stored, double tolerance, TempoRange range = default) => stored switch
    {
        ClassHeadReadout => new ClassHeadChunkReadout(tolerance, range),
        ScaleReadout s => new ScaleChunkReadout(s.Scale, tolerance, range),
        _ => throw new ModelFileException(null, $"the model's readout kind '{stored.Kind}' is unknown to this library"),
    };

    /// <summary>Whether <paramref name="chunk"/> gives evidence: voiced, and readable by this kind.</summary>
    public abstract bool Usable(ChunkOutput chunk);

    /// <summary>The tempo of one chunk on its own.</summary>
    public abstract double PointBpm(ChunkOutput chunk);

    /// <summary>The track's tempo from its usable chunks, or null when none is usable.</summary>
    public TempoSummary? Summarise(IEnumerable<ChunkOutput> chunks)
    {
        var used = chunks.Where(Usable).ToList();
        return used.Count == 0 ? null : SummariseUsable(used);
    }

    private protected abstract TempoSummary? SummariseUsable(IReadOnlyList<ChunkOutput> used);

    /// <summary>Salience of the first of two tempi with these strengths: the two saliences sum to 1.</summary>
    private protected static double Salience(double first, double second) => first + second > 0 ? first / (first + second) : 1;
}

/// <summary>The trained class head: the mean of the chunk softmaxes (the paper's inference), restricted to the
/// classes in <see cref="ChunkReadout.Range"/> and renormalised; its highest class, refined to the
/// probability-weighted mean of the classes within ±2. Confidence = the mass within ±tolerance of it. The second
/// tempo is the metrical relative (<see cref="TempoRange.MetricalRatios"/>) with the most mass within ±tolerance;
/// salience = first mass / (first + second mass).</summary>
public sealed class ClassHeadChunkReadout(double tolerance, TempoRange range = default) : ChunkReadout(tolerance, range)
{
    public override string Kind => ClassHeadReadout.KindName;

    public override bool Usable(ChunkOutput chunk) => chunk.Voiced && chunk.ClassProbabilities is not null;

    public override double PointBpm(ChunkOutput chunk)
    {
        var p = Restricted(Array.ConvertAll(Probabilities(chunk), v => (double)v));
        int peak = Array.IndexOf(p, p.Max());
        return Range.Clamp(Refine(p, peak));
    }

    private protected override TempoSummary? SummariseUsable(IReadOnlyList<ChunkOutput> used)
    {
        var mean = new double[Probabilities(used[0]).Length];
        foreach (var chunk in used)
        {
            var p = Probabilities(chunk);
            for (int c = 0; c < mean.Length; c++) mean[c] += p[c] / used.Count;
        }
        mean = Restricted(mean);
        if (!(mean.Sum() > 0)) return null;   // no class of the range has any probability
        int b1 = Array.IndexOf(mean, mean.Max());
        double bpm = Range.Clamp(Refine(mean, b1)), conf = BandMass(mean, b1, b1);
        if (Related(mean, bpm) is not (int b2, double mass2)) return new TempoSummary(bpm, bpm, 1, Math.Clamp(conf, 0, 1), used.Count);
        return new TempoSummary(bpm, Range.Clamp(Refine(mean, b2)), Salience(conf, mass2), Math.Clamp(conf, 0, 1), used.Count);
    }

    /// <summary>The highest class near a metrical relative of <paramref name="bpm"/> inside the range, with the mass
    /// around it, for the relative whose mass is largest; null when no relative has any.</summary>
    internal (int Peak, double Mass)? Related(double[] p, double bpm)
    {
        (int, double)? best = null;
        foreach (double ratio in TempoRange.MetricalRatios)
        {
            double target = bpm * ratio;
            int lo = Math.Max(1, (int)Math.Ceiling(target - Tolerance * target - 0.5)), hi = Math.Min(p.Length - 1, (int)Math.Floor(target + Tolerance * target + 0.5));
            int peak = -1;
            for (int c = lo; c <= hi; c++) if (p[c] > 0 && (peak < 0 || p[c] > p[peak])) peak = c;
            if (peak < 0) continue;
            double mass = BandMass(p, peak, target);
            if (best is not (_, double m) || mass > m) best = (peak, mass);
        }
        return best;
    }

    /// <summary>The mass of the classes within ±tolerance (plus half a class) of <paramref name="centre"/>.</summary>
    private double BandMass(double[] p, int peak, double centre)
    {
        double mass = 0;
        for (int c = 0; c < p.Length; c++) if (Math.Abs(c - peak) <= Tolerance * centre + 0.5) mass += p[c];
        return mass;
    }

    /// <summary>The distribution given that the tempo lies in the range: classes outside it set to 0, the rest scaled
    /// to sum to 1 (unchanged when the range is unrestricted).</summary>
    private double[] Restricted(double[] p)
    {
        if (Range.IsUnrestricted) return p;
        double kept = 0;
        var q = new double[p.Length];
        for (int c = 0; c < p.Length; c++) if (Range.Contains(c)) { q[c] = p[c]; kept += p[c]; }
        if (kept > 0) for (int c = 0; c < q.Length; c++) q[c] /= kept;
        return q;
    }

    private static float[] Probabilities(ChunkOutput chunk) =>
        chunk.ClassProbabilities ?? throw new ArgumentException("a class-head readout needs the chunk's class probabilities", nameof(chunk));

    /// <summary>Probability-weighted mean of the classes within ±2 of a peak: the classes are 1 BPM wide
    /// (1.7 % at 60 BPM), and the weighted mean places the tempo between them.</summary>
    internal static double Refine(IReadOnlyList<double> p, int peak)
    {
        double w = 0, sum = 0;
        for (int c = Math.Max(1, peak - 2); c <= Math.Min(p.Count - 1, peak + 2); c++) { w += p[c]; sum += c * p[c]; }
        return w > 0 ? sum / w : peak;
    }
}

/// <summary>BPM = scale × z per chunk (chunks with a non-positive or non-finite z are unusable), folded by octaves into
/// <see cref="ChunkReadout.Range"/>; the track's tempo is the median over usable chunks, confidence the share of them
/// within ±tolerance of it. The second tempo is the metrical relative (<see cref="TempoRange.MetricalRatios"/>) that
/// most other chunks agree with (their median), salience = first share / (first + second share). When no chunk
/// agrees with any relative, it is the double or half, whichever lies in range and nearer the common 70–180 BPM
/// range, with salience 1.</summary>
public sealed class ScaleChunkReadout(double scale, double tolerance, TempoRange range = default) : ChunkReadout(tolerance, range)
{
    public double Scale { get; } = scale;

    public override string Kind => ScaleReadout.KindName;

    public override bool Usable(ChunkOutput chunk) => chunk.Voiced && chunk.Z > 0 && float.IsFinite(chunk.Z);

    public override double PointBpm(ChunkOutput chunk) => Range.Fold(Scale * chunk.Z);

    private protected override TempoSummary SummariseUsable(IReadOnlyList<ChunkOutput> used)
    {
        var bpms = used.Select(PointBpm).ToArray();
        double bpm = Median(bpms);
        double agree = Near(bpms, bpm).Length / (double)bpms.Length;
        double bpm2 = Fallback(bpm), share2 = 0;
        foreach (double ratio in TempoRange.MetricalRatios)
        {
            var near = Near(bpms, bpm * ratio);
            if (near.Length / (double)bpms.Length > share2 && Range.Contains(Median(near))) (bpm2, share2) = (Median(near), near.Length / (double)bpms.Length);
        }
        return new TempoSummary(bpm, bpm2, Salience(agree, share2), agree, used.Count);
    }

    private double[] Near(double[] bpms, double target) => bpms.Where(b => Math.Abs(b / target - 1) <= Tolerance).ToArray();

    private double Fallback(double bpm)
    {
        double preferred = bpm < 100 ? bpm * 2 : bpm / 2, other = bpm < 100 ? bpm / 2 : bpm * 2;
        return Range.Contains(preferred) ? preferred : Range.Contains(other) ? other : bpm;
    }

    private static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
