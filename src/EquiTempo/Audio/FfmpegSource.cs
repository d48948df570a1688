using System.Globalization;

namespace EquiTempo.Audio;

/// <summary>
/// Any format ffmpeg knows, decoded by an ffmpeg child process that writes 32-bit float WAV to stdout at the
/// native rate and channel count. WAV rather than raw f32le because its header tells us the channel count and
/// rate without a separate ffprobe run; downmix and resampling then stay the same code as for the managed decoders.
/// </summary>
internal sealed class FfmpegSource : PcmPipeSource
{
    /// <summary>Longest wait for the next bytes before the child counts as hung (a local file never needs this long).</summary>
    internal static TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Decoded and discarded before an excerpt: several MP3 frames even at 8 kHz (72 ms per frame).</summary>
    private const double PrerollSeconds = 0.5;

    private readonly ToolProcess _process;
    private readonly string _formatName;

    private FfmpegSource(string path, ToolProcess process, PcmFormat format, string formatName) : base(path, format, null)
    {
        _process = process;
        _formatName = formatName;
    }

    public override string Format => _formatName;

    /// <summary>
    /// Starts ffmpeg on the file, or with <paramref name="input"/> on the bytes of that stream fed to its standard
    /// input (which the source then owns; <paramref name="path"/> only names it); <paramref name="formatName"/>
    /// ("opus", "flac", ...) is for messages. A stream is never seeked: an excerpt's start is decoded and discarded.
    /// </summary>
    public static FfmpegSource Open(string path, string formatName, double startSeconds, double? durationSeconds, string? searchPath, CancellationToken ct, Stream? input = null)
    {
        string ffmpeg;
        try
        {
            ffmpeg = ExternalToolLocator.Require("ffmpeg", path, formatName, searchPath);
        }
        catch
        {
            input?.Dispose();
            throw;
        }
        // ffmpeg's input seek lands on the right sample, but the first MP3 frames after it decode without their
        // bit reservoir (garbage for a frame or two). Seeking a little earlier and discarding that lead-in keeps
        // excerpts identical to the same stretch of a whole-file decode.
        double preroll = input is null ? Math.Min(startSeconds, PrerollSeconds) : startSeconds;
        double seekTo = startSeconds - preroll;
        var args = new List<string> { "-hide_banner", "-loglevel", "error" };
        if (input is null) args.Add("-nostdin");
        if (seekTo > 0) args.AddRange(["-ss", seekTo.ToString("R", CultureInfo.InvariantCulture)]);
        // "file:" stops ffmpeg reading a name like "-x" as an option or "a:b" as a protocol.
        args.AddRange(["-i", input is null ? "file:" + path : "pipe:0"]);
        if (durationSeconds is { } d) args.AddRange(["-t", (d + preroll).ToString("R", CultureInfo.InvariantCulture)]);
        args.AddRange([
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
            "-fflags", "+bitexact", "-flags", "+bitexact", // no LIST/INFO chunk before the data
            "-c:a", "pcm_f32le", "-f", "wav", "-",
        ]);
        ToolProcess process;
        try
        {
            process = new ToolProcess(ffmpeg, args, StallTimeout, ct, input);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            input?.Dispose();
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
        var header = WavStreamHeader.Read(process.ReadFully);
        if (header.Format is not null) return header.Format;
        ct.ThrowIfCancellationRequested();
        bool empty = header.IsEmpty;
        // ffmpeg's own output is well formed: a header that is not means ffmpeg stopped early, or the source claims
        // something absurd (a rate or channel count past AudioLimits) that ffmpeg passed on.
        string what = empty ? AudioFormatException.NoSamples
            : header.SawFormat ? header.Problem!
            : "ffmpeg produced no audio";
        throw Failure(process, path, what, isEmpty: empty);
    }

    private static AudioFormatException Failure(ToolProcess process, string path, string what, bool isEmpty = false)
    {
        int code = process.WaitForExit(TimeSpan.FromSeconds(5));
        string detail = process.TimedOut ? "ffmpeg stopped responding and was killed"
            : process.StderrTail is { Length: > 0 } tail ? $"ffmpeg says: {tail}"
            : $"ffmpeg exit code {code}";
        return new AudioFormatException(path, $"{what} ({detail})", isEmpty: isEmpty);
    }

    protected override int ReadBytes(Span<byte> buffer) => _process.ReadFully(buffer);

    protected override void OnEnd()
    {
        if (_process.TimedOut) throw new AudioFormatException(Path, "ffmpeg stopped responding and was killed");
    }

    public override void Dispose() => _process.Dispose();
}
