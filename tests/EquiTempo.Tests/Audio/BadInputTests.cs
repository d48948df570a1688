using System.Diagnostics;
using EquiTempo.Audio;
using Xunit.Abstractions;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

/// <summary>Every kind of bad input must give an <see cref="AudioFormatException"/> naming the file, or a valid result: never a crash or a hang.</summary>
public class BadInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private AudioFormatException AssertFailsClearly(string path, Func<object> call)
    {
        var e = Assert.Throws<AudioFormatException>(() => call());
        output.WriteLine(e.Message);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    /// <summary>Decode, probe and stream all either fail with <see cref="AudioFormatException"/> or give finite audio, quickly.</summary>
    private void AssertErrorOrValid(string path)
    {
        var clock = Stopwatch.StartNew();
        foreach (var call in new Func<object>[] { () => AudioDecoder.DecodeMono(path), () => AudioDecoder.Probe(path), () => AudioDecoder.ReadBlocks(path, 1).ToList() })
        {
            try
            {
                var result = call();
                output.WriteLine($"{Path.GetFileName(path)}: valid result {result}");
                if (result is AudioBuffer b) Assert.All(b.Samples, v => Assert.True(float.IsFinite(v)));
                if (result is List<float[]> blocks) Assert.All(blocks.SelectMany(x => x), v => Assert.True(float.IsFinite(v)));
            }
            catch (AudioFormatException e)
            {
                output.WriteLine(e.Message);
                Assert.Equal(path, e.FilePath);
            }
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void MissingFile()
    {
        string path = _dir.File("nope.wav");
        Assert.Contains("file not found", AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path)).Message);
        AssertFailsClearly(path, () => AudioDecoder.Probe(path));
        AssertFailsClearly(path, () => AudioDecoder.ReadBlocks(path, 1)); // fails at the call, before enumeration
    }

    [Fact]
    public void DirectoryPath()
    {
        string path = Directory.CreateDirectory(_dir.File("folder.wav")).FullName;
        Assert.Contains("is a directory", AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path)).Message);
        AssertFailsClearly(path, () => AudioDecoder.Probe(path));
    }

    [Fact]
    public void ZeroByteFile()
    {
        foreach (string ext in new[] { "wav", "mp3", "ogg", "flac" })
        {
            string path = _dir.File("empty." + ext);
            File.WriteAllBytes(path, []);
            Assert.Contains("is empty", AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path)).Message);
            AssertFailsClearly(path, () => AudioDecoder.Probe(path));
        }
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("ogg")]
    [InlineData("flac")]
    public void TextFileWithAnAudioName(string ext)
    {
        string path = _dir.File("notes." + ext);
        File.WriteAllText(path, "These are my notes, not a song.\nLine two.\n");
        AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path));
        AssertFailsClearly(path, () => AudioDecoder.Probe(path));
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("mp3")]
    [InlineData("ogg")]
    [InlineData("opus")]
    [InlineData("m4a")]
    [InlineData("bin")]
    public void RandomBytes(string ext)
    {
        string path = _dir.File("noise." + ext);
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        AssertErrorOrValid(path);
    }

    [Theory]
    [InlineData("RIFF")]
    [InlineData("OggS")]
    [InlineData("ID3")]
    [InlineData("fLaC")]
    public void RandomBytesBehindAValidMagicNumber(string magic)
    {
        string path = _dir.File("fake-" + magic);
        var bytes = new byte[16 * 1024];
        new Random(7).NextBytes(bytes);
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(bytes, 0);
        if (magic == "RIFF") "WAVE"u8.CopyTo(bytes.AsSpan(8));
        File.WriteAllBytes(path, bytes);
        AssertErrorOrValid(path);
    }

    [Fact]
    public void WavWithAnUnsupportedEncodingIsExplainedOrDecoded()
    {
        // Format tag 2 (MS ADPCM) with nonsense data: only ffmpeg could try.
        string path = _dir.File("adpcm.wav");
        WriteWav(path, Sine(440, 8000, 0.1), 1, 8000, SampleType.S16);
        var bytes = File.ReadAllBytes(path);
        bytes[20] = 2;
        File.WriteAllBytes(path, bytes);
        AssertErrorOrValid(path);
    }

    [Fact]
    public void WavWithDataSizeZeroInFrontOfRealAudio()
    {
        // A recorder that crashed before fixing up its header: ffmpeg recovers the audio; without it, a clear error.
        string path = _dir.File("crashed.wav");
        var x = Sine(440, 8000, 0.5);
        WriteWav(path, x, 1, 8000, SampleType.S16, declaredDataBytes: 0);
        if (HasFfmpeg) Assert.Equal(x.Length, AudioDecoder.DecodeMono(path, 8000).Samples.Length);
        else AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path, 8000));
    }

    [NonRootFact]
    public void UnreadableFile()
    {
        string path = _dir.File("secret.wav");
        WavWriter.WriteMono16(path, new float[100], 8000);
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(path, UnixFileMode.None);
        Assert.Contains("permission denied", AssertFailsClearly(path, () => AudioDecoder.DecodeMono(path)).Message);
    }

    [Fact]
    public void NullPathIsAProgrammingError()
    {
        Assert.Throws<ArgumentNullException>(() => AudioDecoder.DecodeMono(null!));
    }
}
