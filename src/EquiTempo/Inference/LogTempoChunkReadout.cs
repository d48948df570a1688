using EquiTempo.Features;
using EquiTempo.Model;

namespace EquiTempo.Inference;

/// <summary>
/// A log-tempo model's chunk distributions → BPM. The mean of the chunk distributions (the paper's inference, on log-tempo
/// bins), weighted by the stored log-normal prior and restricted to <see cref="ChunkReadout.Range"/>, renormalised; its
/// highest bin refined to the probability-weighted mean of the bins within ±1 and read as
/// MinBpm·2^((bin + offset) / bins per octave). Confidence = the mass within ±tolerance of it. The second tempo is the
/// metrical relative (<see cref="TempoRange.MetricalRatios"/>) with the most mass within ±tolerance, as for the class head.
/// </summary>
public sealed class LogTempoChunkReadout : ChunkReadout
{
    private readonly LogTempogramConfig _grid;
    public LogTempoReadout Calibration { get; }

    public LogTempoChunkReadout(LogTempoReadout calibration, LogTempogramConfig grid, double tolerance, TempoRange range = default) : base(tolerance, range)
    {
        Calibration = calibration;
        _grid = grid;
    }

    public override string Kind => LogTempoReadout.KindName;

    public override bool Usable(ChunkOutput chunk) => chunk.Voiced && chunk.ClassProbabilities is not null;

    /// <summary>The tempo of (fractional) output bin <paramref name="bin"/>.</summary>
    public double BpmOfBin(double bin) => _grid.BpmAt(bin + Calibration.OffsetBins);

    public override double PointBpm(ChunkOutput chunk) =>
        Read(Array.ConvertAll(Probabilities(chunk), v => (double)v), withPrior: true) is { } s ? s.Bpm : double.NaN;

    private protected override TempoSummary? SummariseUsable(IReadOnlyList<ChunkOutput> used) => SummariseUsable(used, null);

    private TempoSummary? SummariseUsable(IReadOnlyList<ChunkOutput> used, Func<IReadOnlyList<double>, double[]>? binWeights)
    {
        var mean = new double[Probabilities(used[0]).Length];
        foreach (var chunk in used)
        {
            var p = Probabilities(chunk);
            for (int k = 0; k < mean.Length; k++) mean[k] += p[k] / used.Count;
        }
        var weights = binWeights?.Invoke(BinBpms(mean.Length));
        return Read(mean, withPrior: true, weights) is { } s ? s with { Chunks = used.Count } : null;
    }

    /// <summary>The track's tempo from its usable chunks with the mean distribution multiplied, bin by bin and before
    /// the prior, by the weights <paramref name="binWeights"/> gives for the bins' tempi (see <see cref="DspEvidenceFusion"/>);
    /// null when no chunk is usable.</summary>
    public TempoSummary? Summarise(IEnumerable<ChunkOutput> chunks, Func<IReadOnlyList<double>, double[]> binWeights)
    {
        var used = chunks.Where(Usable).ToList();
        return used.Count == 0 ? null : SummariseUsable(used, binWeights);
    }

    /// <summary>The tempo of each of the first <paramref name="bins"/> output bins.</summary>
    public double[] BinBpms(int bins) => Enumerable.Range(0, bins).Select(k => BpmOfBin(k)).ToArray();

    /// <summary>The tempo of a (mean) distribution; <paramref name="withPrior"/> false reads its own peak (the network
    /// alone, before the metrical-level prior); <paramref name="weights"/>, when given, multiply the bins first (the
    /// fused evidence). Null when no bin of the range has any mass.</summary>
    public TempoSummary? Read(double[] distribution, bool withPrior, double[]? weights = null)
    {
        if (weights is not null && weights.Length != distribution.Length)
            throw new ArgumentException($"{weights.Length} weights for {distribution.Length} bins", nameof(weights));
        var q = new double[distribution.Length];
        double total = 0;
        for (int k = 0; k < q.Length; k++)
        {
            double bpm = BpmOfBin(k);
            if (!Range.Contains(bpm)) continue;
            q[k] = distribution[k] * (withPrior ? Prior(bpm) : 1) * (weights?[k] ?? 1);
            total += q[k];
        }
        if (!(total > 0)) return null;
        for (int k = 0; k < q.Length; k++) q[k] /= total;
        int b1 = Array.IndexOf(q, q.Max());
        double bpm1 = Range.Clamp(BpmOfBin(Refine(q, b1)));
        double conf = Math.Clamp(BandMass(q, bpm1), 0, 1);
        (int Peak, double Mass)? best = null;
        foreach (double ratio in TempoRange.MetricalRatios)
        {
            double target = bpm1 * ratio;
            int peak = -1;
            for (int k = 0; k < q.Length; k++)
                if (q[k] > 0 && Math.Abs(BpmOfBin(k) / target - 1) <= Tolerance && (peak < 0 || q[k] > q[peak])) peak = k;
            if (peak < 0) continue;
            double mass = BandMass(q, target);
            if (best is not (_, double m) || mass > m) best = (peak, mass);
        }
        if (best is not (int b2, double mass2)) return new TempoSummary(bpm1, bpm1, 1, conf, 1);
        return new TempoSummary(bpm1, Range.Clamp(BpmOfBin(Refine(q, b2))), Salience(conf, mass2), conf, 1);
    }

    /// <summary>The stored log-normal prior's weight at <paramref name="bpm"/> (1 without a prior).</summary>
    public double Prior(double bpm)
    {
        if (Calibration.PriorCentreBpm is not double c || Calibration.PriorOctaves is not double w) return 1;
        double d = Math.Log2(bpm / c) / w;
        return Math.Exp(-0.5 * d * d);
    }

    private double BandMass(double[] q, double centre)
    {
        double mass = 0;
        for (int k = 0; k < q.Length; k++) if (Math.Abs(BpmOfBin(k) / centre - 1) <= Tolerance) mass += q[k];
        return mass;
    }

    /// <summary>Probability-weighted mean bin of the bins within ±1 of a peak (bins are 2.9 % apart at 24 an octave).</summary>
    private static double Refine(double[] q, int peak)
    {
        double w = 0, sum = 0;
        for (int k = Math.Max(0, peak - 1); k <= Math.Min(q.Length - 1, peak + 1); k++) { w += q[k]; sum += k * q[k]; }
        return w > 0 ? sum / w : peak;
    }

    private static float[] Probabilities(ChunkOutput chunk) =>
        chunk.ClassProbabilities ?? throw new ArgumentException("a log-tempo readout needs the chunk's distribution", nameof(chunk));
}
