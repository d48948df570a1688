namespace EquiTempo.Audio;

/// <summary>
/// Which decoders a decoding call may use. <paramref name="PreferManaged"/> puts the managed Vorbis/MP3 decoders
/// before ffmpeg; <paramref name="SearchPath"/> is where external programs (ffmpeg, ffprobe) are looked up, in the
/// format of the PATH variable (null: the process's PATH). A call given no options uses <see cref="FromEnvironment"/>.
/// </summary>
public sealed record DecoderOptions(bool PreferManaged = false, string? SearchPath = null)
{
    /// <summary>Set to <c>managed</c> to use the managed decoders even when ffmpeg is installed.</summary>
    public const string DecodersVariable = "EQUITEMPO_AUDIO_DECODERS";

    /// <summary>The process's settings: <see cref="DecodersVariable"/> and the PATH, read at each call.</summary>
    public static DecoderOptions FromEnvironment() =>
        new(string.Equals(Environment.GetEnvironmentVariable(DecodersVariable), "managed", StringComparison.OrdinalIgnoreCase));
}
