using NVorbis;

namespace EquiTempo.Audio;

/// <summary>Ogg Vorbis through NVorbis, used when ffmpeg is not installed (see <see cref="AudioSourceFactory"/>).</summary>
/// <remarks>
/// NVorbis 0.10.5 sometimes drops a whole 1024-sample packet mid-stream without an error (measured on 12 of 41
/// real soundtrack files; everything after a drop comes early). That cannot be detected while streaming, which is
/// why ffmpeg is preferred. Its seeking is not exact either: about 1% of seek targets land 128 samples early or
/// 448 samples late (the decoded audio is otherwise bit-identical, just shifted: at most ~10 ms at 44.1 kHz), and
/// some targets throw "GranulePos mismatch". Excerpts accept the shift; a throwing seek falls back to decoding
/// from the start and discarding.
/// </remarks>
internal sealed class VorbisSource : AudioSource
{
    private VorbisReader _reader;
    private readonly bool _isStream;

    private VorbisSource(string path, VorbisReader reader, bool isStream = false) : base(path)
    {
        _reader = reader;
        _isStream = isStream;
    }

    public override int SampleRate => _reader.SampleRate;
    public override int Channels => _reader.Channels;
    public override string Format => "vorbis";
    public override long? RemainingFramesHint => _isStream ? null : Math.Max(0, _reader.TotalSamples - _reader.SamplePosition);

    public static VorbisSource Open(string path)
    {
        var source = new VorbisSource(path, CreateReader(path));
        if (source._reader.TotalSamples <= 0)
        {
            source.Dispose();
            throw AudioFormatException.Empty(path);
        }
        return source;
    }

    /// <summary>Reads a stream that cannot seek (which the source then owns): no length is known, and NVorbis finds
    /// the end by reading to it.</summary>
    public static VorbisSource OpenStream(string path, Stream stream) => new(path, CreateReader(path, () => new VorbisReader(stream, closeOnDispose: true)), isStream: true);

    public override AudioSource? OpenIndependent() => _isStream ? null : Open(Path);

    public override bool CanOpenIndependent => !_isStream;

    public static AudioInfo Probe(string path)
    {
        using var reader = CreateReader(path);
        if (reader.TotalSamples <= 0) throw AudioFormatException.Empty(path);
        return new AudioInfo(path, reader.SampleRate, reader.Channels, (double)reader.TotalSamples / reader.SampleRate, "vorbis");
    }

    private static VorbisReader CreateReader(string path, Func<VorbisReader>? open = null)
    {
        VorbisReader? reader = null;
        try
        {
            reader = open?.Invoke() ?? new VorbisReader(path);
            reader.ClipSamples = false; // clipping would distort loud masters for no gain
            AudioLimits.Check(path, reader.SampleRate, reader.Channels);
            return reader;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            reader?.Dispose();
            if (e is AudioFormatException) throw;
            throw new AudioFormatException(path, $"is not a readable Ogg Vorbis file: {e.Message}", e);
        }
    }

    public override void SeekToFrame(long frame)
    {
        frame = Math.Clamp(frame, 0, _reader.TotalSamples);
        try
        {
            _reader.SamplePosition = frame;
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed seek can leave NVorbis in an unusable state: start over and decode up to the target.
            _reader.Dispose();
            _reader = CreateReader(Path);
        }
        Skip(frame);
    }

    protected override int ReadInterleaved(Span<float> interleaved)
    {
        int channels = _reader.Channels;
        int got = 0;
        while (got < interleaved.Length)
        {
            int n = _reader.ReadSamples(interleaved[got..]);
            if (n <= 0) break;
            got += n;
        }
        return got / channels;
    }

    public override void Dispose() => _reader.Dispose();
}
