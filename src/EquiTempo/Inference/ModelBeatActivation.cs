using EquiTempo.Beats;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>
/// How <see cref="ModelBeatActivation"/> cuts a track into windows for the network. The network is convolutional in
/// time, so a window may be longer than the chunk it was trained on; only its edges differ (the first convs are valid
/// in time, and the dilated convs see zero padding there). Windows overlap so that every frame is read far from an edge
/// in one of them. Longer windows with the same overlap cost less: the share of frames the network reads twice is
/// <see cref="OverlapSeconds"/> / <see cref="WindowSeconds"/> (1/8 by default, against 1/2 for half-overlapping 13.6 s
/// chunks; "Beats" in README gives the speed and scores of both). The log-mel itself is computed once whatever the windows.
/// </summary>
/// <param name="WindowSeconds">Frames per network call, in seconds of audio (rounded to whole hops).</param>
/// <param name="OverlapSeconds">Audio two consecutive windows share: half the model's chunk by default.</param>
/// <param name="MusicGate">Where the music is: the head's activation is kept only from the first to the last frame
/// whose onset strength (the log-mel's rectified rise, summed over bands) reaches this fraction of the track's strongest, and is 0
/// outside. The head's sigmoid is never exactly 0 and it answers a reverb tail with beat-like bumps (it never heard a
/// song end: the renders it learnt from play to their last sample), so on rendered songs the beats ran on up to 5 s past
/// the music (F 0.83–0.92 against 1.0 on the onset envelope); the tracker reads 0 as "no onset" and stops there. The
/// onset envelope of a tail is near 0 (flux rectified), of any note well above 1 % of the peak.</param>
public sealed record ModelBeatActivationConfig(double WindowSeconds = 54.4, double OverlapSeconds = 6.8, double MusicGate = 0.01)
{
    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range.</summary>
    public ModelBeatActivationConfig Validated()
    {
        if (!(double.IsFinite(WindowSeconds) && WindowSeconds >= 1 && WindowSeconds <= 600))
            throw EquiTempoException.InvalidSetting($"beat activation {nameof(WindowSeconds)}", $"{WindowSeconds} s must be between 1 and 600 s");
        if (!(double.IsFinite(OverlapSeconds) && OverlapSeconds >= 0 && OverlapSeconds <= WindowSeconds / 2))
            throw EquiTempoException.InvalidSetting($"beat activation {nameof(OverlapSeconds)}", $"{OverlapSeconds} s must be between 0 and half the window ({WindowSeconds / 2:0.###} s)");
        if (!(double.IsFinite(MusicGate) && MusicGate >= 0 && MusicGate < 1))
            throw EquiTempoException.InvalidSetting($"beat activation {nameof(MusicGate)}", $"{MusicGate} must be at least 0 and below 1");
        return this;
    }
}

/// <summary>
/// The beat head of a model (<see cref="TempoTcn.HasBeatHead"/>) as a beat activation: the sigmoid of its logits, one
/// value per frame of the model's front end (100 frames/s by default), frame g at g · hop samples of the track; and, when
/// the model has a downbeat head too (<see cref="TempoTcn.HasDownbeatHead"/>), the sigmoid of its logits on the same
/// frames (<see cref="BeatActivation.Downbeats"/>), from the same network calls, windows, overlap weighting and music gate.
/// <para>
/// The head reads the track's log-mel, computed in the tempo estimator's chunks (<see cref="Chunker.WithHop"/>: whole
/// hops apart, so every chunk's columns are the track's frames; chunks of the model's length, the last one zero-padded)
/// or handed over by a <see cref="TempoEstimator"/> that computes them anyway (<see cref="Begin"/>,
/// <see cref="ILogMelSink"/>): either way the same frames, so the beats of one file are the same whether the tempo
/// came with them or not. Four frames at each chunk boundary are those of the chunk's reflect-padded edge rather than
/// of the neighbouring audio (0.3 % of frames; dev-set beat scores in README, "Beats").
/// </para>
/// <para>
/// The network runs on overlapping windows of those frames (<see cref="ModelBeatActivationConfig"/>). Its first convs
/// are valid in time (a window of F frames gives F − 4 outputs, output j at window frame j + 2) and its dilated convs see
/// zero padding near a window's edges, so each frame takes the average of the windows covering it, weighted by its
/// distance to their edges (a triangle), which favours the window it is central in. Two frames of digital silence go
/// before the track and after its last frame, so that the first and last frames have outputs too. Only one window of
/// frames and the activation are held.
/// </para>
/// Thread-safe: each track has its own <see cref="Builder"/>; the network call is serialised. Disposes the model when it
/// loaded it.
/// </summary>
public sealed class ModelBeatActivation : IBeatActivationSource
{
    private readonly TempoModel _model;
    private readonly bool _ownsModel;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly Chunker _chunker;
    private readonly int _windowFrames, _stepFrames;
    private readonly object _netLock = new();

    public const string SourceName = "model-beat-head";

    /// <param name="model">A model with a beat head; the caller's to dispose.</param>
    /// <param name="name">Names the model in errors (a file path, a shipped name).</param>
    public ModelBeatActivation(TempoModel model, string? name = null, ModelBeatActivationConfig? config = null) : this(model, name, config, ownsModel: false) { }

    public ModelBeatActivationConfig Config { get; }

    private ModelBeatActivation(TempoModel model, string? name, ModelBeatActivationConfig? config, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        Config = (config ?? new ModelBeatActivationConfig()).Validated();
        if (!model.Network.HasBeatHead)
            throw new ModelFileException(name, "has no beat head: it gives tempo only (a beat head is trained by fine-tuning with a beat loss)");
        _model = model;
        _ownsModel = ownsModel;
        _model.Network.eval();
        _frontEnd = model.CreateFrontEnd();
        var input = model.Metadata.Input;
        _chunker = Chunker.WithHop(input, null);
        // Outputs a window: at least 8; the window holds 2 · offset frames more, which the valid convs eat.
        int outputs = Math.Max(8, (int)Math.Round(Config.WindowSeconds * input.FramesPerSecond));
        int overlap = Math.Min(outputs / 2, (int)Math.Round(Config.OverlapSeconds * input.FramesPerSecond));
        _windowFrames = outputs + 2 * TempoTcn.FeatureFrameOffset;
        _stepFrames = outputs - overlap;
        Name = SourceName;
    }

    /// <summary>A model file, or the name of a shipped model when no file has that name; an
    /// <see cref="EquiTempoException"/> naming it when it is not the paper's network or has no beat head.</summary>
    public static ModelBeatActivation Load(string model, ModelBeatActivationConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool shipped = TempoMethods.NamesShippedModel(model);
        var meta = shipped ? ShippedModels.ReadMetadata(model) : TempoModel.ReadMetadata(model);
        if (meta.IsLogTempo) throw new ModelFileException(model, "is a log-tempo model, which has no beat head (only the paper's network, family tcn, can have one)");
        var m = shipped ? ShippedModels.Load(model) : TempoModel.Load(model);
        try { return new ModelBeatActivation(m, model, config, ownsModel: true); }
        catch { m.Dispose(); throw; }
    }

    public string Name { get; }
    public int SampleRate => _model.Metadata.Input.SampleRate;
    /// <summary>Frames per second of its activation (the model's front end: 100 by default).</summary>
    public double FramesPerSecond => _model.Metadata.Input.FramesPerSecond;

    /// <summary>Whether the spectrograms of <paramref name="frontEnd"/>, in chunks cut by <paramref name="chunker"/>, are
    /// what this head reads (same rate, hop, bands and spectral settings; chunk starts on the frame grid and no gaps
    /// between chunks), so that a <see cref="Builder"/> may be given them (<see cref="ILogMelSink"/>) instead of audio.</summary>
    public bool Reads(LogMelFrontEnd frontEnd, Chunker chunker)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(chunker);
        var input = _model.Metadata.Input;
        return frontEnd.Input with { ChunkSamples = input.ChunkSamples } == input && frontEnd.Config == _frontEnd.Config
            && chunker.HopSamples % input.HopLength == 0 && chunker.HopSamples <= chunker.ChunkSamples;
    }

    public BeatActivation Compute(IEnumerable<float[]> blocks, CancellationToken ct = default)
    {
        var builder = Begin();
        foreach (var block in blocks) builder.AddSamples(block, ct);
        return builder.Finish(ct);
    }

    /// <summary>Starts one track's activation: give it the track's audio (<see cref="Builder.AddSamples"/>) or, from a
    /// stage that computes the log-mel anyway and that <see cref="Reads"/>, its spectrogram chunks (<see cref="Builder.Add"/>),
    /// not both; then <see cref="Builder.Finish"/>.</summary>
    public Builder Begin() => new(this);

    /// <summary>One track's beat activation as its audio or log-mel arrives.</summary>
    public sealed class Builder : ILogMelSink
    {
        private readonly ModelBeatActivation _head;
        private readonly Chunker.Cutter _cutter;
        private readonly int _bands;
        // Frames [_bufferStart, _bufferStart + _count) of the padded track (2 silence frames, then the track's), frame-major.
        private float[] _buffer;
        private long _bufferStart, _count, _coveredEnd, _samples;
        private bool _gaveSamples, _gaveLogMel;
        private readonly List<double> _sum = new(), _weight = new();
        // The downbeat head's weighted sums, beside _sum (same weights); null when the model has no downbeat head.
        private readonly List<double>? _downbeatSum;
        private readonly List<float> _flux = new();

        internal Builder(ModelBeatActivation head)
        {
            _head = head;
            _cutter = head._chunker.Begin();
            _bands = head._model.Metadata.Input.MelBands;
            _downbeatSum = head._model.Network.HasDownbeatHead ? new() : null;
            _buffer = new float[(head._windowFrames + head._chunker.Input.ChunkFrames) * _bands];
            AppendSilence(TempoTcn.FeatureFrameOffset);
        }

        /// <summary>The next block of the track's audio, at the model rate.</summary>
        public void AddSamples(float[] block, CancellationToken ct = default)
        {
            ArgumentNullException.ThrowIfNull(block);
            if (_gaveLogMel) throw new InvalidOperationException("this activation is being given the log-mel already, not audio");
            _gaveSamples = true;
            _samples += block.Length;
            foreach (var chunk in _cutter.Push(block)) AddChunk(chunk, ct);
        }

        private void AddChunk(AudioChunk chunk, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            // Zero-padded to the model's chunk, as the estimator's network stage does: the same frames either way.
            var spec = _head._frontEnd.Forward(new[] { chunk.Samples }, _head._chunker.ChunkSamples);
            Take(chunk.StartSample / _head._model.Metadata.Input.HopLength, spec[0, 0], ct);
        }

        public void Add(long firstFrame, Tensor logMel)
        {
            ArgumentNullException.ThrowIfNull(logMel);
            if (_gaveSamples) throw new InvalidOperationException("this activation is being given audio already, not the log-mel");
            _gaveLogMel = true;
            Take(firstFrame, logMel, CancellationToken.None);
        }

        /// <summary>The columns of a chunk's (bands, frames) log-mel from track frame <paramref name="firstFrame"/> on,
        /// those not held yet appended; each full window then goes through the network.</summary>
        private void Take(long firstFrame, Tensor logMel, CancellationToken ct)
        {
            if (logMel.dim() != 2 || logMel.shape[0] != _bands)
                throw new ArgumentException($"expected a (bands = {_bands}, frames) log-mel, got ({string.Join(", ", logMel.shape)})", nameof(logMel));
            long have = _bufferStart + _count - TempoTcn.FeatureFrameOffset;   // track frames held or passed
            if (firstFrame > have) throw new ArgumentException($"chunk at frame {firstFrame} leaves a gap after frame {have}", nameof(firstFrame));
            long skip = have - firstFrame, frames = logMel.shape[1] - skip;
            if (frames <= 0) return;
            var columns = logMel.narrow(1, skip, frames).t().contiguous().data<float>().ToArray();   // frame-major
            Append(columns, (int)frames);
            while (_count >= _head._windowFrames)
            {
                Run(_head._windowFrames, ct);
                Drop(_head._stepFrames);
            }
        }

        /// <summary>The activation of the whole track. <paramref name="totalSamples"/>: the track's length when it was
        /// given as log-mel (audio given through <see cref="AddSamples"/> counts itself).</summary>
        public BeatActivation Finish(CancellationToken ct = default, long? totalSamples = null)
        {
            foreach (var chunk in _cutter.Finish()) AddChunk(chunk, ct);
            long samples = totalSamples ?? _samples;
            int hop = _head._model.Metadata.Input.HopLength;
            int frames = samples == 0 ? 0 : checked((int)(1 + samples / hop));
            // The padded track: its frames and 2 silence frames after the last (frames past the end that a zero-padded
            // last chunk gave are dropped; missing ones, when the track ended on a chunk boundary, are silence).
            long end = frames + 2L * TempoTcn.FeatureFrameOffset;
            long held = _bufferStart + _count;
            if (held > end) _count = Math.Max(0, end - _bufferStart);
            else AppendSilence((int)(end - held));
            while (_coveredEnd < end && _count > 2 * TempoTcn.FeatureFrameOffset)
            {
                int window = (int)Math.Min(_head._windowFrames, _count);
                Run(window, ct);
                if (_bufferStart + window >= end) break;
                Drop(_head._stepFrames);
            }
            var values = Average(_sum, frames);
            var downbeats = _downbeatSum is null ? null : Average(_downbeatSum, frames);
            _head.GateToMusic(_flux, values, downbeats);
            return new BeatActivation(values, _head._model.Metadata.Input.FramesPerSecond) { Producer = _head, Downbeats = downbeats };
        }

        /// <summary>Each of the track's <paramref name="frames"/> frames: its windows' outputs averaged with their weights.</summary>
        private float[] Average(List<double> sum, int frames)
        {
            var values = new float[frames];
            for (int g = 0; g < frames && g < sum.Count; g++)
                values[g] = _weight[g] > 0 ? (float)(sum[g] / _weight[g]) : 0f;
            return values;
        }

        private void Append(float[] columns, int frames)
        {
            Reserve(frames);
            Array.Copy(columns, 0, _buffer, _count * _bands, (long)frames * _bands);
            _count += frames;
        }

        private void AppendSilence(int frames)
        {
            if (frames <= 0) return;
            Reserve(frames);
            Array.Fill(_buffer, _head._frontEnd.Config.SilenceValue, (int)(_count * _bands), frames * _bands);
            _count += frames;
        }

        private void Reserve(int frames)
        {
            long need = (_count + frames) * _bands;
            if (need > _buffer.Length) Array.Resize(ref _buffer, (int)Math.Max(need, 2L * _buffer.Length));
        }

        private void Drop(int frames)
        {
            int n = (int)Math.Min(frames, _count);
            Array.Copy(_buffer, (long)n * _bands, _buffer, 0, (_count - n) * _bands);
            _count -= n;
            _bufferStart += n;
        }

        /// <summary>The network on the first <paramref name="frames"/> held frames; its outputs and onset strength added
        /// into the track's running sums.</summary>
        private void Run(int frames, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            float[] row, rise;
            float[]? downbeatRow = null;
            using (var scope = NewDisposeScope())
            {
                var spec = tensor(_buffer.AsSpan(0, frames * _bands).ToArray(), new long[] { frames, _bands }).t().reshape(1, 1, _bands, frames);
                // The onset strength as the DSP baseline defines it (rectified rise of the log-mel, summed over bands), from
                // the log-mel the network reads anyway: computing the DSP envelope apart cost 0.4 × the DSP baseline's time.
                // As that envelope's dB scale, levels more than 80 dB below the window's loudest (ln 10^4 for a magnitude
                // mel) are clipped to it: the noisy rises of a decaying reverb tail far below the music then count for nothing.
                var clipped = spec.maximum(spec.amax(new long[] { 1, 2, 3 }, keepdim: true).sub(TopNats));
                rise = nn.functional.relu(clipped.narrow(3, 1, frames - 1) - clipped.narrow(3, 0, frames - 1)).sum(new long[] { 1, 2 })[0]
                    .data<float>().ToArray();   // element f: window frame f + 1
                lock (_head._netLock)
                {
                    using var noGrad = no_grad();
                    var features = _head._model.Network.Features(_head._model.Network.Normalize(spec));
                    row = _head._model.Network.BeatLogitsFromFeatures(features).sigmoid()[0].data<float>().ToArray();
                    if (_downbeatSum is not null)
                        downbeatRow = _head._model.Network.DownbeatLogitsFromFeatures(features).sigmoid()[0].data<float>().ToArray();
                }
            }
            // Output j reads window frame j + 2, which is padded frame _bufferStart + j + 2: track frame _bufferStart + j.
            for (int j = 0; j < row.Length; j++)
            {
                int g = checked((int)(_bufferStart + j));
                while (_sum.Count <= g) { _sum.Add(0); _downbeatSum?.Add(0); _weight.Add(0); _flux.Add(0); }
                double w = Math.Min(j + 1, row.Length - j);
                _sum[g] += w * row[j];
                if (downbeatRow is not null) _downbeatSum![g] += w * downbeatRow[j];
                _weight[g] += w;
                // Window frame j + 2's rise is element j + 1.
                if (j + 1 < rise.Length) _flux[g] = Math.Max(_flux[g], rise[j + 1]);
            }
            _coveredEnd = _bufferStart + frames;
        }
    }

    /// <summary>Each activation (the beats', and the downbeats' when there are any) zero outside the span where the onset
    /// strength reaches <see cref="ModelBeatActivationConfig.MusicGate"/> of its peak (all zero when it is 0 throughout:
    /// silence or a steady tone).</summary>
    private void GateToMusic(List<float> flux, params float[]?[] activations)
    {
        float peak = flux.Count == 0 ? 0 : flux.Max();
        int first = peak > 0 ? flux.FindIndex(v => v >= Config.MusicGate * peak) : -1;
        int last = first < 0 ? -1 : flux.FindLastIndex(v => v >= Config.MusicGate * peak);
        foreach (var values in activations)
        {
            if (values is null) continue;
            if (first < 0) { Array.Clear(values); continue; }
            // One frame of slack each side: a beat may sit a frame before the flux of its onset rises.
            int from = Math.Max(0, first - 1), to = Math.Min(values.Length - 1, last + 1);
            if (from > 0) Array.Clear(values, 0, Math.Min(from, values.Length));
            if (to + 1 < values.Length) Array.Clear(values, to + 1, values.Length - to - 1);
        }
    }

    private static readonly double TopNats = Math.Log(1e4);

    public void Dispose()
    {
        _frontEnd.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}
