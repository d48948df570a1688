using EquiTempo.Audio;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

public class WavDecodingTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<SampleType, bool, int> Layouts()
    {
        var data = new TheoryData<SampleType, bool, int>();
        foreach (var type in Enum.GetValues<SampleType>())
            foreach (bool extensible in new[] { false, true })
                foreach (int channels in new[] { 1, 2, 6 })
                    data.Add(type, extensible, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void DecodesEverySampleLayoutToTheMeanOfItsChannels(SampleType type, bool extensible, int channels)
    {
        const int rate = 22050;
        var interleaved = MultiChannelSines(channels, rate, 0.25);
        string path = _dir.File($"{type}-{extensible}-{channels}.wav");
        WriteWav(path, interleaved, channels, rate, type, extensible);

        var buffer = AudioDecoder.DecodeMono(path, rate);

        var expected = MeanOfChannels(interleaved, channels);
        Assert.Equal(rate, buffer.SampleRate);
        Assert.Equal(expected.Length, buffer.Samples.Length);
        double tolerance = Tolerance(type) * 1.01 + 1e-7;
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - buffer.Samples[i]) <= tolerance, $"sample {i}: {buffer.Samples[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void OneToEightChannelsAreAveraged(int channels)
    {
        // Constant channel values 0.1, 0.2, ... make the mean easy to state.
        const int frames = 1000;
        var x = new float[frames * channels];
        for (int i = 0; i < x.Length; i++) x[i] = 0.1f * (i % channels + 1);
        string path = _dir.File($"ch{channels}.wav");
        WriteWav(path, x, channels, 8000, SampleType.F32, extensible: channels > 2);
        var mono = AudioDecoder.DecodeMono(path, 8000).Samples;
        float mean = 0.1f * (channels + 1) / 2;
        Assert.Equal(frames, mono.Length);
        Assert.All(mono, v => Assert.Equal(mean, v, 1e-6f));
        Assert.Equal(channels, AudioDecoder.Probe(path).Channels);
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(11025)]
    [InlineData(44100)]
    [InlineData(96000)]
    [InlineData(192000)]
    public void AnyRateDecodesAndResamplesTo44k1(int rate)
    {
        string path = _dir.File($"r{rate}.wav");
        WriteWav(path, Sine(1000, rate, 1), 1, rate, SampleType.S16);
        var info = AudioDecoder.Probe(path);
        Assert.Equal(rate, info.SampleRate);
        Assert.Equal(1.0, info.DurationSeconds, 6);

        var buffer = AudioDecoder.DecodeMono(path);
        Assert.Equal(44100, buffer.SampleRate);
        Assert.Equal(44100, buffer.Samples.Length);
        Assert.InRange(Db(ToneAmplitude(buffer.Samples, 1000, 44100) / 0.5), -0.1, 0.1);
    }

    [Fact]
    public void ProbeReadsTheHeader()
    {
        string path = _dir.File("probe.wav");
        WriteWav(path, MultiChannelSines(2, 48000, 1.5), 2, 48000, SampleType.S24);
        var info = AudioDecoder.Probe(path);
        Assert.Equal(new AudioInfo(path, 48000, 2, 1.5, "wav"), info);
    }

    [Fact]
    public void TruncatedDataChunkDecodesWhatIsThere()
    {
        // The header promises 2 s but the file holds 0.5 s (a cut-off copy): the 0.5 s are the result.
        string path = _dir.File("truncated.wav");
        var x = Sine(440, 16000, 2);
        WriteWav(path, x, 1, 16000, SampleType.S16, declaredDataBytes: (uint)(x.Length * 2), writeFrames: 8000);
        var mono = AudioDecoder.DecodeMono(path, 16000).Samples;
        Assert.Equal(8000, mono.Length);
        for (int i = 0; i < mono.Length; i++) Assert.Equal(x[i], mono[i], 1e-4f);
    }

    [Fact]
    public void TruncationInsideAFrameDropsThePartialFrame()
    {
        string path = _dir.File("midframe.wav");
        var x = MultiChannelSines(3, 8000, 0.1);
        WriteWav(path, x, 3, 8000, SampleType.S24, declaredDataBytes: 1_000_000);
        // Cut two bytes into the last frame.
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length - 7);
        var mono = AudioDecoder.DecodeMono(path, 8000).Samples;
        Assert.Equal(x.Length / 3 - 1, mono.Length);
    }

    [Fact]
    public void NanAndInfinityBecomeZero()
    {
        var x = Sine(440, 8000, 0.1);
        x[10] = float.NaN;
        x[20] = float.PositiveInfinity;
        x[30] = float.NegativeInfinity;
        x[40] = float.MaxValue; // finite, kept
        string path = _dir.File("nan.wav");
        WavWriter.WriteFloat(path, x, 8000, 1);
        var mono = AudioDecoder.DecodeMono(path, 8000).Samples;
        Assert.All(mono, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, mono[10]);
        Assert.Equal(0f, mono[20]);
        Assert.Equal(0f, mono[30]);
        Assert.Equal(x[11], mono[11]);

        // Resampling must not smear a NaN over the neighbourhood either.
        Assert.All(AudioDecoder.DecodeMono(path, 44100).Samples, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void NanInOneChannelLeavesTheOthers()
    {
        var x = new float[] { float.NaN, 0.5f, 0.25f, 0.25f };
        string path = _dir.File("nan2.wav");
        WavWriter.WriteFloat(path, x, 8000, 2);
        Assert.Equal([0.25f, 0.25f], AudioDecoder.DecodeMono(path, 8000).Samples);
    }

    [Fact]
    public void SilenceIsAValidResult()
    {
        string path = _dir.File("silence.wav");
        WavWriter.WriteMono16(path, new float[44100], 44100);
        var buffer = AudioDecoder.DecodeMono(path);
        Assert.Equal(44100, buffer.Samples.Length);
        Assert.All(buffer.Samples, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void HeaderOnlyWavHasNoSamples()
    {
        string path = _dir.File("empty-data.wav");
        WriteWav(path, [], 1, 44100, SampleType.S16);
        var e = Assert.Throws<AudioFormatException>(() => AudioDecoder.DecodeMono(path));
        Assert.Contains("contains no audio samples", e.Message);
        Assert.StartsWith(path, e.Message);
        Assert.Equal(path, e.FilePath);
        Assert.Contains("contains no audio samples", Assert.Throws<AudioFormatException>(() => AudioDecoder.Probe(path)).Message);
        Assert.Contains("contains no audio samples", Assert.Throws<AudioFormatException>(() => AudioDecoder.ReadBlocks(path, 1).ToList()).Message);
    }

    [Fact]
    public void ExcerptIsTheSameSamplesAsTheWholeFile()
    {
        string path = _dir.File("excerpt.wav");
        WriteWav(path, MultiChannelSines(2, 16000, 3), 2, 16000, SampleType.S16);
        var whole = AudioDecoder.DecodeMono(path, 16000).Samples;
        var part = AudioDecoder.DecodeMono(path, 16000, startSeconds: 1.25, durationSeconds: 0.5).Samples;
        Assert.Equal(whole.AsSpan(20000, 8000).ToArray(), part);
    }

    [Fact]
    public void ExcerptTimesAreInTheOriginalFilesTime()
    {
        // 48 kHz file, excerpt resampled to 44.1 kHz: a tone burst at 2.0-2.5 s must show up 1.0 s into an excerpt from 1.0 s.
        const int rate = 48000;
        var x = new float[rate * 4];
        var burst = Sine(1000, rate, 0.5);
        burst.CopyTo(x, 2 * rate);
        string path = _dir.File("burst.wav");
        WriteWav(path, x, 1, rate, SampleType.F32);
        var part = AudioDecoder.DecodeMono(path, 44100, startSeconds: 1.0, durationSeconds: 2.0).Samples;
        Assert.Equal(88200, part.Length);
        int onset = Array.FindIndex(part, v => Math.Abs(v) > 0.1);
        Assert.InRange(onset, 44100 - 20, 44100 + 20);
    }

    [Fact]
    public void ExcerptPastTheEndIsShortOrEmpty()
    {
        string path = _dir.File("short.wav");
        WavWriter.WriteMono16(path, Sine(440, 8000, 1), 8000);
        Assert.Equal(4000, AudioDecoder.DecodeMono(path, 8000, 0.5, 10).Samples.Length);
        Assert.Empty(AudioDecoder.DecodeMono(path, 8000, 5, 1).Samples);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        string path = _dir.File("args.wav");
        WavWriter.WriteMono16(path, new float[100], 8000);
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.DecodeMono(path, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.DecodeMono(path, 8000, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.DecodeMono(path, 8000, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.DecodeMono(path, 8000, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.ReadBlocks(path, 0));
    }

    [Fact]
    public void CancelledTokenStopsDecoding()
    {
        string path = _dir.File("cancel.wav");
        WavWriter.WriteMono16(path, new float[8000], 8000);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => AudioDecoder.DecodeMono(path, ct: cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => AudioDecoder.ReadBlocks(path, 0.1, ct: cts.Token).ToList());
    }

    [Fact]
    public void WavWriterRoundTrips()
    {
        var x = Sine(440, 8000, 0.2);
        string mono16 = _dir.File("w16.wav"), stereoFloat = _dir.File("wf.wav");
        WavWriter.WriteMono16(mono16, x, 8000);
        var back = AudioDecoder.DecodeMono(mono16, 8000).Samples;
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i], back[i], 1.0f / 16384);

        var stereo = x.SelectMany(v => new[] { v, -v / 2 }).ToArray();
        WavWriter.WriteFloat(stereoFloat, stereo, 8000, 2);
        Assert.Equal(new AudioInfo(stereoFloat, 8000, 2, 0.2, "wav"), AudioDecoder.Probe(stereoFloat) with { DurationSeconds = Math.Round(AudioDecoder.Probe(stereoFloat).DurationSeconds, 9) });
        back = AudioDecoder.DecodeMono(stereoFloat, 8000).Samples;
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] / 4, back[i], 1e-7f);
    }
}
