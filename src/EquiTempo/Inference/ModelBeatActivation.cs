using EquiTempo.Beats;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>
/// The beat head of a model (<see cref="TempoTcn.HasBeatHead"/>) as a beat activation: the sigmoid of its logits, one
/// value per frame of the model's front end (100 frames/s by default), frame g at g · hop samples of the track.
/// <para>
/// The track is streamed in chunks of the model's input length (<see cref="ModelInput.ChunkSamples"/>) that overlap by
/// half: the network's first convs are valid in time (a chunk of F frames gives F − 4 outputs, output j at input frame
/// j + 2) and its dilated convs see zero padding near a chunk's edges, so each frame takes the average of the chunks
/// covering it, weighted by its distance to their edges (a triangle), which favours the chunk it is central in. The
/// track is preceded by 2 hops of silence so that output j of the chunk starting at sample s is frame s / hop + j of
/// the track, and followed by silence so that the last frames are covered too. Only the activation is kept.
/// </para>
/// Thread-safe: the network call is serialised. Disposes the model when it loaded it.
/// </summary>
public sealed class ModelBeatActivation : IBeatActivationSource
{
    private readonly TempoModel _model;
    private readonly bool _ownsModel;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly Chunker _chunker;
    private readonly object _netLock = new();
    private readonly int _batchChunks;

    public const string SourceName = "model-beat-head";

    /// <param name="model">A model with a beat head; the caller's to dispose.</param>
    /// <param name="name">Names the model in errors (a file path, a shipped name).</param>
    /// <param name="batchChunks">Chunks per network call.</param>
    public ModelBeatActivation(TempoModel model, string? name = null, int batchChunks = 2) : this(model, name, batchChunks, ownsModel: false) { }

    private ModelBeatActivation(TempoModel model, string? name, int batchChunks, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchChunks, 1);
        if (!model.Network.HasBeatHead)
            throw new ModelFileException(name, "has no beat head: it gives tempo only (a beat head is trained by fine-tuning with a beat loss)");
        _model = model;
        _ownsModel = ownsModel;
        _model.Network.eval();
        _frontEnd = model.CreateFrontEnd();
        var input = model.Metadata.Input;
        // Half a chunk, a whole number of hops, so that every chunk's frames fall on the track's frames.
        int hops = Math.Max(1, input.ChunkSamples / input.HopLength / 2);
        _chunker = new Chunker(input, hops * input.HopLength);
        _batchChunks = batchChunks;
        Name = SourceName;
    }

    /// <summary>A model file, or the name of a shipped model when no file has that name; an
    /// <see cref="EquiTempoException"/> naming it when it is not the paper's network or has no beat head.</summary>
    public static ModelBeatActivation Load(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool shipped = TempoMethods.NamesShippedModel(model);
        var meta = shipped ? ShippedModels.ReadMetadata(model) : TempoModel.ReadMetadata(model);
        if (meta.IsLogTempo) throw new ModelFileException(model, "is a log-tempo model, which has no beat head (only the paper's network, family tcn, can have one)");
        if (!meta.Network.BeatHead) throw new ModelFileException(model, "has no beat head: it gives tempo only (a beat head is trained by fine-tuning with a beat loss)");
        var m = shipped ? ShippedModels.Load(model) : TempoModel.Load(model);
        try { return new ModelBeatActivation(m, model, 2, ownsModel: true); }
        catch { m.Dispose(); throw; }
    }

    public string Name { get; }
    public int SampleRate => _model.Metadata.Input.SampleRate;

    public BeatActivation Compute(IEnumerable<float[]> blocks, CancellationToken ct = default)
    {
        var input = _model.Metadata.Input;
        int hop = input.HopLength, lead = TempoTcn.FeatureFrameOffset * hop;
        long samples = 0;
        var counted = blocks.Select(b => { samples += b.Length; return b; });
        // The trailing silence makes the last chunk reach 2 · offset + 1 hops past the end: its outputs then cover the last frame.
        var padded = counted.Prepend(new float[lead]).Append(new float[2 * lead + hop]);
        var sum = new List<double>();
        var weight = new List<double>();
        var batch = new List<AudioChunk>(_batchChunks);
        foreach (var chunk in _chunker.Stream(padded))
        {
            batch.Add(chunk);
            if (batch.Count == _batchChunks) Flush(batch, sum, weight, ct);
        }
        Flush(batch, sum, weight, ct);
        int frames = samples == 0 ? 0 : (int)(1 + samples / hop);
        var values = new float[frames];
        for (int g = 0; g < frames && g < sum.Count; g++)
            values[g] = weight[g] > 0 ? (float)(sum[g] / weight[g]) : 0f;
        return new BeatActivation(values, input.FramesPerSecond);
    }

    private void Flush(List<AudioChunk> batch, List<double> sum, List<double> weight, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        ct.ThrowIfCancellationRequested();
        int hop = _model.Metadata.Input.HopLength;
        float[][] rows;
        using (var scope = NewDisposeScope())
        {
            var spec = _frontEnd.Forward(batch.ConvertAll(c => c.Samples), _frontEnd.Input.ChunkSamples);
            lock (_netLock)
            {
                using var noGrad = no_grad();
                var features = _model.Network.Features(_model.Network.Normalize(spec));
                var p = _model.Network.BeatLogitsFromFeatures(features).sigmoid();
                rows = new float[batch.Count][];
                for (int k = 0; k < batch.Count; k++) rows[k] = p[k].data<float>().ToArray();
            }
        }
        for (int k = 0; k < batch.Count; k++)
        {
            var row = rows[k];
            long first = batch[k].StartSample / hop;   // a whole number of hops (the chunker's hop is)
            for (int j = 0; j < row.Length; j++)
            {
                int g = checked((int)(first + j));
                while (sum.Count <= g) { sum.Add(0); weight.Add(0); }
                double w = Math.Min(j + 1, row.Length - j);
                sum[g] += w * row[j];
                weight[g] += w;
            }
        }
        batch.Clear();
    }

    public void Dispose()
    {
        _frontEnd.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}
