using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EquiTempo.Audio;

/// <summary>
/// Any format ffmpeg knows, decoded by an ffmpeg child process that writes 32-bit float WAV to stdout at the
/// native rate and channel count. WAV rather than raw f32le because its header tells us the channel count and
/// rate without a separate ffprobe run; downmix and resampling then stay the same code as for the managed decoders.
/// </summary>
internal sealed class FfmpegSource : AudioSource
{
    /// <summary>Longest wait for the next bytes before the child counts as hung (a local file never needs this long).</summary>
    internal static TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Decoded and discarded before an excerpt: several MP3 frames even at 8 kHz (72 ms per frame).</summary>
    private const double PrerollSeconds = 0.5;

    private readonly ToolProcess _process;
    private readonly PcmFormat _format;
    private readonly string _formatName;
    private byte[] _bytes = [];
    private int _carry; // bytes of an incomplete frame kept at the start of _bytes

    private FfmpegSource(string path, ToolProcess process, PcmFormat format, string formatName) : base(path)
    {
        _process = process;
        _format = format;
        _formatName = formatName;
    }

    public override int SampleRate => _format.SampleRate;
    public override int Channels => _format.Channels;
    public override string Format => _formatName;

    /// <summary>Starts ffmpeg on the file; <paramref name="formatName"/> ("opus", "flac", ...) is for messages.</summary>
    public static FfmpegSource Open(string path, string formatName, double startSeconds, double? durationSeconds, string? searchPath, CancellationToken ct)
    {
        string ffmpeg = ExternalToolLocator.Require("ffmpeg", path, formatName, searchPath);
        // ffmpeg's input seek lands on the right sample, but the first MP3 frames after it decode without their
        // bit reservoir (garbage for a frame or two). Seeking a little earlier and discarding that lead-in keeps
        // excerpts identical to the same stretch of a whole-file decode.
        double preroll = Math.Min(startSeconds, PrerollSeconds);
        double seekTo = startSeconds - preroll;
        var args = new List<string> { "-nostdin", "-hide_banner", "-loglevel", "error" };
        if (seekTo > 0) args.AddRange(["-ss", seekTo.ToString("R", CultureInfo.InvariantCulture)]);
        // "file:" stops ffmpeg reading a name like "-x" as an option or "a:b" as a protocol.
        args.AddRange(["-i", "file:" + path]);
        if (durationSeconds is { } d) args.AddRange(["-t", (d + preroll).ToString("R", CultureInfo.InvariantCulture)]);
        args.AddRange([
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
            "-fflags", "+bitexact", "-flags", "+bitexact", // no LIST/INFO chunk before the data
            "-c:a", "pcm_f32le", "-f", "wav", "-",
        ]);
        ToolProcess process;
        try
        {
            process = new ToolProcess(ffmpeg, args, StallTimeout, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new AudioFormatException(path, $"could not start ffmpeg ({ffmpeg}): {e.Message}", e);
        }
        try
        {
            var format = ReadHeader(process, path, ct);
            var source = new FfmpegSource(path, process, format, formatName);
            if (preroll > 0) source.Skip((long)Math.Round(preroll * format.SampleRate));
            return source;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private static PcmFormat ReadHeader(ToolProcess process, string path, CancellationToken ct)
    {
        Span<byte> head = stackalloc byte[12];
        if (process.ReadFully(head) < 12)
        {
            ct.ThrowIfCancellationRequested();
            throw Failure(process, path, "ffmpeg produced no audio");
        }
        string riff = Encoding.ASCII.GetString(head[..4]);
        if ((riff != "RIFF" && riff != "RF64") || Encoding.ASCII.GetString(head[8..12]) != "WAVE")
            throw Failure(process, path, "ffmpeg output is not WAV");
        PcmFormat? format = null;
        Span<byte> chunk = stackalloc byte[8];
        var body = new byte[256];
        while (true)
        {
            if (process.ReadFully(chunk) < 8)
            {
                ct.ThrowIfCancellationRequested();
                throw Failure(process, path, format is null ? "ffmpeg produced no audio" : AudioFormatException.NoSamples, isEmpty: format is not null);
            }
            string id = Encoding.ASCII.GetString(chunk[..4]);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (id == "data")
            {
                // Piped output carries a placeholder size; the data simply runs to the end of the stream.
                return format ?? throw Failure(process, path, "ffmpeg output has no fmt chunk");
            }
            long toSkip = size + (size & 1);
            if (id == "fmt " && size >= 16 && size <= body.Length)
            {
                process.ReadFully(body.AsSpan(0, (int)toSkip));
                int tag = BinaryPrimitives.ReadUInt16LittleEndian(body);
                int? subTag = tag == PcmFormat.TagExtensible && size >= 40 ? BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(24)) : null;
                format = PcmFormat.From(tag, subTag,
                    channels: BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(2)),
                    sampleRate: BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4)),
                    blockAlign: BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(12)),
                    bitsPerSample: BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(14)),
                    out string? problem) ?? throw Failure(process, path, "unexpected ffmpeg output: " + problem);
                continue;
            }
            for (; toSkip > 0; toSkip -= body.Length)
                process.ReadFully(body.AsSpan(0, (int)Math.Min(toSkip, body.Length)));
        }
    }

    private static AudioFormatException Failure(ToolProcess process, string path, string what, bool isEmpty = false)
    {
        int code = process.WaitForExit(TimeSpan.FromSeconds(5));
        string detail = process.TimedOut ? "ffmpeg stopped responding and was killed"
            : process.StderrTail is { Length: > 0 } tail ? $"ffmpeg says: {tail}"
            : $"ffmpeg exit code {code}";
        return new AudioFormatException(path, $"{what} ({detail})", isEmpty: isEmpty);
    }

    protected override int ReadInterleaved(Span<float> interleaved)
    {
        int blockAlign = _format.BlockAlign;
        int byteCount = interleaved.Length / _format.Channels * blockAlign;
        if (_bytes.Length < byteCount + blockAlign) Array.Resize(ref _bytes, byteCount + blockAlign);
        int got = _carry + _process.ReadFully(_bytes.AsSpan(_carry, byteCount - _carry));
        int frames = got / blockAlign;
        if (frames == 0)
        {
            if (_process.TimedOut)
                throw new AudioFormatException(Path, "ffmpeg stopped responding and was killed");
            return 0;
        }
        _format.ToFloat(_bytes.AsSpan(0, frames * blockAlign), interleaved);
        // A pipe can split a frame between reads; keep the partial frame for the next call.
        _carry = got - frames * blockAlign;
        if (_carry > 0) _bytes.AsSpan(frames * blockAlign, _carry).CopyTo(_bytes);
        return frames;
    }

    public override void Dispose() => _process.Dispose();
}
