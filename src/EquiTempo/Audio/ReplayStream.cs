namespace EquiTempo.Audio;

/// <summary>
/// A read-once stream whose first bytes were read ahead to recognise the format and are served again before the
/// rest, so that sniffing a pipe loses nothing. Never seeks, never asks for a length.
/// </summary>
internal sealed class ReplayStream : ReadOnceStream
{
    private readonly Stream _inner;
    private readonly byte[] _head;
    private int _served;

    private ReplayStream(Stream inner, byte[] head)
    {
        _inner = inner;
        _head = head;
    }

    /// <summary>The bytes read ahead (fewer than asked only when the stream is that short).</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>Reads up to <paramref name="bytes"/> bytes ahead of <paramref name="inner"/>, which the result then owns.</summary>
    public static ReplayStream Sniff(Stream inner, int bytes)
    {
        var head = new byte[bytes];
        int n = inner.ReadAtLeast(head, bytes, throwOnEndOfStream: false);
        return new ReplayStream(inner, head[..n]);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_served < _head.Length)
        {
            int n = Math.Min(buffer.Length, _head.Length - _served);
            _head.AsSpan(_served, n).CopyTo(buffer);
            _served += n;
            return n;
        }
        return _inner.Read(buffer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A stream that can only be read, front to back, as a pipe is: no seeking, no length, no writing.</summary>
internal abstract class ReadOnceStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
