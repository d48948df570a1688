using EquiTempo.Audio;
using Xunit.Abstractions;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

/// <summary>Noise and silence encodings: noise makes every join unambiguous, silence makes every join ambiguous.</summary>
public sealed class SegmentedAudioFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public SegmentedAudioFixture()
    {
        if (!HasFfmpeg) return;
        string[] noise = ["-f", "lavfi", "-i", "anoisesrc=duration=45:color=pink:sample_rate=44100:amplitude=0.3:seed=5", "-ac", "2"];
        NoiseOgg = Encode(_dir.File("noise.ogg"), [.. noise, "-c:a", "libvorbis"]);
        NoiseMp3 = Encode(_dir.File("noise.mp3"), [.. noise, "-c:a", "libmp3lame", "-b:a", "128k"]);
        SilenceOgg = Encode(_dir.File("silence.ogg"), "-f", "lavfi", "-i", "anullsrc=sample_rate=44100:channel_layout=stereo", "-t", "45", "-c:a", "libvorbis");
    }

    public string NoiseOgg { get; } = "";
    public string NoiseMp3 { get; } = "";
    public string SilenceOgg { get; } = "";

    public void Dispose() => _dir.Dispose();
}

public class SegmentedDecodingTests(SegmentedAudioFixture files, ITestOutputHelper output) : IClassFixture<SegmentedAudioFixture>
{
    private static AudioSource Open(string path) => path.EndsWith(".mp3") ? Mp3Source.Open(path) : VorbisSource.Open(path);

    private static float[] Sequential(string path)
    {
        using var source = Open(path);
        return SegmentedDecoder.ReadFrames(source, long.MaxValue, 0, CancellationToken.None);
    }

    [FfmpegTheory]
    [InlineData("ogg", 2)]
    [InlineData("ogg", 5)]
    [InlineData("mp3", 3)]
    public void StretchesJoinIntoTheSequentialDecode(string kind, int segments)
    {
        string path = kind == "ogg" ? files.NoiseOgg : files.NoiseMp3;
        float[]? joined;
        using (var first = Open(path)) joined = SegmentedDecoder.TryDecode(first, segments, CancellationToken.None);
        var expected = Sequential(path);
        Assert.NotNull(joined);
        Assert.Equal(expected.Length, joined.Length);
        float tolerance = kind == "ogg" ? 0 : 1e-4f;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - joined[i]));
        output.WriteLine($"{kind} in {segments}: largest difference {worst}");
        Assert.True(worst <= tolerance, $"largest difference {worst}");
    }

    [FfmpegFact]
    public void SilentJoinsAreNotGuessed()
    {
        using (var first = VorbisSource.Open(files.SilenceOgg))
            Assert.Null(SegmentedDecoder.TryDecode(first, 2, CancellationToken.None));
        // ... and the public call falls back to one sequential pass.
        var buffer = AudioDecoder.DecodeMono(files.SilenceOgg);
        Assert.Equal(45 * 44100, buffer.Samples.Length);
        Assert.All(buffer.Samples, v => Assert.Equal(0f, v));
    }

    [FfmpegFact]
    public void WholeFileDecodeEqualsStreamedBlocks()
    {
        // 45 s is long enough for DecodeMono to split the work on a multi-core machine; ReadBlocks never does.
        foreach (string path in new[] { files.NoiseOgg, files.NoiseMp3 })
        {
            var whole = AudioDecoder.DecodeMono(path, 22050).Samples;
            var streamed = AudioDecoder.ReadBlocks(path, 3, 22050).SelectMany(b => b).ToArray();
            Assert.Equal(streamed.Length, whole.Length);
            double worst = 0;
            for (int i = 0; i < whole.Length; i++) worst = Math.Max(worst, Math.Abs(whole[i] - streamed[i]));
            output.WriteLine($"{Path.GetFileName(path)}: largest difference {worst}");
            Assert.True(worst <= 1e-4, $"largest difference {worst}");
        }
    }
}
