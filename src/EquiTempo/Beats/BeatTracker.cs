using EquiTempo.Audio;
using EquiTempo.Baselines;

namespace EquiTempo.Beats;

/// <summary>
/// Audio → beat times: an activation (<see cref="IBeatActivationSource"/>, by default the DSP onset-strength
/// envelope) tracked by <see cref="DynamicProgrammingBeatTracker"/> at a tempo that comes from the
/// <see cref="ITempoMethod"/> given (the model or the DSP baseline: its <see cref="TempoEstimate.Bpm"/>), or, with
/// none, from the autocorrelation tempogram of the activation itself (librosa's beat_track reads its tempo so).
/// Where the activation has downbeats (<see cref="BeatActivation.Downbeats"/>), <see cref="BarTracker"/> numbers the
/// beats in their bars (<see cref="BeatTrack.Numbers"/>); the beat times do not depend on it.
/// <para>
/// Input without a tempo gives a <see cref="BeatTrack"/> with no beats and the reason, not an exception: an
/// activation that is all zero (silence), no periodicity in the tempogram, or the tempo method's
/// <see cref="NoTempoException"/>. Undecodable input raises <see cref="AudioFormatException"/> naming it.
/// </para>
/// The tempo method and activation source given are the caller's to dispose; those made here are disposed with the
/// tracker. Thread-safe when the parts given are.
/// </summary>
public sealed class BeatTracker : IDisposable
{
    public const string TempogramSource = "dsp:tempogram";

    public BeatTrackerConfig Config { get; }
    private readonly ITempoMethod? _tempo;
    private readonly IBeatActivationSource _activation;
    private readonly bool _ownsActivation;
    private readonly DynamicProgrammingBeatTracker _tracker;
    private readonly BarTracker _bars;

    public BeatTracker(ITempoMethod? tempo = null, BeatTrackerConfig? config = null, IBeatActivationSource? activation = null)
    {
        Config = (config ?? new BeatTrackerConfig()).Validated();
        _tracker = new DynamicProgrammingBeatTracker(Config);
        _bars = new BarTracker(Config.Bars);
        _tempo = tempo;
        _ownsActivation = activation is null;
        _activation = activation ?? new OnsetStrengthActivation(Config.Onset);
    }

    private const string UnnamedAudio = "<samples>";
    // The activation is streamed in blocks of this length; only the activation is kept.
    private const double BlockSeconds = 16;

    /// <summary>The beats of an audio file. The tempo method, if any, reads the file itself (at its own rate).</summary>
    public BeatTrack Track(string path, CancellationToken ct = default)
    {
        TempoEstimate Estimate() => _tempo!.Estimate(path, ct: ct);
        if (TrackInOnePass(path, Estimate, ct) is { } shared) return shared;
        var (activation, duration) = Activate(AudioDecoder.ReadBlocks(path, BlockSeconds, _activation.SampleRate, ct), path, ct);
        return Track(path, activation, duration, TempoOf(Estimate), ct);
    }

    /// <summary>The beats of an audio file at a tempo already known (say, estimated by the caller), so that no tempo
    /// method runs again.</summary>
    public BeatTrack Track(string path, double bpm, CancellationToken ct = default)
    {
        CheckBpm(bpm);
        var (activation, duration) = Activate(AudioDecoder.ReadBlocks(path, BlockSeconds, _activation.SampleRate, ct), path, ct);
        return Track(path, activation, duration, (() => bpm, GivenTempoSource), ct);
    }

    /// <summary>The beats at the tempo of an estimate just made (by the model or the DSP baseline), from the onset
    /// envelope the estimate carries (<see cref="TempoEstimate.Onsets"/>): the audio is not decoded a second time.
    /// That envelope is this tracker's default activation (the DSP onset strength with its default settings, at
    /// the estimator's rate: the same frames, 43 a second); a tracker given another activation source or onset
    /// settings, or an estimate without an envelope, reads the estimate's file instead.</summary>
    public BeatTrack Track(TempoEstimate estimate, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        CheckBpm(estimate.Bpm);
        if (_ownsActivation && Config.Onset == DefaultOnsets && estimate.Onsets is { } onsets)
            return Track(estimate.File, onsets, estimate.DurationSeconds, (() => estimate.Bpm, GivenTempoSource), ct);
        if (estimate.BeatHeadActivation is { } head && ReferenceEquals(head.Producer, _activation))
            return Track(estimate.File, head, estimate.DurationSeconds, (() => estimate.Bpm, GivenTempoSource), ct);
        if (estimate.File is null)
            throw new ArgumentException("the estimate carries no onset envelope and names no file to read the audio from", nameof(estimate));
        return Track(estimate.File, estimate.Bpm, ct);
    }

    private static readonly OnsetStrengthConfig DefaultOnsets = new();

    /// <summary>When the tempo method is an estimator that computes this tracker's activation in its own pass (it was
    /// given this beat head), the beats from that one pass: one decoding, one log-mel. Null otherwise, and for input
    /// without a tempo, which the caller's two-pass path reports with the activation's duration.</summary>
    private BeatTrack? TrackInOnePass(string? name, Func<TempoEstimate> estimate, CancellationToken ct)
    {
        if (_tempo is not Inference.TempoEstimator { BeatHead: { } head } || !ReferenceEquals(head, _activation)) return null;
        TempoEstimate e;
        try { e = estimate(); }
        catch (NoTempoException) { return null; }
        return Track(name, e.BeatHeadActivation!, e.DurationSeconds, (() => e.Bpm, _tempo.Name), ct);
    }

    /// <summary>The beats of decoded audio at a tempo already known.</summary>
    public BeatTrack Track(AudioBuffer audio, double bpm, string? name = null, CancellationToken ct = default)
    {
        CheckBpm(bpm);
        var (activation, duration) = Activate(audio, name, ct);
        return Track(name, activation, duration, (() => bpm, GivenTempoSource), ct);
    }

    private static void CheckBpm(double bpm)
    {
        if (!(bpm > 0) || !double.IsFinite(bpm)) throw new ArgumentOutOfRangeException(nameof(bpm), bpm, "tempo must be a positive number");
    }

    /// <summary>What <see cref="BeatTrack.TempoSource"/> says of a tempo the caller gave.</summary>
    public const string GivenTempoSource = "given";

    private (Func<double> Bpm, string Source)? TempoOf(Func<TempoEstimate> estimate) =>
        _tempo is null ? null : (() => estimate().Bpm, _tempo.Name);

    /// <summary>The beats of audio read once from <paramref name="audio"/> (standard input, a pipe); it is decoded into
    /// memory, because the activation and the tempo method both need it.</summary>
    public BeatTrack Track(Stream audio, string name, CancellationToken ct = default)
    {
        return Track(AudioDecoder.DecodeMono(audio, name, ct: ct), name, ct);
    }

    /// <summary>The beats of decoded audio at any rate.</summary>
    public BeatTrack Track(AudioBuffer audio, string? name = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(audio);
        TempoEstimate Estimate() => _tempo!.Estimate(audio.Samples, audio.SampleRate, name: name ?? UnnamedAudio, ct: ct);
        if (TrackInOnePass(name, Estimate, ct) is { } shared) return shared;
        var (activation, duration) = Activate(audio, name, ct);
        return Track(name, activation, duration, TempoOf(Estimate), ct);
    }

    private (BeatActivation Activation, double Seconds) Activate(AudioBuffer audio, string? name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(audio);
        if (audio.Samples.Length == 0) throw AudioFormatException.Empty(name ?? UnnamedAudio);
        var samples = audio.SampleRate == _activation.SampleRate ? audio.Samples : Resampler.Resample(audio.Samples, audio.SampleRate, _activation.SampleRate);
        return (Activate(new[] { samples }, name ?? UnnamedAudio, ct).Activation, audio.DurationSeconds);
    }

    private (BeatActivation Activation, double Seconds) Activate(IEnumerable<float[]> blocks, string name, CancellationToken ct)
    {
        long samples = 0;
        var activation = _activation.Compute(blocks.Select(b => { samples += b.Length; return b; }), ct);
        if (samples == 0) throw AudioFormatException.Empty(name);
        return (activation, (double)samples / _activation.SampleRate);
    }

    /// <param name="tempo">Where the tempo comes from; null: the tempogram of the activation.</param>
    private BeatTrack Track(string? name, BeatActivation activation, double duration, (Func<double> Bpm, string Source)? tempo, CancellationToken ct)
    {
        string source = tempo?.Source ?? TempogramSource;
        BeatTrack None(string reason) => WithBars(new(name, Array.Empty<double>(), 0, source, _activation.Name, duration, reason), activation);
        if (!activation.Values.Any(v => v > 0)) return None("no onsets (silent or steady): no beats");
        double bpm;
        if (tempo is not { } given)
        {
            var tempogram = new AutocorrelationTempogram(Config.Tempogram, activation.FramesPerSecond);
            var summary = tempogram.Analyse(activation.Values, ct: ct);
            if (tempogram.Best(summary.MeanAutocorrelation) is not TempoPeak peak)
                return None($"no onsets repeat within {Config.Tempogram.WindowSeconds:0.#} s: no beats");
            bpm = peak.Bpm;
        }
        else
        {
            try { bpm = given.Bpm(); }
            catch (NoTempoException e) { return None(e.Problem); }
        }
        ct.ThrowIfCancellationRequested();
        // The tracker needs a period of at least two activation frames (1290 BPM at 43 frames/s): no music is faster.
        double period = 60.0 * activation.FramesPerSecond / bpm;
        if (period < 2) return None($"tempo {bpm:0.#} BPM is faster than the activation's {activation.FramesPerSecond:0.#} frames/s can follow");
        var times = _tracker.Track(activation, bpm);
        return WithBars(new BeatTrack(name, times, bpm, source, _activation.Name, duration, times.Length == 0 ? "no beat stands out of the activation" : null), activation);
    }

    /// <summary>The track with its beats numbered in their bars when the activation has downbeats; as it is otherwise.</summary>
    private BeatTrack WithBars(BeatTrack track, BeatActivation activation)
    {
        if (activation.Downbeats is null) return track;
        var bars = _bars.Track(track.Times, activation);
        return track with { Numbers = bars.Numbers, BeatsPerBar = bars.BeatsPerBar };
    }

    public void Dispose()
    {
        if (_ownsActivation) _activation.Dispose();
    }
}
