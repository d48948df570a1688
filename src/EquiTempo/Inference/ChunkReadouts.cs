using EquiTempo.Model;

namespace EquiTempo.Inference;

/// <summary>A track's tempo read from its chunk outputs: the two strongest tempi, the share of the first,
/// the agreement-based confidence and how many chunks were used.</summary>
public sealed record TempoSummary(double Bpm, double Bpm2, double Salience, double Confidence, int Chunks);

/// <summary>
/// Per-chunk network outputs → BPM, one kind per stored <see cref="TempoReadout"/> (a closed set, chosen by
/// <see cref="For"/>). A readout decides which chunks it can use, reads one chunk on its own (a point of the
/// local tempo curve) and summarises a track.
/// </summary>
public abstract class ChunkReadout
{
    /// <summary>The stored readout's kind name (the estimate's <c>Readout</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>Relative tolerance of the agreement-based confidence.</summary>
    public double Tolerance { get; }

    private protected ChunkReadout(double tolerance) => Tolerance = tolerance;

    /// <summary>The readout stage for a model's stored readout.</summary>
    public static ChunkReadout For(TempoReadout stored, double tolerance) => stored switch
    {
        ClassHeadReadout => new ClassHeadChunkReadout(tolerance),
        ScaleReadout s => new ScaleChunkReadout(s.Scale, tolerance),
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

    private protected abstract TempoSummary SummariseUsable(IReadOnlyList<ChunkOutput> used);
}

/// <summary>The trained class head: the mean of the chunk softmaxes (the paper's inference), its two strongest
/// peaks more than 8 % (at least 2 classes) apart, each refined to the probability-weighted mean of the classes
/// within ±2; salience = first peak / (sum of both); confidence = the mean's mass within ±tolerance of the first.</summary>
public sealed class ClassHeadChunkReadout(double tolerance) : ChunkReadout(tolerance)
{
    public override string Kind => ClassHeadReadout.KindName;

    public override bool Usable(ChunkOutput chunk) => chunk.Voiced && chunk.ClassProbabilities is not null;

    public override double PointBpm(ChunkOutput chunk)
    {
        var p = Probabilities(chunk);
        return Refine(Array.ConvertAll(p, v => (double)v), Array.IndexOf(p, p.Max()));
    }

    private protected override TempoSummary SummariseUsable(IReadOnlyList<ChunkOutput> used)
    {
        var mean = new double[Probabilities(used[0]).Length];
        foreach (var chunk in used)
        {
            var p = Probabilities(chunk);
            for (int c = 0; c < mean.Length; c++) mean[c] += p[c] / used.Count;
        }
        var (b1, b2, s1, s2) = TwoPeaks(mean);
        double conf = Enumerable.Range(0, mean.Length).Where(c => Math.Abs(c - b1) <= Tolerance * b1 + 0.5).Sum(c => mean[c]);
        return new TempoSummary(Refine(mean, b1), Refine(mean, b2), s1 / (s1 + s2), Math.Clamp(conf, 0, 1), used.Count);
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

    /// <summary>The highest class and the highest more than max(2, 8 %) classes from it (the first again when none).</summary>
    internal static (int First, int Second, double FirstP, double SecondP) TwoPeaks(double[] p)
    {
        int b1 = Array.IndexOf(p, p.Max());
        int b2 = -1;
        for (int c = 0; c < p.Length; c++)
            if (Math.Abs(c - b1) > Math.Max(2, 0.08 * b1) && (b2 < 0 || p[c] > p[b2])) b2 = c;
        return (b1, b2 < 0 ? b1 : b2, p[b1], b2 < 0 ? 0 : p[b2]);
    }
}

/// <summary>BPM = scale × z per chunk (chunks with a non-positive or non-finite z are unusable); the track's tempo is
/// the median over usable chunks, confidence the share of them within ±tolerance of it. The scalar has one
/// peak, so the second tempo is the metrical-level alternative (×2 or ½, whichever lies nearer the common
/// 70–180 BPM range) and the salience is 1.</summary>
public sealed class ScaleChunkReadout(double scale, double tolerance) : ChunkReadout(tolerance)
{
    public double Scale { get; } = scale;

    public override string Kind => ScaleReadout.KindName;

    public override bool Usable(ChunkOutput chunk) => chunk.Voiced && chunk.Z > 0 && float.IsFinite(chunk.Z);

    public override double PointBpm(ChunkOutput chunk) => Scale * chunk.Z;

    private protected override TempoSummary SummariseUsable(IReadOnlyList<ChunkOutput> used)
    {
        var bpms = used.Select(PointBpm).ToArray();
        double bpm = Median(bpms);
        double agree = bpms.Count(b => Math.Abs(b / bpm - 1) <= Tolerance) / (double)bpms.Length;
        double bpm2 = bpm < 100 ? bpm * 2 : bpm / 2;
        return new TempoSummary(bpm, bpm2, 1.0, agree, used.Count);
    }

    private static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
