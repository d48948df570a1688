using EquiTempo.Baselines;

namespace EquiTempo.Beats;

/// <summary>How likely a beat is at each frame of a signal: frame t describes time t / <paramref name="FramesPerSecond"/>.</summary>
public sealed record BeatActivation(float[] Values, double FramesPerSecond)
{
    public double FrameSeconds(int frame) => frame / FramesPerSecond;

    /// <summary>How likely a downbeat (the first beat of a bar) is at each frame, on the same frames as
    /// <see cref="Values"/>; null when the source has no downbeat head (the onset envelope never has one).</summary>
    public float[]? Downbeats { get; init; }

    /// <summary>The source that computed it, when a tracker must know whether this is its own activation
    /// (<see cref="BeatTracker.Track(TempoEstimate, CancellationToken)"/>); not part of equality.</summary>
    internal IBeatActivationSource? Producer { get; init; }

    // Equal values, not the same array: two estimates of the same audio carry equal activations.
    public bool Equals(BeatActivation? other) =>
        other is not null && FramesPerSecond == other.FramesPerSecond && Values.AsSpan().SequenceEqual(other.Values)
        && (Downbeats is null ? other.Downbeats is null : other.Downbeats is not null && Downbeats.AsSpan().SequenceEqual(other.Downbeats));

    public override int GetHashCode() => HashCode.Combine(FramesPerSecond, Values.Length);
}

/// <summary>
/// What turns audio into a <see cref="BeatActivation"/> for the beat tracker. The DSP source is the onset-strength
/// envelope (<see cref="OnsetStrengthActivation"/>); a network's beat head (100 frames/s) is another source with its
/// own rate. Thread-safe; each call reads one signal.
/// </summary>
public interface IBeatActivationSource : IDisposable
{
    /// <summary>Short name shown in results (e.g. "onset-strength").</summary>
    string Name { get; }
    /// <summary>The rate of the mono audio <see cref="Compute"/> takes.</summary>
    int SampleRate { get; }
    /// <summary>The activation of one signal given as consecutive blocks at <see cref="SampleRate"/>.</summary>
    BeatActivation Compute(IEnumerable<float[]> blocks, CancellationToken ct = default);
}

/// <summary>The DSP baseline's spectral-flux onset envelope (<see cref="OnsetStrength"/>, 43 frames/s by default) as a
/// beat activation, as librosa's beat_track uses onset_strength. Streamed: only the envelope is kept.</summary>
public sealed class OnsetStrengthActivation(OnsetStrengthConfig? config = null) : IBeatActivationSource
{
    private readonly OnsetStrength _onsets = new(config);

    public string Name => "onset-strength";
    public int SampleRate => _onsets.Config.SampleRate;

    public BeatActivation Compute(IEnumerable<float[]> blocks, CancellationToken ct = default)
    {
        var stream = _onsets.Begin();
        foreach (var block in blocks)
        {
            ct.ThrowIfCancellationRequested();
            stream.Add(block);
        }
        return new BeatActivation(stream.Finish(), _onsets.Config.FramesPerSecond);
    }

    public void Dispose() => _onsets.Dispose();
}
