using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>What the network says about one chunk: its scalar z and, when the model has a trained class
/// head, the softmax over its tempo classes (class c = c BPM). Where the chunk lies and whether it was voiced
/// come along, so a readout needs nothing else.</summary>
public sealed record ChunkOutput(double StartSeconds, double CentreSeconds, bool Voiced, float Z, float[]? ClassProbabilities = null)
{
    public static ChunkOutput Of(AudioChunk chunk, float z, float[]? classProbabilities) =>
        new(chunk.StartSeconds, chunk.CentreSeconds, chunk.Voiced, z, classProbabilities);
}

/// <summary>Chunks → one <see cref="ChunkOutput"/> per chunk, in order: the estimator's network stage, one kind per model family.</summary>
public interface IChunkNetwork
{
    /// <param name="logMel">Given each chunk's log-mel, in order, when not null (a second reader of the spectrogram).</param>
    List<ChunkOutput> Run(IEnumerable<AudioChunk> chunks, CancellationToken ct = default, ILogMelSink? logMel = null);
}

/// <summary>
/// Chunks → per-chunk network outputs, in batches of <see cref="BatchChunks"/>: the front end turns a batch into
/// log-mel spectrograms on the caller's thread, then the network's embedding gives z and (with a class head)
/// the class probabilities. The network call is serialised by the one lock of this stage (LibTorch already
/// uses every core inside one call). The network is put in evaluation mode; the front end and model are the
/// caller's and stay open.
/// </summary>
public sealed class ChunkNetwork : IChunkNetwork
{
    private readonly TempoModel _model;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly bool _classHead;
    private readonly object _netLock = new();

    public int BatchChunks { get; }

    public ChunkNetwork(TempoModel model, LogMelFrontEnd frontEnd, int batchChunks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchChunks, 1);
        _model = model;
        _model.Network.eval();   // running statistics, no dropout: a chunk's output does not depend on its batch
        _frontEnd = frontEnd;
        _classHead = model.Metadata.ReadoutOf<ClassHeadReadout>() is not null;
        BatchChunks = batchChunks;
    }

    /// <summary>One output per chunk, in order. Holds at most one batch of chunks' samples at a time.</summary>
    public List<ChunkOutput> Run(IEnumerable<AudioChunk> chunks, CancellationToken ct = default, ILogMelSink? logMel = null)
    {
        var outputs = new List<ChunkOutput>();
        var batch = new List<AudioChunk>(BatchChunks);
        foreach (var chunk in chunks)
        {
            batch.Add(chunk);
            if (batch.Count == BatchChunks) Flush(batch, outputs, logMel, ct);
        }
        Flush(batch, outputs, logMel, ct);
        return outputs;
    }

    private void Flush(List<AudioChunk> batch, List<ChunkOutput> outputs, ILogMelSink? logMel, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        ct.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var spec = _frontEnd.Forward(batch.ConvertAll(c => c.Samples), _frontEnd.Input.ChunkSamples);
        logMel?.GiveChunks(batch, spec, _frontEnd.Input.HopLength);
        float[] z;
        float[][]? probabilities = null;
        lock (_netLock)
        {
            using var noGrad = no_grad();
            var emb = _model.Network.EmbedNormalized(_model.Network.Normalize(spec));
            z = _model.Network.ScalarFromEmbedding(emb).data<float>().ToArray();
            if (_classHead)
            {
                var p = nn.functional.softmax(_model.Network.ClassLogitsFromEmbedding(emb), 1);
                probabilities = new float[batch.Count][];
                for (int k = 0; k < batch.Count; k++) probabilities[k] = p[k].data<float>().ToArray();
            }
        }
        for (int k = 0; k < batch.Count; k++) outputs.Add(ChunkOutput.Of(batch[k], z[k], probabilities?[k]));
        batch.Clear();
    }
}
