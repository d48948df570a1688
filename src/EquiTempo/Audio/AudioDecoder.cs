namespace EquiTempo.Audio;

/// <summary>
/// Entry point for reading audio files as mono float samples. WAV is read in managed code; Ogg Vorbis and MP3 go
/// through ffmpeg when it is on the PATH, else through the managed NVorbis/NLayer decoders (see
/// <see cref="AudioSourceFactory"/> for why ffmpeg comes first); Opus, FLAC, AAC/M4A, WMA, AIFF and anything else
/// need ffmpeg. Every problem with a file surfaces as an <see cref="AudioFormatException"/> naming the file.
/// </summary>
public static class AudioDecoder
{
    public const int DefaultSampleRate = 44100;

    private static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "wav", "wave", "ogg", "oga", "mp3", "opus", "flac", "m4a", "aac", "wma", "aiff", "aif",
    };

    /// <summary>Sample rate, channels, duration and codec from the header/metadata where the format allows.</summary>
    public static AudioInfo Probe(string path, DecoderOptions? decoders = null) => AudioSourceFactory.Probe(path, decoders ?? DecoderOptions.FromEnvironment());

    /// <summary>
    /// Decodes to mono (mean of the channels) at <paramref name="targetSampleRate"/>. With an excerpt
    /// [<paramref name="startSeconds"/>, +<paramref name="durationSeconds"/>) in the original file's time, the decoder
    /// seeks instead of decoding from the start where the format allows. An excerpt running past the end is
    /// shorter (empty if it starts past the end); a whole file without samples is an <see cref="AudioFormatException"/>.
    /// </summary>
    public static AudioBuffer DecodeMono(string path, int targetSampleRate = DefaultSampleRate, double startSeconds = 0, double? durationSeconds = null, CancellationToken ct = default, DecoderOptions? decoders = null)
    {
        ValidateRate(targetSampleRate);
        if (!double.IsFinite(startSeconds) || startSeconds < 0)
            throw new ArgumentOutOfRangeException(nameof(startSeconds), startSeconds, "Start must be a finite, non-negative number of seconds.");
        if (durationSeconds is { } d && (!double.IsFinite(d) || d <= 0))
            throw new ArgumentOutOfRangeException(nameof(durationSeconds), durationSeconds, "Duration must be a finite, positive number of seconds.");
        ct.ThrowIfCancellationRequested();

        // Margin past the excerpt so the resampler sees real audio, not zeros, around the last output sample.
        double? decodeSeconds = durationSeconds + 0.05;
        using var source = AudioSourceFactory.Open(path, startSeconds, decodeSeconds, decoders ?? DecoderOptions.FromEnvironment(), ct);
        int rate = source.SampleRate;
        float[]? native;
        if (durationSeconds is null && startSeconds == 0 && SegmentedDecoder.SegmentsFor(source) is >= 2 and int segments)
        {
            native = SegmentedDecoder.TryDecode(source, segments, ct);
            if (native is null)
            {
                // A join could not be verified and the first decoder is used up: one sequential pass with a fresh one.
                using var fresh = source.OpenIndependent()!;
                native = SegmentedDecoder.ReadFrames(fresh, long.MaxValue, fresh.RemainingFramesHint ?? 0, ct);
            }
        }
        else
        {
            long max = decodeSeconds is { } d2 ? (long)Math.Ceiling(d2 * rate) : long.MaxValue;
            native = SegmentedDecoder.ReadFrames(source, max, Math.Min(max, source.RemainingFramesHint ?? 1 << 20), ct);
        }
        ct.ThrowIfCancellationRequested();
        float[] samples = Resampler.Resample(native, rate, targetSampleRate);
        if (durationSeconds is { } dur)
        {
            long limit = (long)Math.Round(dur * targetSampleRate);
            if (samples.Length > limit) Array.Resize(ref samples, (int)limit);
        }
        if (samples.Length == 0 && startSeconds == 0) throw AudioFormatException.Empty(path);
        return new AudioBuffer(samples, targetSampleRate);
    }

    /// <summary>
    /// Streams the whole file as consecutive mono blocks of <paramref name="blockSeconds"/> at the target rate
    /// (the last one may be shorter). Memory stays bounded by the block size; the file is opened when enumeration
    /// starts and closed (an ffmpeg child killed) when the enumerator is disposed. A path naming a FIFO or
    /// <c>/dev/stdin</c> is read as a stream (see the overload taking a <see cref="Stream"/>); a FIFO that no
    /// process opens for writing within 5 s is an <see cref="AudioFormatException"/>, not a hang.
    /// </summary>
    public static IEnumerable<float[]> ReadBlocks(string path, double blockSeconds, int targetSampleRate = DefaultSampleRate, CancellationToken ct = default, DecoderOptions? decoders = null)
    {
        int blockSize = BlockSize(blockSeconds, targetSampleRate);
        // Check the path now so that a missing file fails at the call, not at some later enumeration.
        AudioInput.CheckPath(path);
        var options = decoders ?? DecoderOptions.FromEnvironment();
        return Blocks(path, () => AudioSourceFactory.Open(path, 0, null, options, ct), blockSize, targetSampleRate, ct);
    }

    /// <summary>
    /// Streams audio read once, front to back, from <paramref name="audio"/> (standard input, a pipe, a network
    /// stream: it is never seeked and its length never asked), in any format <see cref="ReadBlocks(string, double, int, CancellationToken, DecoderOptions?)"/>
    /// reads from a file: the first bytes say which, and are replayed to the decoder. <paramref name="name"/> names
    /// the audio in errors (and its extension breaks a tie, as a file's does). The stream is closed when enumeration ends.
    /// </summary>
    public static IEnumerable<float[]> ReadBlocks(Stream audio, string name, double blockSeconds, int targetSampleRate = DefaultSampleRate, CancellationToken ct = default, DecoderOptions? decoders = null)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentNullException.ThrowIfNull(name);
        int blockSize = BlockSize(blockSeconds, targetSampleRate);
        var options = decoders ?? DecoderOptions.FromEnvironment();
        return Blocks(name, () => AudioSourceFactory.OpenStream(audio, name, options, ct), blockSize, targetSampleRate, ct);
    }

    /// <summary>All of the audio read once from <paramref name="audio"/> (as <see cref="ReadBlocks(Stream, string, double, int, CancellationToken, DecoderOptions?)"/>),
    /// decoded into memory: for callers that need the samples more than once.</summary>
    public static AudioBuffer DecodeMono(Stream audio, string name, int targetSampleRate = DefaultSampleRate, CancellationToken ct = default, DecoderOptions? decoders = null) =>
        new(ReadBlocks(audio, name, 16, targetSampleRate, ct, decoders).SelectMany(b => b).ToArray(), targetSampleRate);

    private static int BlockSize(double blockSeconds, int targetSampleRate)
    {
        ValidateRate(targetSampleRate);
        if (!double.IsFinite(blockSeconds) || blockSeconds <= 0)
            throw new ArgumentOutOfRangeException(nameof(blockSeconds), blockSeconds, "Block length must be a finite, positive number of seconds.");
        double blockSamples = Math.Round(blockSeconds * targetSampleRate);
        if (blockSamples > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(blockSeconds), blockSeconds, "Block is too long for one array.");
        return Math.Max(1, (int)blockSamples);
    }

    private static IEnumerable<float[]> Blocks(string name, Func<AudioSource> open, int blockSize, int targetSampleRate, CancellationToken ct)
    {
        using var reader = new MonoReader(open(), targetSampleRate, ct);
        bool any = false;
        while (true)
        {
            var block = new float[blockSize];
            int n = reader.Read(block);
            if (n == 0) break;
            any = true;
            if (n < blockSize) Array.Resize(ref block, n);
            yield return block;
            if (n < blockSize) break;
        }
        if (!any) throw AudioFormatException.Empty(name);
    }

    /// <summary>True for the extensions this library can decode (wav wave ogg oga mp3 opus flac m4a aac wma aiff aif).</summary>
    public static bool IsAudioFileName(string path) =>
        !string.IsNullOrEmpty(path) && AudioExtensions.Contains(AudioFileInspector.Extension(path));

    /// <summary>Audio in video containers: ffmpeg reads their sound track, so folders are searched for them only
    /// where ffmpeg is installed (without it every one of them would be a decoding error).</summary>
    private static readonly string[] VideoContainerExtensions = ["mp4", "m4v", "mkv", "webm", "mov"];

    /// <summary>The extensions <see cref="FindAudioFiles"/> looks for in folders on this machine, sorted.</summary>
    public static IReadOnlyList<string> SearchedExtensions() =>
        AudioExtensions.Concat(ExternalToolLocator.Find("ffmpeg") is null ? [] : VideoContainerExtensions).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Expands the arguments into existing files: files are kept as given (whatever their extension, since they
    /// were named explicitly), directories are searched recursively for audio file names
    /// (<see cref="SearchedExtensions"/>: the audio formats, plus video containers where ffmpeg is installed).
    /// Missing paths are skipped. The result is sorted ordinally and free of duplicates.
    /// </summary>
    public static IEnumerable<string> FindAudioFiles(IEnumerable<string> filesOrDirectories)
    {
        ArgumentNullException.ThrowIfNull(filesOrDirectories);
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
        var searched = new HashSet<string>(SearchedExtensions(), StringComparer.OrdinalIgnoreCase);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string entry in filesOrDirectories)
        {
            if (string.IsNullOrEmpty(entry)) continue;
            if (File.Exists(entry))
            {
                found.Add(entry);
            }
            else if (Directory.Exists(entry))
            {
                foreach (string file in Directory.EnumerateFiles(entry, "*", options))
                    if (searched.Contains(AudioFileInspector.Extension(file))) found.Add(file);
            }
        }
        return found.ToList();
    }

    private static void ValidateRate(int targetSampleRate)
    {
        if (targetSampleRate is <= 0 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(targetSampleRate), targetSampleRate, "Target sample rate must be between 1 Hz and 1 MHz.");
    }
}
