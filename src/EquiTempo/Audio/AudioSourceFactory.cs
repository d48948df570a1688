namespace EquiTempo.Audio;

/// <summary>
/// Chooses and opens the decoder for a file. WAV is read in managed code. Ogg Vorbis and MP3 go through ffmpeg when
/// it is on the PATH and through NVorbis/NLayer otherwise; everything else needs ffmpeg. Whichever decoder is tried
/// first, a file it rejects is offered to the other one before giving up.
/// </summary>
/// <remarks>
/// ffmpeg comes first for Vorbis and MP3 because the managed decoders are measurably wrong on real files:
/// NVorbis 0.10.5 silently drops whole 1024-sample packets mid-stream (12 of the 41 Wesnoth soundtrack files lose
/// 1–10 thousand samples, shifting everything after the drop) and NLayer 3.0.1 decodes about 1–2% of frames of
/// high-quality VBR MP3s with errors up to 0.1 and keeps the encoder delay. ffmpeg is also faster on whole files.
/// Set EQUITEMPO_AUDIO_DECODERS=managed (<see cref="DecoderOptions.DecodersVariable"/>) to use the managed decoders
/// even when ffmpeg is installed.
/// </remarks>
internal static class AudioSourceFactory
{
    private enum Route { Managed, Ffmpeg }

    /// <summary>Opens a file, or a pipe or device named by a path (a FIFO, /dev/stdin), which is read as a stream.</summary>
    public static AudioSource Open(string path, double startSeconds, double? durationSeconds, DecoderOptions options, CancellationToken ct)
    {
        var input = AudioInput.OpenRead(path);
        if (!input.CanSeek) return OpenStream(input, path, options, ct, startSeconds);
        input.Dispose();
        return Attempt(path, forProbe: false, options, (route, kind) => route == Route.Ffmpeg
            ? FfmpegSource.Open(path, kind.FormatName, startSeconds, durationSeconds, options.SearchPath, ct)
            : OpenManaged(path, kind, startSeconds, options.SearchPath));
    }

    /// <summary>
    /// Decodes a stream read once, front to back (standard input, a FIFO): the format is recognised from its first
    /// bytes, which are then replayed, and nothing is seeked. PCM/float WAV is read in managed code; everything
    /// else goes to ffmpeg's standard input, except Ogg Vorbis, which NVorbis reads as a stream when ffmpeg is
    /// missing or the managed decoders are preferred. (NLayer must seek, so an MP3 stream needs ffmpeg.) Unlike a
    /// file, a stream rejected by one decoder cannot be offered to another: its bytes are gone. The source owns
    /// <paramref name="input"/>; <paramref name="name"/> only names it in errors.
    /// </summary>
    public static AudioSource OpenStream(Stream input, string name, DecoderOptions options, CancellationToken ct, double startSeconds = 0)
    {
        ReplayStream replay;
        try
        {
            replay = Wrap(name, () => ReplayStream.Sniff(input, AudioFileInspector.SniffBytes));
        }
        catch
        {
            input.Dispose();
            throw;
        }
        AudioSource? source = null;
        try
        {
            if (replay.Head.IsEmpty) throw new AudioFormatException(name, "is empty (0 bytes)");
            var kind = AudioFileInspector.Classify(replay.Head, AudioFileInspector.Extension(name));
            bool hasFfmpeg = ExternalToolLocator.Find("ffmpeg", options.SearchPath) is not null;
            FfmpegSource Ffmpeg() => FfmpegSource.Open(name, kind.FormatName, startSeconds, null, options.SearchPath, ct, replay);
            source = kind.Decoder switch
            {
                // The fmt chunk almost always lies in the sniffed bytes: an encoding only ffmpeg decodes is seen there,
                // before any byte is consumed.
                DecoderKind.Wav when hasFfmpeg && HeadSaysUnsupported(replay.Head) => Ffmpeg(),
                DecoderKind.Wav => Wrap(name, () => StreamWavSource.Open(name, replay)),
                DecoderKind.Vorbis when hasFfmpeg && !options.PreferManaged => Ffmpeg(),
                DecoderKind.Vorbis => Wrap(name, () => VorbisSource.OpenStream(name, replay)),
                DecoderKind.Mp3 when !hasFfmpeg => throw new AudioFormatException(name,
                    $"an MP3 read from a stream needs ffmpeg (Debian package `ffmpeg`), because the managed MP3 decoder must seek; {ExternalToolLocator.MissingAdvice}"),
                _ => Ffmpeg(),
            };
            if (startSeconds > 0 && source is not FfmpegSource) source.Discard((long)Math.Round(startSeconds * source.SampleRate));
            return source;
        }
        catch
        {
            if (source is not null) source.Dispose();
            else replay.Dispose();
            throw;
        }
    }

    private static bool HeadSaysUnsupported(ReadOnlySpan<byte> head)
    {
        using var bytes = new MemoryStream(head.ToArray());
        return WavStreamHeader.Read(b => bytes.ReadAtLeast(b, b.Length, throwOnEndOfStream: false)).Unsupported;
    }

    /// <remarks>
    /// Vorbis headers are read by NVorbis even when ffmpeg decodes: its length comes from the last page's granule
    /// position, exactly what ffmpeg decodes, and it is four times quicker than starting ffprobe. (NLayer's MP3
    /// duration is only an estimate without a Xing header, so MP3 follows the decoder choice.)
    /// </remarks>
    public static AudioInfo Probe(string path, DecoderOptions options)
    {
        using (var input = AudioInput.OpenRead(path))
            if (!input.CanSeek)
                throw new AudioFormatException(path, "is a pipe or device, not a file: it has no header to read without decoding it");
        return Attempt(path, forProbe: true, options, (route, kind) => route == Route.Ffmpeg
            ? FfprobeProber.Probe(path, kind.FormatName, options.SearchPath)
            : kind.Decoder switch
            {
                DecoderKind.Wav => WavSource.Probe(path),
                DecoderKind.Vorbis => VorbisSource.Probe(path),
                _ => Mp3Source.Probe(path),
            });
    }

    /// <summary>Runs <paramref name="open"/> along the routes that can handle the file, best first.</summary>
    private static T Attempt<T>(string path, bool forProbe, DecoderOptions options, Func<Route, FileKind, T> open)
    {
        var kind = AudioFileInspector.Inspect(path);
        bool hasFfmpeg = ExternalToolLocator.Find("ffmpeg", options.SearchPath) is not null;
        Route[] routes = kind.Decoder switch
        {
            DecoderKind.Ffmpeg => [Route.Ffmpeg], // which reports a missing ffmpeg itself
            DecoderKind.Wav => hasFfmpeg ? [Route.Managed, Route.Ffmpeg] : [Route.Managed],
            DecoderKind.Vorbis when forProbe && hasFfmpeg => [Route.Managed, Route.Ffmpeg],
            _ when !hasFfmpeg => [Route.Managed],
            _ => options.PreferManaged ? [Route.Managed, Route.Ffmpeg] : [Route.Ffmpeg, Route.Managed],
        };
        AudioFormatException? firstError = null;
        foreach (var route in routes)
        {
            try
            {
                return Wrap(path, () => open(route, kind));
            }
            catch (AudioFormatException e)
            {
                // A well-formed file without audio is an answer, and a header claiming the absurd is corrupt:
                // another decoder would only say the same.
                if (e.IsEmpty || e.IsCorruptHeader) throw;
                if (firstError is not null) throw Combined(path, firstError, e);
                firstError = e;
            }
        }
        throw firstError!;
    }

    private static AudioSource OpenManaged(string path, FileKind kind, double startSeconds, string? searchPath)
    {
        string? unsupported = null;
        AudioSource? source = kind.Decoder switch
        {
            DecoderKind.Wav => WavSource.Open(path, out unsupported),
            DecoderKind.Vorbis => VorbisSource.Open(path),
            DecoderKind.Mp3 => Mp3Source.Open(path),
            _ => throw new InvalidOperationException($"No managed decoder for {kind.FormatName}."),
        };
        if (source is null) // a WAV encoding only ffmpeg can decode; the ffmpeg route comes next if it exists
            throw new AudioFormatException(path, ExternalToolLocator.Find("ffmpeg", searchPath) is null
                ? $"format wav ({unsupported}) needs ffmpeg (Debian package `ffmpeg`), {ExternalToolLocator.MissingAdvice}"
                : $"{unsupported}");
        try
        {
            if (startSeconds > 0) source.SeekToFrame((long)Math.Round(startSeconds * source.SampleRate));
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static AudioFormatException Combined(string path, AudioFormatException first, AudioFormatException second)
    {
        return new AudioFormatException(path, $"{first.Problem}; the other decoder failed too: {second.Problem}", first);
    }

    /// <summary>Whatever a third-party decoder throws while opening becomes an <see cref="AudioFormatException"/>.</summary>
    private static T Wrap<T>(string path, Func<T> open)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is not AudioFormatException and not OperationCanceledException)
        {
            throw new AudioFormatException(path, $"cannot be decoded: {e.Message}", e);
        }
    }
}
