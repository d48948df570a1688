using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

/// <summary>
/// Compressed test files made once per test class with ffmpeg: 4 s of a 440 Hz tone in the left channel and
/// 1 kHz in the right (ffmpeg's sine source, amplitude 1/8), so a correct mean downmix has both at 1/16.
/// Empty when ffmpeg is missing; the tests that use it are then skipped.
/// </summary>
public sealed class CompressedAudioFixture : IDisposable
{
    public const double Seconds = 4;
    public const double ToneAmplitudeAfterDownmix = 1.0 / 16;

    private readonly TempDir _dir = new();

    public CompressedAudioFixture()
    {
        if (!HasFfmpeg) return;
        string[] stereo44 = ["-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={Seconds}",
            "-f", "lavfi", "-i", $"sine=frequency=1000:sample_rate=44100:duration={Seconds}",
            "-filter_complex", "[0:a][1:a]amerge=inputs=2[a]", "-map", "[a]"];
        Ogg = Encode(_dir.File("tone.ogg"), [.. stereo44, "-c:a", "libvorbis", "-q:a", "5"]);
        Mp3 = Encode(_dir.File("tone.mp3"), [.. stereo44, "-c:a", "libmp3lame", "-b:a", "192k"]);
        Opus = Encode(_dir.File("tone.opus"), [.. stereo44, "-c:a", "libopus", "-b:a", "128k"]);
        Flac = Encode(_dir.File("tone.flac"), [.. stereo44, "-c:a", "flac"]);
        M4a = Encode(_dir.File("tone.m4a"), [.. stereo44, "-c:a", "aac", "-b:a", "192k"]);
        Ogg48 = EncodeSine(_dir.File("tone48.ogg"), 440, Seconds, 48000, 1, "-c:a", "libvorbis");
        Mp3Mono22 = EncodeSine(_dir.File("tone22.mp3"), 440, Seconds, 22050, 1, "-c:a", "libmp3lame");
        OggTruncated = Truncate(Ogg, _dir.File("cut.ogg"), 0.5);
        Mp3Truncated = Truncate(Mp3, _dir.File("cut.mp3"), 0.5);
        LongOpus = EncodeSine(_dir.File("long.opus"), 440, 120, 48000, 1, "-c:a", "libopus", "-b:a", "24k");
    }

    public string Ogg { get; } = "";
    public string Mp3 { get; } = "";
    public string Opus { get; } = "";
    public string Flac { get; } = "";
    public string M4a { get; } = "";
    public string Ogg48 { get; } = "";
    public string Mp3Mono22 { get; } = "";
    public string OggTruncated { get; } = "";
    public string Mp3Truncated { get; } = "";
    public string LongOpus { get; } = "";

    public string NewFile(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}
