namespace EquiTempo.Audio;

/// <summary>
/// The sample rates and channel counts a decoder's header may claim. Outside them the header is taken as
/// corrupt rather than believed: a WAV claiming 1 Hz would otherwise read as a file 44,100 times as long as it
/// is (hours of resampling for a few seconds of bytes), and a claim of 65,535 channels would mix one frame from
/// 128 kB of bytes. Every decoder path (managed WAV, Vorbis and MP3, ffmpeg's output, ffprobe) checks them.
/// </summary>
internal static class AudioLimits
{
    /// <summary>Below 1 kHz there is no onset to hear (telephone audio, the lowest rate in use, is 8 kHz).</summary>
    public const int MinSampleRate = 1000;

    /// <summary>The highest rate audio hardware records (DXD and studio converters stop at 768 kHz).</summary>
    public const int MaxSampleRate = 768_000;

    /// <summary>The largest layouts in use: 7th-order ambisonics (64), ahead of 22.2 (24).</summary>
    public const int MaxChannels = 64;

    /// <summary>Why a header's <paramref name="sampleRate"/> and <paramref name="channels"/> cannot be believed, or null.</summary>
    public static string? Problem(long sampleRate, long channels) =>
        channels is < 1 or > MaxChannels ? $"the header claims {channels} channels (1 to {MaxChannels} are accepted)"
        : sampleRate is < MinSampleRate or > MaxSampleRate ? $"the header claims a sample rate of {sampleRate} Hz ({MinSampleRate} to {MaxSampleRate} Hz are accepted)"
        : null;

    /// <summary>Throws an <see cref="AudioFormatException"/> naming <paramref name="path"/> when the header cannot be believed.</summary>
    public static void Check(string path, long sampleRate, long channels)
    {
        if (Problem(sampleRate, channels) is { } problem) throw AudioFormatException.CorruptHeader(path, problem);
    }
}
