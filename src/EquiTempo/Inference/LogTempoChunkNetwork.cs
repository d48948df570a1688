using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>
/// Chunks → per-chunk outputs of a log-tempo model, in batches: log-mel, tempogram and network on each batch, the
/// softmax over log-tempo bins as the chunk's <see cref="ChunkOutput.ClassProbabilities"/> (bin k, not class k BPM), and
/// as its <see cref="ChunkOutput.Z"/> the expected 2^(k / bins per octave) (the paper's scalar, read off the
/// distribution, which the ratio loss trains). The network call is serialised as in <see cref="ChunkNetwork"/>.
/// </summary>
public sealed class LogTempoChunkNetwork : IChunkNetwork
{
    private readonly LogTempoModel _model;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly LogTempogramFrontEnd _tempogram;
    private readonly object _netLock = new();
    public int BatchChunks { get; }

    public LogTempoChunkNetwork(LogTempoModel model, LogMelFrontEnd frontEnd, LogTempogramFrontEnd tempogram, int batchChunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchChunks, 1);
        _model = model;
        _model.Network.eval();
        _frontEnd = frontEnd;
        _tempogram = tempogram;
        BatchChunks = batchChunks;
    }

    public List<ChunkOutput> Run(IEnumerable<AudioChunk> chunks, CancellationToken ct = default, ILogMelSink? logMel = null)
    {
        var outputs = new List<ChunkOutput>();
        foreach (var batch in chunks.Chunk(BatchChunks))
        {
            ct.ThrowIfCancellationRequested();
            var p = Distributions(batch.Select(c => c.Samples).ToList(), logMel is null ? null : spec => logMel.GiveChunks(batch, spec, _frontEnd.Input.HopLength));
            for (int k = 0; k < batch.Length; k++) outputs.Add(ChunkOutput.Of(batch[k], ExpectedPower(p[k], _tempogram.Config.BinsPerOctave), p[k]));
        }
        return outputs;
    }

    /// <summary>The distribution over log-tempo bins of each waveform (cropped or zero-padded to the model's chunk).</summary>
    public float[][] Distributions(IReadOnlyList<float[]> waveforms) => Distributions(waveforms, null);

    private float[][] Distributions(IReadOnlyList<float[]> waveforms, Action<Tensor>? logMel)
    {
        using var scope = NewDisposeScope();
        var spec = _frontEnd.Forward(waveforms, _frontEnd.Input.ChunkSamples);
        logMel?.Invoke(spec);
        var tg = _tempogram.Forward(spec);
        Tensor p;
        lock (_netLock)
        {
            using var noGrad = no_grad();
            p = _model.Network.Distribution(tg);
        }
        return Enumerable.Range(0, waveforms.Count).Select(k => p[k].data<float>().ToArray()).ToArray();
    }

    /// <summary>Σ p_k · 2^(k / binsPerOctave): the expected value that the ratio loss compares between views.</summary>
    public static float ExpectedPower(float[] p, int binsPerOctave)
    {
        double z = 0;
        for (int k = 0; k < p.Length; k++) z += p[k] * Math.Pow(2, (double)k / binsPerOctave);
        return (float)z;
    }
}
