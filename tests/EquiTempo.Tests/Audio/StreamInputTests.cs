using EquiTempo.Audio;
using EquiTempo.Inference;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Audio;

/// <summary>Audio read once from a stream that cannot seek gives what the same bytes give as a file.</summary>
[Collection(LibTorchRngCollection.Name)]
public sealed class StreamInputTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    /// <summary>What a pipe offers: reads, and nothing else.</summary>
    private sealed class PipeLike(Stream inner) : ReadOnceStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000)); // short reads, as a pipe gives
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }

    private static Stream Pipe(string path) => new PipeLike(File.OpenRead(path));

    [Theory]
    [InlineData(SampleType.S16, 1, 44100)]
    [InlineData(SampleType.S24, 3, 48000)]
    [InlineData(SampleType.F32, 2, 22050)]
    public void AWavStream_DecodesToTheFilesSamples(SampleType type, int channels, int rate)
    {
        string path = _dir.File("x.wav");
        AudioTestFiles.WriteWav(path, AudioTestFiles.MultiChannelSines(channels, rate, 3), channels, rate, type);
        var fromFile = AudioDecoder.ReadBlocks(path, 0.7, 22050).SelectMany(b => b).ToArray();
        var fromStream = AudioDecoder.ReadBlocks(Pipe(path), "x.wav", 0.7, 22050).SelectMany(b => b).ToArray();
        Assert.Equal(fromFile, fromStream);
    }

    [Fact]
    public void AVorbisStream_DecodesWithTheManagedDecoderToo()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "examples", "traveling_minstrels-excerpt.ogg");
        var managed = new DecoderOptions(PreferManaged: true);
        var fromStream = AudioDecoder.ReadBlocks(Pipe(path), "-", 5, 22050, decoders: managed).SelectMany(b => b).ToArray();
        var fromFile = AudioDecoder.ReadBlocks(path, 5, 22050, decoders: managed).SelectMany(b => b).ToArray();
        Assert.Equal(fromFile.Length, fromStream.Length);
        Assert.Equal(fromFile, fromStream);
    }

    [Fact]
    public void AWavStreamWithA1HzHeader_IsRefusedNamingTheStream()
    {
        string path = _dir.File("x.wav");
        AudioTestFiles.WriteWav(path, AudioTestFiles.Sine(440, 8000, 1), 1, 8000, SampleType.S16);
        var bytes = File.ReadAllBytes(path);
        int fmt = bytes.AsSpan().IndexOf("fmt "u8);
        BitConverter.TryWriteBytes(bytes.AsSpan(fmt + 12), 1); // the fmt chunk's sample rate
        var e = Assert.Throws<AudioFormatException>(() => AudioDecoder.ReadBlocks(new PipeLike(new MemoryStream(bytes)), "<stdin>", 1).ToList());
        Assert.Equal("<stdin>", e.FilePath);
        Assert.Contains("sample rate of 1 Hz", e.Message);
    }

    [Fact]
    public void TheStreamedLocalCurve_EqualsTheInMemoryOne()
    {
        using var est = new TempoEstimator(TestModels.Scaled(100, seed: 11), new EstimatorConfig { LocalHopSeconds = 3 });
        var x = TestSignals.ClickTrack(120, 40);
        string path = _dir.File("clicks.wav");
        WavWriter.WriteMono16(path, x, 44100);
        var decoded = AudioDecoder.DecodeMono(path, 44100);
        var inMemory = est.Estimate(decoded, localCurve: true);
        var streamed = est.Estimate(path, localCurve: true);
        var piped = est.Estimate(Pipe(path), "clicks", localCurve: true);
        Assert.True(inMemory.Curve!.Count >= 8);
        Assert.Equal(inMemory.Curve, streamed.Curve);
        Assert.Equal(inMemory.Curve, piped.Curve);
        Assert.Equal(inMemory.Bpm, streamed.Bpm);
        Assert.Equal(inMemory.Chunks, streamed.Chunks);
    }
}
