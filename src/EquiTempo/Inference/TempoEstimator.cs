using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>Estimation settings. Defaults follow the paper's inference: non-overlapping 13.6 s chunks.</summary>
public sealed record EstimatorConfig
{
    /// <summary>Chunk hop in seconds; null = the chunk length (non-overlapping, as the paper).</summary>
    public double? HopSeconds { get; init; }
    /// <summary>Hop of the sliding window for the local tempo curve.</summary>
    public double LocalHopSeconds { get; init; } = 2.0;
    /// <summary>Chunks sent through the network at once.</summary>
    public int BatchChunks { get; init; } = 8;
    /// <summary>Chunks quieter than this RMS (dBFS) carry no tempo and are skipped; a track with none left is an error.</summary>
    public double SilenceDbfs { get; init; } = -70;
    /// <summary>Relative tolerance used for the agreement-based confidence (the Acc1 tolerance).</summary>
    public double Tolerance { get; init; } = 0.04;
}

/// <summary>
/// Audio → BPM with a trained model. Thread-safe: decoding and the front end run on the caller's
/// thread; the network call is serialised (LibTorch already uses every core inside one call).
/// </summary>
public sealed class TempoEstimator : ITempoMethod
{
    private readonly TempoModel _model;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly object _netLock = new();
    public EstimatorConfig Config { get; }
    public ModelMetadata Metadata => _model.Metadata;

    public TempoEstimator(TempoModel model, EstimatorConfig? config = null)
    {
        _model = model;
        _model.Network.eval();
        _frontEnd = new LogMelFrontEnd(model.Metadata.FrontEnd);
        Config = config ?? new EstimatorConfig();
        if (model.Metadata.Readout.Scale is null && !model.Metadata.Readout.ClassHeadTrained)
            throw new InvalidOperationException("model has no tempo readout yet: calibrate it (equitempo calibrate) or fine-tune a head (equitempo finetune)");
    }

    /// <summary>A model file, or with no path the shipped default model (<see cref="ShippedModels.Default"/>,
    /// embedded in the assembly: no file beside the binaries is needed).</summary>
    public static TempoEstimator Load(string? modelPath = null, EstimatorConfig? config = null) =>
        Create(modelPath is null ? ShippedModels.Load(ShippedModels.Default) : TempoModel.Load(modelPath), config);

    /// <summary>A model that ships inside the assembly, by name: <see cref="ShippedModels.Default"/> or
    /// <see cref="ShippedModels.LabelFree"/> (see <see cref="ShippedModels.Names"/>).</summary>
    public static TempoEstimator LoadShipped(string name, EstimatorConfig? config = null) =>
        Create(ShippedModels.Load(name), config);

    private static TempoEstimator Create(TempoModel model, EstimatorConfig? config)
    {
        try { return new TempoEstimator(model, config); }
        catch { model.Dispose(); throw; }
    }

    public string Readout => _model.Metadata.Readout.ClassHeadTrained ? "class-head" : "scale";

    public string Name => $"model:{Readout}";

    public TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default)
    {
        if (Config.HopSeconds is null && !localCurve)
        {
            // Stream the file in chunk-sized blocks and keep only each chunk's output: memory stays
            // bounded by one batch of chunks however long the file is.
            var chunkSec = (double)_frontEnd.Config.ExcerptSamples / _frontEnd.Config.SampleRate;
            long total = 0;
            var blocks = AudioDecoder.ReadBlocks(path, chunkSec, _frontEnd.Config.SampleRate, ct).Select(b => { total += b.Length; return b; });
            var outs = ChunkOutputs(blocks, ct);
            if (total == 0) throw new AudioFormatException(path, "contains no audio samples");
            return Summarise(path, outs, total, null);
        }
        var audio = AudioDecoder.DecodeMono(path, _frontEnd.Config.SampleRate, ct: ct);
        return Estimate(audio.Samples, audio.SampleRate, localCurve, path, ct);
    }

    public TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default)
    {
        if (samples.Length == 0) throw new AudioFormatException(name ?? "<samples>", "contains no audio samples");
        if (sampleRate != _frontEnd.Config.SampleRate) samples = Resampler.Resample(samples, sampleRate, _frontEnd.Config.SampleRate);
        int n = _frontEnd.Config.ExcerptSamples;
        int hop = Config.HopSeconds is double h ? Math.Max(1, (int)(h * _frontEnd.Config.SampleRate)) : n;
        var chunks = Cut(samples, n, hop);
        List<TempoPoint>? curve = null;
        if (localCurve)
        {
            int lhop = Math.Max(1, (int)(Config.LocalHopSeconds * _frontEnd.Config.SampleRate));
            var windows = Cut(samples, n, lhop);
            var est = ChunkOutputs(windows, ct);
            curve = new List<TempoPoint>();
            for (int k = 0; k < windows.Count; k++)
                if (est.Valid[k]) curve.Add(new TempoPoint(((double)k * lhop + Math.Min(n, samples.Length - (long)k * lhop) / 2.0) / _frontEnd.Config.SampleRate, est.PointBpm(k)));
        }
        return Summarise(name, ChunkOutputs(chunks, ct), samples.Length, curve);
    }

    private static List<float[]> Cut(float[] x, int n, int hop)
    {
        var list = new List<float[]>();
        for (long s = 0; s < x.Length; s += hop)
        {
            int len = (int)Math.Min(n, x.Length - s);
            var c = new float[len];
            Array.Copy(x, s, c, 0, len);
            list.Add(c);
            if (s + n >= x.Length) break;
        }
        return list;
    }

    private TempoEstimate Summarise(string? name, ChunkResult outs, long totalSamples, List<TempoPoint>? curve)
    {
        int chunkCount = outs.Valid.Length;
        if (outs.Valid.All(v => !v))
            throw new NoTempoException(name ?? "<samples>", $"silent (every part is below {Config.SilenceDbfs} dBFS): no tempo to estimate");
        double duration = (double)totalSamples / _frontEnd.Config.SampleRate;
        int used = outs.Valid.Count(v => v);
        if (outs.Probabilities is not null)
        {
            // Mean of the chunk softmaxes (the paper's inference), then the two strongest separated peaks.
            var mean = new double[outs.Probabilities[0].Length];
            for (int k = 0; k < chunkCount; k++)
                if (outs.Valid[k]) for (int c = 0; c < mean.Length; c++) mean[c] += outs.Probabilities[k][c] / used;
            var (b1, b2, s1, s2) = TwoPeaks(mean);
            double conf = Enumerable.Range(0, mean.Length).Where(c => Math.Abs(c - b1) <= Config.Tolerance * b1 + 0.5).Sum(c => mean[c]);
            return new TempoEstimate(name, Refine(mean, b1), Refine(mean, b2), s1 / (s1 + s2), Math.Clamp(conf, 0, 1), duration, used, "class-head", curve);
        }
        var bpms = Enumerable.Range(0, chunkCount).Where(k => outs.Valid[k]).Select(k => outs.PointBpm(k)).ToArray();
        double bpm = Median(bpms);
        double agree = bpms.Count(b => Math.Abs(b / bpm - 1) <= Config.Tolerance) / (double)bpms.Length;
        // The scalar readout has one peak; the second tempo is the metrical-level alternative (×2 or ½,
        // whichever lies nearer the common 70–180 BPM range), with the lower salience.
        double bpm2 = bpm < 100 ? bpm * 2 : bpm / 2;
        return new TempoEstimate(name, bpm, bpm2, 1.0, agree, duration, used, "scale", curve);
    }

    /// <summary>Probability-weighted mean of the classes within ±2 of a peak: the classes are 1 BPM wide
    /// (1.7 % at 60 BPM), and the weighted mean places the tempo between them.</summary>
    private static double Refine(IReadOnlyList<double> p, int peak)
    {
        double w = 0, sum = 0;
        for (int c = Math.Max(1, peak - 2); c <= Math.Min(p.Count - 1, peak + 2); c++) { w += p[c]; sum += c * p[c]; }
        return w > 0 ? sum / w : peak;
    }

    private static (int, int, double, double) TwoPeaks(double[] p)
    {
        int b1 = Array.IndexOf(p, p.Max());
        int b2 = -1;
        for (int c = 0; c < p.Length; c++)
            if (Math.Abs(c - b1) > Math.Max(2, 0.08 * b1) && (b2 < 0 || p[c] > p[b2])) b2 = c;
        return (b1, b2 < 0 ? b1 : b2, p[b1], b2 < 0 ? 0 : p[b2]);
    }

    private static double Median(double[] v)
    {
        var s = v.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }

    private sealed class ChunkResult
    {
        public bool[] Valid = Array.Empty<bool>();
        public float[] Z = Array.Empty<float>();
        public float[][]? Probabilities;
        public double Scale;
        public double PointBpm(int k) => Probabilities is { } p ? Refine(Array.ConvertAll(p[k], v => (double)v), Array.IndexOf(p[k], p[k].Max())) : Scale * Z[k];
    }

    private ChunkResult ChunkOutputs(IEnumerable<float[]> chunks, CancellationToken ct)
    {
        int n = _frontEnd.Config.ExcerptSamples;
        bool useHead = _model.Metadata.Readout.ClassHeadTrained;
        double silence = Math.Pow(10, Config.SilenceDbfs / 20);
        var valid = new List<bool>();
        var zs = new List<float>();
        var probs = new List<float[]>();
        var batch = new List<float[]>();
        void Flush()
        {
            if (batch.Count == 0) return;
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var spec = _frontEnd.Forward(batch, n);
            lock (_netLock)
            {
                using var noGrad = no_grad();
                var emb = _model.Network.EmbedNormalized(_model.Network.Normalize(spec));
                zs.AddRange(_model.Network.ScalarFromEmbedding(emb).data<float>().ToArray());
                if (useHead)
                {
                    var p = nn.functional.softmax(_model.Network.ClassLogitsFromEmbedding(emb), 1);
                    for (int k = 0; k < batch.Count; k++) probs.Add(p[k].data<float>().ToArray());
                }
            }
            batch.Clear();
        }
        foreach (var c in chunks)
        {
            double ss = 0;
            foreach (var v in c) ss += (double)v * v;
            valid.Add(c.Length > 0 && Math.Sqrt(ss / Math.Max(1, c.Length)) > silence);
            batch.Add(c);
            if (batch.Count == Config.BatchChunks) Flush();
        }
        Flush();
        var r = new ChunkResult { Valid = valid.ToArray(), Z = zs.ToArray(), Probabilities = useHead ? probs.ToArray() : null, Scale = _model.Metadata.Readout.Scale ?? 0 };
        if (!useHead)
            for (int k = 0; k < r.Z.Length; k++)
                if (r.Z[k] <= 0 || !float.IsFinite(r.Z[k])) r.Valid[k] = false;
        return r;
    }

    public void Dispose()
    {
        _frontEnd.Dispose();
        _model.Dispose();
    }
}
