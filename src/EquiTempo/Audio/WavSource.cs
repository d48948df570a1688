using NAudio.Wave;

namespace EquiTempo.Audio;

/// <summary>
/// WAV through NAudio's chunk parser (RIFF/RF64, odd chunks, a data size larger than the file is clamped
/// to what is there); sample conversion is ours because NAudio's per-frame float API allocates per frame.
/// </summary>
internal sealed class WavSource : AudioSource
{
    private readonly WaveFileReader _reader;
    private readonly PcmFormat _format;
    private byte[] _bytes = [];

    private WavSource(string path, WaveFileReader reader, PcmFormat format) : base(path)
    {
        _reader = reader;
        _format = format;
    }

    public override int SampleRate => _format.SampleRate;
    public override int Channels => _format.Channels;
    public override string Format => "wav";
    public long TotalFrames => _reader.Length / _format.BlockAlign;
    public override long? RemainingFramesHint => (_reader.Length - _reader.Position) / _format.BlockAlign;

    /// <summary>
    /// Opens the file. Returns null with <paramref name="unsupported"/> set when the file is a
    /// valid WAV whose encoding (ADPCM, mu-law, ...) only ffmpeg can decode; throws for a broken file.
    /// </summary>
    public static WavSource? Open(string path, out string? unsupported)
    {
        // NAudio believes what it parses (1 Hz, a block align of 0, 0-bit samples); our
        // parser checks the same chunks first, so a corrupt header is one clear error whichever decoder follows.
        WavHeader header;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096))
            header = WavStreamHeader.Read(b => file.ReadAtLeast(b, b.Length, throwOnEndOfStream: false));
        if (header.IsCorrupt) throw Failure(path, header);
        WaveFileReader reader;
        try
        {
            reader = new WaveFileReader(path);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AudioFormatException(path, $"is not a readable WAV file: {e.Message}", e);
        }
        try
        {
            var format = Describe(reader.WaveFormat, out unsupported);
            if (format is null)
            {
                reader.Dispose();
                return null;
            }
            var source = new WavSource(path, reader, format);
            if (source.TotalFrames == 0)
            {
                // Recorders that crash before finishing the header leave a data size of 0 in front of real audio;
                // NAudio believes the header, ffmpeg reads to the end. Only a truly empty file has no samples.
                if (BytesAfterDataHeader(path) >= format.BlockAlign)
                    throw new AudioFormatException(path, "declares an empty data chunk but has audio bytes after it");
                throw AudioFormatException.Empty(path, "the WAV data chunk is empty");
            }
            return source;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public override void SeekToFrame(long frame) => _reader.Position = Math.Clamp(frame, 0, TotalFrames) * _format.BlockAlign;

    /// <summary>The error for a header that gives no sample layout.</summary>
    internal static AudioFormatException Failure(string path, WavHeader header) =>
        header.IsEmpty ? AudioFormatException.Empty(path, "the WAV data chunk is empty")
        : header.IsCorrupt ? AudioFormatException.CorruptHeader(path, header.Problem!)
        : new AudioFormatException(path, header.Problem!);

    /// <summary>Header-only description for Probe.</summary>
    public static AudioInfo Probe(string path)
    {
        using var source = Open(path, out string? unsupported)
            ?? throw new AudioFormatException(path, unsupported!);
        return new AudioInfo(path, source.SampleRate, source.Channels, (double)source.TotalFrames / source.SampleRate, "wav");
    }

    /// <summary>Bytes in the file after the "data" chunk header (0 if there is none).</summary>
    private static long BytesAfterDataHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new BinaryReader(stream);
        stream.Position = 12;
        while (stream.Length - stream.Position >= 8)
        {
            string id = System.Text.Encoding.ASCII.GetString(reader.ReadBytes(4));
            long size = reader.ReadUInt32();
            if (id == "data") return stream.Length - stream.Position;
            stream.Position += size + (size & 1);
        }
        return 0;
    }

    private static PcmFormat? Describe(WaveFormat wf, out string? problem)
    {
        int? subTag = null;
        if (wf.Encoding == WaveFormatEncoding.Extensible)
        {
            // WAVEFORMATEXTENSIBLE extra bytes: valid bits (2), channel mask (4), sub-format GUID (16) whose
            // first two bytes are the classic format tag.
            byte[]? extra = wf switch
            {
                WaveFormatExtraData x => x.ExtraData,
                _ => null,
            };
            if (wf is WaveFormatExtensible ext) subTag = BitConverter.ToUInt16(ext.SubFormat.ToByteArray(), 0);
            else if (extra is { Length: >= 22 }) subTag = BitConverter.ToUInt16(extra, 6);
        }
        return PcmFormat.From((int)wf.Encoding, subTag, wf.Channels, wf.SampleRate, wf.BlockAlign, wf.BitsPerSample, out problem);
    }

    protected override int ReadInterleaved(Span<float> interleaved)
    {
        int frames = interleaved.Length / _format.Channels;
        int byteCount = frames * _format.BlockAlign;
        if (_bytes.Length < byteCount) _bytes = new byte[byteCount];
        int got = 0;
        // NAudio insists on whole blocks per request, so stop once a short read leaves us mid-block.
        while (got < byteCount && got % _format.BlockAlign == 0)
        {
            int n = _reader.Read(_bytes, got, byteCount - got);
            if (n <= 0) break;
            got += n;
        }
        int whole = got / _format.BlockAlign;
        _format.ToFloat(_bytes.AsSpan(0, whole * _format.BlockAlign), interleaved);
        return whole;
    }

    public override void Dispose() => _reader.Dispose();
}
