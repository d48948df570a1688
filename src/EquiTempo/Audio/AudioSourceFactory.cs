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

    public static AudioSource Open(string path, double startSeconds, double? durationSeconds, DecoderOptions options, CancellationToken ct) =>
        Attempt(path, forProbe: false, options, (route, kind) => route == Route.Ffmpeg
            ? FfmpegSource.Open(path, kind.FormatName, startSeconds, durationSeconds, options.SearchPath, ct)
            : OpenManaged(path, kind, startSeconds, options.SearchPath));

    /// <remarks>
    /// Vorbis headers are read by NVorbis even when ffmpeg decodes: its length comes from the last page's granule
    /// position, exactly what ffmpeg decodes, and it is four times quicker than starting ffprobe. (NLayer's MP3
    /// duration is only an estimate without a Xing header, so MP3 follows the decoder choice.)
    /// </remarks>
    public static AudioInfo Probe(string path, DecoderOptions options) =>
        Attempt(path, forProbe: true, options, (route, kind) => route == Route.Ffmpeg
            ? FfprobeProber.Probe(path, kind.FormatName, options.SearchPath)
            : kind.Decoder switch
            {
                DecoderKind.Wav => WavSource.Probe(path),
                DecoderKind.Vorbis => VorbisSource.Probe(path),
                _ => Mp3Source.Probe(path),
            });

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
                // A well-formed file without audio is an answer; another decoder would only say the same.
                if (e.IsEmpty) throw;
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
