using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Features;
using EquiTempo.Model;

namespace EquiTempo.Inference;

/// <summary>
/// Audio → BPM with a trained model, as a chain of stages: <see cref="Chunker"/> (audio at the model rate →
/// chunks) → <see cref="SilenceGate"/> (voiced or silent) → <see cref="ChunkNetwork"/> (front end and network →
/// per-chunk z and class probabilities) → <see cref="ChunkReadout"/> (chunk outputs → the track's tempo, and one
/// chunk's tempo for the local curve), the kind the model stores. Thread-safe: decoding and the front end run on
/// the caller's thread; the network call is serialised (LibTorch already uses every core inside one call).
/// Beside the chunks, an onset-strength envelope of the audio (<see cref="OnsetStrength"/>) goes to the
/// <see cref="TempoEvidenceGate"/>, which refuses inputs with no tempo (too short, no onsets, no periodicity) as the
/// DSP baseline does, so the network's answer for noise or a tone is never returned.
/// <para>
/// Given a beat head (<see cref="ModelBeatActivation"/>), the estimator computes its activation in the same pass
/// (<see cref="TempoEstimate.BeatHeadActivation"/>): from the chunks' log-mel when the head <see cref="ModelBeatActivation.Reads"/>
/// it (the shipped models all do), else from the decoded blocks, so the audio is decoded once either way. A log-tempo
/// model's fusion (<see cref="EstimatorConfig.Fusion"/>) reads either the onset envelope or, with
/// <see cref="FusionEvidence.BeatActivation"/>, that activation (which then needs a beat head at the model's rate).
/// </para>
/// </summary>
public sealed class TempoEstimator : ITempoMethod
{
    private readonly ModelMetadata _metadata;
    private readonly IDisposable _model;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly IDisposable? _tempogram;
    private readonly Chunker _chunker;
    private readonly Chunker _curveChunker;
    private readonly SilenceGate _gate;
    private readonly IChunkNetwork _network;
    private readonly ChunkReadout _readout;
    private readonly OnsetStrength _onsets;
    private readonly TempoEvidenceGate _evidence;
    private readonly DspEvidenceFusion? _fusion;
    private readonly ModelBeatActivation? _beatHead;
    private readonly bool _headReadsLogMel;
    public EstimatorConfig Config { get; }
    public ModelMetadata Metadata => _metadata;

    /// <param name="beatHead">A beat head whose activation each estimate carries (when it reads audio at the model's rate);
    /// the caller's to dispose.</param>
    public TempoEstimator(TempoModel model, EstimatorConfig? config = null, ModelBeatActivation? beatHead = null)
    {
        var stored = model.Metadata.PreferredReadout
            ?? throw new ModelFileException(null, "the model has no tempo readout yet (a self-supervised network alone gives z, not BPM): it needs a calibrated scale or a trained class head");
        _metadata = model.Metadata;
        var input = model.Metadata.Input;
        Config = (config ?? new EstimatorConfig()).Validated(input);
        _model = model;
        _frontEnd = model.CreateFrontEnd();
        if (Config.Fusion is not null)
            throw EquiTempoException.InvalidSetting($"estimator {nameof(EstimatorConfig.Fusion)}",
                "fusion with the DSP evidence needs a log-tempo model (its distribution over tempo bins); this model is the paper's network (family tcn)");
        _network = new ChunkNetwork(model, _frontEnd, Config.BatchChunks);
        _readout = ChunkReadout.For(stored, Config.Tolerance, Config.Range);
        (_chunker, _curveChunker, _gate, _onsets, _evidence) = Stages(input, Config);
        (_beatHead, _headReadsLogMel) = BeatHeadStage(beatHead);
    }

    /// <summary>A log-tempo model (issue 12): the same chain with its tempogram and network as the network stage and its
    /// calibrated offset and prior as the readout.</summary>
    public TempoEstimator(LogTempoModel model, EstimatorConfig? config = null, ModelBeatActivation? beatHead = null)
    {
        var stored = model.Readout
            ?? throw new ModelFileException(null, "the log-tempo model is not calibrated yet (its bins have no absolute tempo): run calibrate on it");
        _metadata = model.Metadata;
        var input = model.Metadata.Input;
        Config = (config ?? new EstimatorConfig()).Validated(input);
        if (Config.Fusion?.Evidence == FusionEvidence.BeatActivation && MissingBeatHead(beatHead, input) is { } missing)
            throw EquiTempoException.InvalidSetting($"estimator {nameof(EstimatorConfig.Fusion)}", missing);
        _model = model;
        _frontEnd = model.CreateFrontEnd();
        var tempogram = model.CreateTempogram();
        _tempogram = tempogram;
        _network = new LogTempoChunkNetwork(model, _frontEnd, tempogram, Config.BatchChunks);
        _readout = new LogTempoChunkReadout(stored, tempogram.Config, Config.Tolerance, Config.Range);
        (_chunker, _curveChunker, _gate, _onsets, _evidence) = Stages(input, Config);
        (_beatHead, _headReadsLogMel) = BeatHeadStage(beatHead);
        if (Config.Fusion is { } fusion)
            _fusion = new DspEvidenceFusion(fusion);
    }

    /// <summary>Why <paramref name="head"/> cannot give the beat-activation evidence of a fusion, or null: there is none,
    /// or it reads audio at another rate than the tempo model (its activation would then be computed apart, after the tempo).</summary>
    private static string? MissingBeatHead(ModelBeatActivation? head, ModelInput input) =>
        head is null ? "fusion with the beat activation needs a beat head (a ModelBeatActivation, e.g. of the shipped beats model) given to the estimator; none was given"
        : head.SampleRate != input.SampleRate ? $"fusion with the beat activation needs a beat head that reads audio at the tempo model's rate ({input.SampleRate} Hz); this one reads {head.SampleRate} Hz"
        : null;

    /// <summary>The beat head and whether it reads the chunks' log-mel. A head that reads audio at another rate than the
    /// tempo model is not used (<see cref="BeatHead"/> is null): its activation is then computed apart.</summary>
    private (ModelBeatActivation?, bool) BeatHeadStage(ModelBeatActivation? head) =>
        head is null || head.SampleRate != Input.SampleRate ? (null, false) : (head, head.Reads(_frontEnd, _chunker));

    /// <summary>The beat head whose activation each estimate carries, or null.</summary>
    public ModelBeatActivation? BeatHead => _beatHead;

    /// <summary>The stages every family shares: chunking, the silence gate and the onset evidence.</summary>
    private static (Chunker, Chunker, SilenceGate, OnsetStrength, TempoEvidenceGate) Stages(ModelInput input, EstimatorConfig config) =>
        (Chunker.WithHop(input, config.HopSeconds), Chunker.WithHop(input, config.LocalHopSeconds), new SilenceGate(config.SilenceDbfs),
         new OnsetStrength(OnsetStrengthConfig.AtRate(input.SampleRate)), new TempoEvidenceGate(config.Evidence));

    /// <summary>A model file, or with no path the shipped default model (<see cref="ShippedModels.Default"/>,
    /// embedded in the assembly: no file beside the binaries is needed).</summary>
    /// <param name="beatHead">A beat head whose activation each estimate carries (the caller's to dispose), or null.</param>
    public static TempoEstimator Load(string? modelPath = null, EstimatorConfig? config = null, ModelBeatActivation? beatHead = null) =>
        modelPath is null ? LoadShipped(ShippedModels.Default, config, beatHead)
            : LogTempoModel.IsLogTempoFile(modelPath) ? CreateLogTempo(LogTempoModel.Load(modelPath), modelPath, config, beatHead)
            : Create(TempoModel.Load(modelPath), config, beatHead);

    private static TempoEstimator CreateLogTempo(LogTempoModel model, string path, EstimatorConfig? config, ModelBeatActivation? beatHead)
    {
        try { return new TempoEstimator(model, config, beatHead); }
        catch (ModelFileException e) when (e.Subject is null)
        {
            model.Dispose();
            throw new ModelFileException(path, e.Problem, e);   // name the file: the model alone does not know it
        }
        catch { model.Dispose(); throw; }
    }

    /// <summary>A model that ships inside the assembly, by name: <see cref="ShippedModels.Default"/>,
    /// <see cref="ShippedModels.LabelFree"/>, … (see <see cref="ShippedModels.Names"/>), of either family.</summary>
    public static TempoEstimator LoadShipped(string name, EstimatorConfig? config = null, ModelBeatActivation? beatHead = null) =>
        ShippedModels.IsLogTempo(name)
            ? CreateLogTempo(ShippedModels.LoadLogTempo(name), ShippedModels.ResourceName(name), config, beatHead)
            : Create(ShippedModels.Load(name), config, beatHead);

    private static TempoEstimator Create(TempoModel model, EstimatorConfig? config, ModelBeatActivation? beatHead)
    {
        try { return new TempoEstimator(model, config, beatHead); }
        catch { model.Dispose(); throw; }
    }

    public string Readout => _readout.Kind;

    /// <summary>model:READOUT, with +dsp when fused with the onset evidence, +beats with the beat head's activation.</summary>
    public string Name => _fusion is null ? $"model:{Readout}"
        : $"model:{Readout}+{(_fusion.Config.Evidence == FusionEvidence.BeatActivation ? "beats" : "dsp")}";

    private ModelInput Input => _metadata.Input;

    /// <summary>What errors about audio given without a name call it.</summary>
    private const string UnnamedAudio = "<samples>";

    /// <summary>Decodes <paramref name="path"/> at the model rate and streams it: blocks are cut into chunks (at any
    /// chunk hop) and, for a local curve, into curve windows as they arrive, and only each chunk's output is kept (a
    /// curve window's only as its point). Memory stays bounded by one batch of chunks however long the file is.
    /// A FIFO or /dev/stdin is read as a stream (see <see cref="AudioDecoder.ReadBlocks(string, double, int, CancellationToken, DecoderOptions?)"/>).</summary>
    public TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default) =>
        Estimate(AudioDecoder.ReadBlocks(path, BlockSeconds, Input.SampleRate, ct), path, localCurve, ct);

    /// <summary>The tempo of audio read once from <paramref name="audio"/> (standard input, a pipe), in any format a
    /// file may have; <paramref name="name"/> names it in the result and in errors. Streamed as a file is.</summary>
    public TempoEstimate Estimate(Stream audio, string name, bool localCurve = false, CancellationToken ct = default) =>
        Estimate(AudioDecoder.ReadBlocks(audio, name, BlockSeconds, Input.SampleRate, ct), name, localCurve, ct);

    // A decoded block holds one batch of chunks, so that the network still sees whole batches.
    private double BlockSeconds => Input.ChunkSeconds * Config.BatchChunks;

    private TempoEstimate Estimate(IEnumerable<float[]> blocks, string name, bool localCurve, CancellationToken ct)
    {
        var chunks = _chunker.Begin();
        var windows = localCurve ? _curveChunker.Begin() : null;
        var onsets = _onsets.Begin();
        var beats = _beatHead?.Begin();
        var outputs = new List<ChunkOutput>();
        var curve = localCurve ? new List<TempoPoint>() : null;
        foreach (var block in blocks)
        {
            onsets.Add(block);
            if (beats is not null && !_headReadsLogMel) beats.AddSamples(block, ct);
            outputs.AddRange(Outputs(chunks.Push(block), ct, beats));
            if (windows is not null) AddPoints(curve!, windows.Push(block), ct);
        }
        outputs.AddRange(Outputs(chunks.Finish(), ct, beats));
        if (windows is not null) AddPoints(curve!, windows.Finish(), ct);
        if (chunks.Received == 0) throw AudioFormatException.Empty(name);
        return Summarise(name, outputs, chunks.Received, curve, onsets.Finish(), beats?.Finish(ct, chunks.Received));
    }

    private void AddPoints(List<TempoPoint> curve, IEnumerable<AudioChunk> windows, CancellationToken ct)
    {
        foreach (var o in Outputs(windows, ct))
            if (_readout.Usable(o)) curve.Add(new TempoPoint(o.CentreSeconds, _readout.PointBpm(o)));
    }

    public TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default) =>
        Estimate(new AudioBuffer(samples, sampleRate), localCurve, name, ct);

    /// <summary>The tempo of decoded audio at any rate (resampled to the model's).</summary>
    public TempoEstimate Estimate(AudioBuffer audio, bool localCurve = false, string? name = null, CancellationToken ct = default)
    {
        if (audio.Samples.Length == 0) throw AudioFormatException.Empty(name ?? UnnamedAudio);
        var samples = audio.SampleRate == Input.SampleRate ? audio.Samples : Resampler.Resample(audio.Samples, audio.SampleRate, Input.SampleRate);
        List<TempoPoint>? curve = null;
        if (localCurve) AddPoints(curve = new List<TempoPoint>(), _curveChunker.Cut(samples), ct);
        var beats = _beatHead?.Begin();
        if (beats is not null && !_headReadsLogMel) beats.AddSamples(samples, ct);
        var outputs = Outputs(_chunker.Cut(samples), ct, beats);
        return Summarise(name, outputs, samples.Length, curve, _onsets.Compute(samples), beats?.Finish(ct, samples.Length));
    }

    /// <param name="beats">The beat head's builder, given the chunks' log-mel when the head reads it.</param>
    private List<ChunkOutput> Outputs(IEnumerable<AudioChunk> chunks, CancellationToken ct, ModelBeatActivation.Builder? beats = null) =>
        _network.Run(_gate.Mark(chunks), ct, _headReadsLogMel ? beats : null);

    private TempoEstimate Summarise(string? name, IReadOnlyList<ChunkOutput> outputs, long totalSamples, List<TempoPoint>? curve, float[] onsetEnvelope,
        Beats.BeatActivation? beatHeadActivation)
    {
        if (!outputs.Any(o => o.Voiced))
            throw new NoTempoException(name ?? UnnamedAudio, $"silent (every part is below {Config.SilenceDbfs} dBFS): no tempo to estimate");
        double duration = (double)totalSamples / Input.SampleRate;
        _evidence.Check(name ?? UnnamedAudio, _evidence.Measure(onsetEnvelope, _onsets.Config.FramesPerSecond, duration));
        var onsets = new Beats.BeatActivation(onsetEnvelope, _onsets.Config.FramesPerSecond);
        var summary = (_fusion is not null && _readout is LogTempoChunkReadout logTempo
            ? logTempo.Summarise(outputs, bins => _fusion.Weights(_fusion.Select(onsets, beatHeadActivation), bins))
            : _readout.Summarise(outputs)) ?? throw new NoTempoException(name ?? UnnamedAudio,
            Config.Range.IsUnrestricted ? $"no part gives a usable {_readout.Kind} reading: no tempo to estimate"
                : $"no part gives a usable {_readout.Kind} reading between {Config.MinBpm?.ToString() ?? "0"} and {Config.MaxBpm?.ToString() ?? "∞"} BPM: no tempo to estimate");
        return new TempoEstimate(name, summary.Bpm, summary.Bpm2, summary.Salience, summary.Confidence, duration, summary.Chunks, _readout.Kind, curve,
            onsets, beatHeadActivation);
    }

    public void Dispose()
    {
        _frontEnd.Dispose();
        _tempogram?.Dispose();
        _onsets.Dispose();
        _model.Dispose();
    }
}
