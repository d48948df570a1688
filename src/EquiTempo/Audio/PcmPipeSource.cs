namespace EquiTempo.Audio;

/// <summary>
/// PCM or float WAV samples read front to back from a pipe (ffmpeg's output, standard input, a FIFO): whole frames
/// per call, with a frame split between two reads carried over, and at most the data chunk's declared size.
/// </summary>
internal abstract class PcmPipeSource : AudioSource
{
    private readonly PcmFormat _format;
    private long _bytesLeft;
    private byte[] _bytes = [];
    private int _carry; // bytes of an incomplete frame kept at the start of _bytes

    protected PcmPipeSource(string path, PcmFormat format, long? dataBytes) : base(path)
    {
        _format = format;
        _bytesLeft = dataBytes ?? long.MaxValue;
    }

    public override int SampleRate => _format.SampleRate;
    public override int Channels => _format.Channels;

    /// <summary>Reads until <paramref name="buffer"/> is full or the input ends.</summary>
    protected abstract int ReadBytes(Span<byte> buffer);

    /// <summary>Called when no whole frame is left: a place to tell a hung producer from the end.</summary>
    protected virtual void OnEnd() { }

    protected override int ReadInterleaved(Span<float> interleaved)
    {
        int blockAlign = _format.BlockAlign;
        int byteCount = (int)Math.Min(interleaved.Length / _format.Channels * blockAlign, _bytesLeft);
        if (_bytes.Length < byteCount + blockAlign) Array.Resize(ref _bytes, byteCount + blockAlign);
        int got = _carry + (byteCount > _carry ? ReadBytes(_bytes.AsSpan(_carry, byteCount - _carry)) : 0);
        int frames = got / blockAlign;
        if (frames == 0)
        {
            OnEnd();
            return 0;
        }
        _format.ToFloat(_bytes.AsSpan(0, frames * blockAlign), interleaved);
        _bytesLeft -= frames * blockAlign;
        // A pipe can split a frame between reads; keep the partial frame for the next call.
        _carry = got - frames * blockAlign;
        if (_carry > 0) _bytes.AsSpan(frames * blockAlign, _carry).CopyTo(_bytes);
        return frames;
    }
}

/// <summary>A PCM/float WAV arriving on a stream that cannot seek (standard input, a FIFO).</summary>
internal sealed class StreamWavSource : PcmPipeSource
{
    private readonly Stream _stream;

    private StreamWavSource(string path, Stream stream, PcmFormat format, long? dataBytes) : base(path, format, dataBytes) => _stream = stream;

    public override string Format => "wav";

    /// <summary>Parses the header from <paramref name="stream"/> (which the source then owns) up to the samples.</summary>
    public static StreamWavSource Open(string path, Stream stream)
    {
        var header = WavStreamHeader.Read(b => stream.ReadAtLeast(b, b.Length, throwOnEndOfStream: false));
        if (header.Format is null) throw WavSource.Failure(path, header);
        return new StreamWavSource(path, stream, header.Format, header.DataBytes);
    }

    protected override int ReadBytes(Span<byte> buffer) => _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    public override void Dispose() => _stream.Dispose();
}
