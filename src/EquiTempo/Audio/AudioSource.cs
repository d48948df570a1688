namespace EquiTempo.Audio;

/// <summary>
/// A decoder positioned somewhere in a file, delivering mono frames at the file's native rate.
/// Implementations only decode; downmixing happens here, resampling in the callers (<see cref="Resampler"/>, <see cref="MonoReader"/>).
/// </summary>
internal abstract class AudioSource : IDisposable
{
    private float[] _interleaved = [];
    private long _framesDelivered;
    private bool _ended;

    protected AudioSource(string path) => Path = path;

    public string Path { get; }
    public abstract int SampleRate { get; }
    public abstract int Channels { get; }
    public abstract string Format { get; }

    /// <summary>Native frames from the current position to the end if the decoder knows it cheaply; an estimate, not a promise.</summary>
    public virtual long? RemainingFramesHint => null;

    /// <summary>Positions the decoder at a native frame; sources that can only start at a fixed point throw.</summary>
    public virtual void SeekToFrame(long frame) => throw new NotSupportedException($"{GetType().Name} cannot seek after opening.");

    /// <summary>
    /// Another decoder of the same file, for decoders slow enough to be worth splitting across cores
    /// (see <see cref="SegmentedDecoder"/>); null where that is not worth it.
    /// </summary>
    public virtual AudioSource? OpenIndependent() => null;

    /// <summary>Whether <see cref="OpenIndependent"/> gives a decoder (checked without opening one).</summary>
    public virtual bool CanOpenIndependent => false;

    /// <summary>
    /// Largest difference between a sample decoded straight through and the same sample decoded after a seek
    /// (0 = bit-identical); used to recognise where a seek really landed.
    /// </summary>
    public virtual float SeekTolerance => 0;

    /// <summary>Reads up to <paramref name="mono"/>.Length frames; 0 means the end.</summary>
    /// <remarks>
    /// A managed decoder that throws after it has produced audio is treated as having reached the end:
    /// corrupt or cut-off tails (partial downloads) are far more common than damage in the middle, and the
    /// audio before them is still good. Failing before any audio is an <see cref="AudioFormatException"/>.
    /// </remarks>
    public int ReadMono(Span<float> mono)
    {
        if (_ended || mono.IsEmpty) return 0;
        int channels = Channels;
        if (_interleaved.Length < mono.Length * channels) _interleaved = new float[mono.Length * channels];
        int frames;
        try
        {
            frames = ReadInterleaved(_interleaved.AsSpan(0, mono.Length * channels));
        }
        catch (Exception e) when (e is not OperationCanceledException and not AudioFormatException)
        {
            if (_framesDelivered == 0)
                throw new AudioFormatException(Path, $"cannot be decoded as {Format}: {e.Message}", e);
            _ended = true;
            return 0;
        }
        if (frames <= 0)
        {
            _ended = true;
            return 0;
        }
        ChannelMixer.ToMono(_interleaved.AsSpan(0, frames * channels), channels, mono);
        _framesDelivered += frames;
        return frames;
    }

    /// <summary>Fills whole frames of interleaved samples; returns frames read, 0 at the end.</summary>
    protected abstract int ReadInterleaved(Span<float> interleaved);

    /// <summary>Discards frames by decoding them: an excerpt's start in a stream, which cannot seek.</summary>
    public void Discard(long frames) => Skip(frames);

    /// <summary>Discards frames by decoding them (for decoders that cannot seek precisely).</summary>
    protected void Skip(long frames)
    {
        var scratch = new float[Math.Max(Channels, 1) * 4096];
        while (frames > 0)
        {
            int want = (int)Math.Min(frames, 4096);
            int got = ReadInterleaved(scratch.AsSpan(0, want * Channels));
            if (got <= 0) return;
            frames -= got;
        }
    }

    public virtual void Dispose() { }
}
