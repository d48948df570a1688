using EquiTempo.Beats;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Inference;

/// <summary>
/// How <see cref="ModelBeatActivation"/> cuts a track into windows for the network. The network is convolutional in
/// time, so a window may be longer than the chunk it was trained on; only its edges differ (the first convs are valid
/// in time, and the dilated convs see zero padding there). Windows overlap so that every frame is read far from an edge
/// in one of them. Longer windows with the same overlap cost less: the share of audio read twice is
/// <see cref="OverlapSeconds"/> / <see cref="WindowSeconds"/> (1/8 by default, against 1/2 for half-overlapping 13.6 s
/// chunks; "Beats" in README gives the speed and scores of both).
/// </summary>
/// <param name="WindowSeconds">Audio per network call (rounded to whole hops).</param>
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
/// value per frame of the model's front end (100 frames/s by default), frame g at g · hop samples of the track.
/// <para>
/// The track is streamed in overlapping windows (<see cref="ModelBeatActivationConfig"/>). The network's first convs are
/// valid in time (a window of F frames gives F − 4 outputs, output j at input frame j + 2) and its dilated convs see
/// zero padding near a window's edges, so each frame takes the average of the windows covering it, weighted by its
/// distance to their edges (a triangle), which favours the window it is central in. The track is preceded by 2 hops
/// of silence so that output j of the window starting at sample s is frame s / hop + j of the track, and followed by
/// silence so that the last frames are covered too. Only the activation is kept.
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
        // Whole numbers of hops, so that every window's frames fall on the track's frames; at least 8 frames a window.
        int windowHops = Math.Max(8, (int)Math.Round(Config.WindowSeconds * input.FramesPerSecond));
        int overlapHops = Math.Min(windowHops / 2, (int)Math.Round(Config.OverlapSeconds * input.FramesPerSecond));
        _chunker = new Chunker(input with { ChunkSamples = windowHops * input.HopLength }, (windowHops - overlapHops) * input.HopLength);
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
        var flux = new List<float>();
        // One window a call: a window is already several chunks long, and its last one may be short.
        foreach (var window in _chunker.Stream(padded)) Add(window, sum, weight, flux, ct);
        int frames = samples == 0 ? 0 : (int)(1 + samples / hop);
        var values = new float[frames];
        for (int g = 0; g < frames && g < sum.Count; g++)
            values[g] = weight[g] > 0 ? (float)(sum[g] / weight[g]) : 0f;
        GateToMusic(values, flux);
        return new BeatActivation(values, input.FramesPerSecond);
    }

    /// <summary>Zero outside the span where the onset strength reaches <see cref="ModelBeatActivationConfig.MusicGate"/>
    /// of its peak (all zero when it is 0 throughout: silence or a steady tone).</summary>
    private void GateToMusic(float[] values, List<float> flux)
    {
        float peak = flux.Count == 0 ? 0 : flux.Max();
        int first = peak > 0 ? flux.FindIndex(v => v >= Config.MusicGate * peak) : -1;
        if (first < 0) { Array.Clear(values); return; }
        int last = flux.FindLastIndex(v => v >= Config.MusicGate * peak);
        // One frame of slack each side: a beat may sit a frame before the flux of its onset rises.
        int from = Math.Max(0, first - 1), to = Math.Min(values.Length - 1, last + 1);
        if (from > 0) Array.Clear(values, 0, Math.Min(from, values.Length));
        if (to + 1 < values.Length) Array.Clear(values, to + 1, values.Length - to - 1);
    }

    private static readonly double TopNats = Math.Log(1e4);

    /// <summary>One window's head output and onset strength added into the track's running sums.</summary>
    private void Add(AudioChunk window, List<double> sum, List<double> weight, List<float> flux, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        int hop = _model.Metadata.Input.HopLength;
        float[] row, rise;
        using (var scope = NewDisposeScope())
        {
            // Cropped to the window's own length: a short last window is not padded out to a whole window of silence.
            var spec = _frontEnd.Forward(new[] { window.Samples }, window.Samples.Length);
            // The onset strength as the DSP baseline defines it (rectified rise of the log-mel, summed over bands), from the
            // log-mel the network reads anyway: computing the DSP envelope apart cost 0.4 × the DSP baseline's time.
            // As that envelope's dB scale, levels more than 80 dB below the window's loudest (ln 10^4 for a magnitude mel)
            // are clipped to it: the noisy rises of a decaying reverb tail far below the music then count for nothing.
            var clipped = spec.maximum(spec.amax(new long[] { 1, 2, 3 }, keepdim: true).sub(TopNats));
            long frames = clipped.shape[3];
            rise = nn.functional.relu(clipped.narrow(3, 1, frames - 1) - clipped.narrow(3, 0, frames - 1)).sum(new long[] { 1, 2 })[0]
                .data<float>().ToArray();   // element f: spec frame f + 1
            lock (_netLock)
            {
                using var noGrad = no_grad();
                var features = _model.Network.Features(_model.Network.Normalize(spec));
                row = _model.Network.BeatLogitsFromFeatures(features).sigmoid()[0].data<float>().ToArray();
            }
        }
        long first = window.StartSample / hop;   // a whole number of hops (the chunker's hop is)
        for (int j = 0; j < row.Length; j++)
        {
            int g = checked((int)(first + j));
            while (sum.Count <= g) { sum.Add(0); weight.Add(0); flux.Add(0); }
            double w = Math.Min(j + 1, row.Length - j);
            sum[g] += w * row[j];
            weight[g] += w;
            // Output j reads spec frame j + 2 (the valid convs), whose rise is element j + 1.
            if (j + 1 < rise.Length) flux[g] = Math.Max(flux[g], rise[j + 1]);
        }
    }

    public void Dispose()
    {
        _frontEnd.Dispose();
        if (_ownsModel) _model.Dispose();
    }
}
