using EquiTempo.Audio;
using Xunit.Abstractions;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

public class CompressedDecodingTests(CompressedAudioFixture files, ITestOutputHelper output) : IClassFixture<CompressedAudioFixture>
{
    private string Pick(string name) => name switch
    {
        "ogg" => files.Ogg, "mp3" => files.Mp3, "opus" => files.Opus, "flac" => files.Flac, "m4a" => files.M4a,
        _ => throw new ArgumentException(name),
    };

    [FfmpegFact]
    public void EveryFormatDecodesToTheMeanOfBothChannels()
    {
        foreach (string name in new[] { "ogg", "mp3", "opus", "flac", "m4a" })
        {
            var buffer = AudioDecoder.DecodeMono(Pick(name));
            double a440 = ToneAmplitude(buffer.Samples, 440, 44100), a1k = ToneAmplitude(buffer.Samples, 1000, 44100);
            output.WriteLine($"{name}: {buffer.DurationSeconds:F4} s, 440 Hz {Db(a440 / CompressedAudioFixture.ToneAmplitudeAfterDownmix):F2} dB, 1 kHz {Db(a1k / CompressedAudioFixture.ToneAmplitudeAfterDownmix):F2} dB");
            Assert.Equal(44100, buffer.SampleRate);
            // MP3 via NLayer keeps the encoder delay and padding (~50 ms in all).
            Assert.InRange(buffer.DurationSeconds, CompressedAudioFixture.Seconds - 0.01, CompressedAudioFixture.Seconds + 0.1);
            Assert.InRange(Db(a440 / CompressedAudioFixture.ToneAmplitudeAfterDownmix), -0.5, 0.5);
            Assert.InRange(Db(a1k / CompressedAudioFixture.ToneAmplitudeAfterDownmix), -0.5, 0.5);
            Assert.All(buffer.Samples, v => Assert.True(float.IsFinite(v)));
        }
    }

    [FfmpegFact]
    public void ManagedDecodersAgreeWithFfmpeg()
    {
        foreach (string path in new[] { files.Ogg, files.Mp3 })
        {
            var viaFfmpeg = AudioDecoder.DecodeMono(path).Samples;
            float[] managed = AudioDecoder.DecodeMono(path, decoders: new DecoderOptions(PreferManaged: true)).Samples;
            // NLayer keeps the 1105-sample LAME encoder delay that ffmpeg trims.
            int delay = path == files.Mp3 ? 1105 : 0;
            var (lag, error) = Align(managed, viaFfmpeg.AsSpan(22050, 8192).ToArray(), 22050 + delay, 2000);
            output.WriteLine($"{Path.GetFileName(path)}: managed {managed.Length}, ffmpeg {viaFfmpeg.Length}, lag {lag}, relative error {error:G3}");
            Assert.Equal(0, lag);
            Assert.True(error < 1e-3, $"relative error {error}");
        }
    }

    [FfmpegFact]
    public void ProbeReportsCodecRateChannelsAndDuration()
    {
        foreach (var (name, codec) in new[] { ("ogg", "vorbis"), ("mp3", "mp3"), ("opus", "opus"), ("flac", "flac"), ("m4a", "aac") })
        {
            var info = AudioDecoder.Probe(Pick(name));
            output.WriteLine(info.ToString());
            Assert.Equal(codec, info.Format);
            Assert.Equal(name == "opus" ? 48000 : 44100, info.SampleRate);
            Assert.Equal(2, info.Channels);
            Assert.InRange(info.DurationSeconds, CompressedAudioFixture.Seconds - 0.01, CompressedAudioFixture.Seconds + 0.1);
        }
    }

    [FfmpegFact]
    public void OtherRatesAreResampled()
    {
        var ogg = AudioDecoder.DecodeMono(files.Ogg48, 44100);
        Assert.Equal(CompressedAudioFixture.Seconds * 44100, ogg.Samples.Length, 1.0);
        Assert.InRange(Db(ToneAmplitude(ogg.Samples, 440, 44100) / 0.125), -0.5, 0.5);

        var mp3 = AudioDecoder.DecodeMono(files.Mp3Mono22, 16000);
        Assert.Equal(16000, mp3.SampleRate);
        Assert.InRange(mp3.DurationSeconds, CompressedAudioFixture.Seconds - 0.01, CompressedAudioFixture.Seconds + 0.15);
        Assert.InRange(Db(ToneAmplitude(mp3.Samples, 440, 16000) / 0.125), -0.5, 0.5);
    }

    /// <summary>Offset (in samples) at which the excerpt best matches the whole-file decode, and the residual there.</summary>
    private static (int Lag, double RelativeError) Align(float[] whole, float[] part, int expectedStart, int maxLag)
    {
        int bestLag = 0;
        double best = double.MaxValue, energy = 0;
        int n = Math.Min(part.Length, 4096);
        for (int i = 0; i < n; i++) energy += (double)part[i] * part[i];
        for (int lag = -maxLag; lag <= maxLag; lag++)
        {
            int s = expectedStart + lag;
            if (s < 0 || s + n > whole.Length) continue;
            double e = 0;
            for (int i = 0; i < n && e < best; i++) e += Math.Pow(part[i] - whole[s + i], 2);
            if (e < best) (best, bestLag) = (e, lag);
        }
        return (bestLag, Math.Sqrt(best / energy));
    }

    [FfmpegTheory]
    [InlineData("ogg", false, 0)]
    [InlineData("mp3", false, 0)]
    [InlineData("opus", false, 0)]
    [InlineData("flac", false, 0)]
    [InlineData("ogg", true, 448)]   // NVorbis 0.10.5 seeks can land up to 448 samples off (see VorbisSource)
    [InlineData("mp3", true, 0)]
    public void ExcerptMatchesTheSameStretchOfTheWholeFile(string name, bool managed, int allowedLag)
    {
        var decoders = new DecoderOptions(PreferManaged: managed);
        string path = Pick(name);
        var whole = AudioDecoder.DecodeMono(path, decoders: decoders).Samples;
        foreach (double start in new[] { 0.3, 1.5, 2.25 })
        {
            var part = AudioDecoder.DecodeMono(path, 44100, startSeconds: start, durationSeconds: 1.0, decoders: decoders).Samples;
            Assert.Equal(44100, part.Length);
            var (lag, error) = Align(whole, part, (int)Math.Round(start * 44100), 2000);
            output.WriteLine($"{name} ({(managed ? "managed" : "ffmpeg")}) from {start} s: lag {lag}, relative error {error:G3}");
            Assert.InRange(Math.Abs(lag), 0, Math.Max(allowedLag, 1)); // ffmpeg rounds half-sample positions up
            Assert.True(error < 0.01, $"relative error {error}");
        }
    }

    [FfmpegTheory]
    [InlineData("ogg")]
    [InlineData("mp3")]
    public void TruncatedFileDecodesWhatIsThere(string name)
    {
        // Half the bytes is not half the time (headers, and a pure tone compresses very well): the check is that
        // what comes out is a real prefix of the complete file's audio.
        string path = name == "ogg" ? files.OggTruncated : files.Mp3Truncated;
        try
        {
            var buffer = AudioDecoder.DecodeMono(path);
            output.WriteLine($"{name} cut at half: {buffer.DurationSeconds:F3} s");
            Assert.InRange(buffer.DurationSeconds, 0.2, 0.75 * CompressedAudioFixture.Seconds);
            var whole = AudioDecoder.DecodeMono(name == "ogg" ? files.Ogg : files.Mp3).Samples;
            for (int i = 0; i < buffer.Samples.Length - 4096; i++) Assert.Equal(whole[i], buffer.Samples[i], 1e-4f);
        }
        catch (AudioFormatException e)
        {
            output.WriteLine(e.Message);
            Assert.Equal(path, e.FilePath);
        }
        // Probe may report the header's duration, but must not fail in any other way.
        try { output.WriteLine(AudioDecoder.Probe(path).ToString()); } catch (AudioFormatException) { }
    }

    [FfmpegFact]
    public void BlocksConcatenateToTheWholeDecode()
    {
        foreach (string path in new[] { files.Ogg, files.Mp3, files.Opus })
        {
            var whole = AudioDecoder.DecodeMono(path, 22050).Samples;
            var blocks = AudioDecoder.ReadBlocks(path, 0.37, 22050).ToList();
            Assert.All(blocks.SkipLast(1), b => Assert.Equal(8158, b.Length)); // round(0.37 * 22050 = 8158.5), to even
            Assert.InRange(blocks[^1].Length, 1, 8158);
            Assert.Equal(whole, blocks.SelectMany(b => b).ToArray());
        }
    }

    [FfmpegFact]
    public void AbandonedBlockStreamStopsFfmpeg()
    {
        if (!Directory.Exists("/proc")) return; // the check below reads Linux's process table
        using (var e = AudioDecoder.ReadBlocks(files.LongOpus, 1.0).GetEnumerator())
        {
            Assert.True(e.MoveNext());
            Assert.Single(FfmpegProcessesFor(files.LongOpus));
        }
        Assert.True(SpinWait.SpinUntil(() => FfmpegProcessesFor(files.LongOpus).Count == 0, 5000), "ffmpeg still running after the enumerator was disposed");
    }

    [FfmpegFact]
    public void CancellationStopsAnFfmpegStream()
    {
        if (!Directory.Exists("/proc")) return;
        using var cts = new CancellationTokenSource();
        var blocks = AudioDecoder.ReadBlocks(files.LongOpus, 1.0, ct: cts.Token);
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in blocks) cts.Cancel();
        });
        Assert.True(SpinWait.SpinUntil(() => FfmpegProcessesFor(files.LongOpus).Count == 0, 5000), "ffmpeg still running after cancellation");
    }

    /// <summary>Running ffmpeg processes whose command line names <paramref name="path"/> (Linux /proc).</summary>
    private static List<int> FfmpegProcessesFor(string path)
    {
        var found = new List<int>();
        if (!Directory.Exists("/proc")) return found;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string cmd = File.ReadAllText(System.IO.Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                string stat = File.ReadAllText(System.IO.Path.Combine(dir, "stat"));
                bool zombie = stat.Length > stat.LastIndexOf(')') + 2 && stat[stat.LastIndexOf(')') + 2] == 'Z';
                if (!zombie && cmd.Contains("ffmpeg") && cmd.Contains(path)) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    [FfmpegFact]
    public void FileNamesFfmpegCouldMisreadStillWork()
    {
        using var dir = new TempDir();
        foreach (string name in new[] { "-i.opus", "http:x.flac", "spaced name ünïcödé.m4a" })
        {
            string source = name.EndsWith(".opus") ? files.Opus : name.EndsWith(".flac") ? files.Flac : files.M4a;
            string path = dir.File(name);
            File.Copy(source, path);
            Assert.InRange(AudioDecoder.Probe(path).DurationSeconds, CompressedAudioFixture.Seconds - 0.01, CompressedAudioFixture.Seconds + 0.1);
            Assert.InRange(AudioDecoder.DecodeMono(path).DurationSeconds, CompressedAudioFixture.Seconds - 0.01, CompressedAudioFixture.Seconds + 0.1);
        }
    }

    [Fact]
    public void MissingFfmpegIsExplained()
    {
        using var dir = new TempDir();
        string flac = dir.File("fake.flac");
        File.WriteAllBytes(flac, [.. "fLaC"u8, .. new byte[100]]);
        string wav = dir.File("ok.wav");
        WavWriter.WriteMono16(wav, Sine(440, 8000, 0.1), 8000);

        var noFfmpeg = new DecoderOptions(SearchPath: dir.Path); // no ffmpeg in there
        foreach (var call in new Action[] { () => AudioDecoder.DecodeMono(flac, decoders: noFfmpeg), () => AudioDecoder.Probe(flac, noFfmpeg), () => AudioDecoder.ReadBlocks(flac, 1, decoders: noFfmpeg).ToList() })
        {
            var e = Assert.Throws<AudioFormatException>(call);
            output.WriteLine(e.Message);
            Assert.Equal(flac, e.FilePath);
            Assert.Contains("format flac needs ff", e.Message);
            Assert.Contains("(Debian package `ffmpeg`), which is not on the PATH", e.Message);
        }
        // Managed formats do not need it.
        Assert.Equal(800, AudioDecoder.DecodeMono(wav, 8000, decoders: noFfmpeg).Samples.Length);
    }

    [FfmpegFact]
    public void ManagedFormatsWorkWithoutFfmpeg()
    {
        using var dir = new TempDir();
        var noFfmpeg = new DecoderOptions(SearchPath: dir.Path);
        Assert.Equal(CompressedAudioFixture.Seconds, AudioDecoder.DecodeMono(files.Ogg, decoders: noFfmpeg).DurationSeconds, 2);
        Assert.InRange(AudioDecoder.DecodeMono(files.Mp3, decoders: noFfmpeg).DurationSeconds, CompressedAudioFixture.Seconds, CompressedAudioFixture.Seconds + 0.1);
        Assert.Equal("vorbis", AudioDecoder.Probe(files.Ogg, noFfmpeg).Format);
        Assert.Contains("needs ffmpeg", Assert.Throws<AudioFormatException>(() => AudioDecoder.DecodeMono(files.Opus, decoders: noFfmpeg)).Message);
    }
}

/// <summary>A theory that needs ffmpeg/ffprobe on the PATH; skipped with the reason otherwise.</summary>
internal sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute()
    {
        if (!HasFfmpeg) Skip = "ffmpeg/ffprobe not on the PATH: run tools/bootstrap.sh (Debian package `ffmpeg`)";
    }
}
