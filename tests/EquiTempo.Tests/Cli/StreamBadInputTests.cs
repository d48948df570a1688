using System.Diagnostics;
using System.Globalization;
using System.Text;
using EquiTempo.Audio;
using EquiTempo.Tests.Audio;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>
/// `equitempo estimate` on standard input, FIFOs and files whose headers claim the absurd, run as a user runs it:
/// every bad input ends with exit 1 and one `error: NAME: problem` line on stderr, and nothing on stdout.
/// </summary>
public sealed class StreamBadInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-streams-{Guid.NewGuid():N}");
    public StreamBadInputTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private const string Stdin = "<stdin>";

    /// <summary>The program with <paramref name="stdin"/> on its standard input (empty when null, never the test host's).</summary>
    internal static (int Code, string Out, string Err, TimeSpan Took) Run(byte[]? stdin, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var dll = typeof(EquiTempo.Cli.Commands.EstimateCommand).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        try
        {
            if (stdin is not null) p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { } // the program stopped reading (it rejected the header): what some cases test
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("equitempo did not finish in 2 minutes"); }
        return (p.ExitCode, output.Result, err.Result, clock.Elapsed);
    }

    /// <summary>A 16-bit PCM WAV of clicks with the fmt fields given (wrong on purpose), as a test case writes them.</summary>
    private static byte[] Wav(int rate = 22050, int channels = 1, int bits = 16, int format = 1, int? blockAlign = null, int fmtSize = 16, bool dataFirst = false)
    {
        var samples = TestSignals.ClickTrack(120, 4, 22050);
        var data = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BitConverter.TryWriteBytes(data.AsSpan(2 * i), (short)(samples[i] * 30000));
        using var m = new MemoryStream();
        using var w = new BinaryWriter(m);
        void Fmt()
        {
            w.Write("fmt "u8); w.Write(fmtSize);
            w.Write((ushort)format); w.Write((ushort)channels); w.Write((uint)rate);
            int align = blockAlign ?? channels * ((bits + 7) / 8);
            w.Write((uint)(rate * align)); w.Write((ushort)align); w.Write((ushort)bits);
            w.Write(new byte[Math.Max(0, fmtSize - 16)]);
        }
        void Data() { w.Write("data"u8); w.Write(data.Length); w.Write(data); }
        w.Write("RIFF"u8); w.Write(0); w.Write("WAVE"u8);
        if (dataFirst) { Data(); Fmt(); } else { Fmt(); Data(); }
        w.Flush();
        var bytes = m.ToArray();
        BitConverter.TryWriteBytes(bytes.AsSpan(4), bytes.Length - 8);
        return bytes;
    }

    private static readonly Dictionary<string, Func<byte[]>> Inputs = new()
    {
        ["rate-1hz"] = () => Wav(rate: 1),
        ["rate-0"] = () => Wav(rate: 0),
        ["rate-4ghz"] = () => Wav(rate: unchecked((int)0xFFFFFFFF)),
        ["rate-2mhz"] = () => Wav(rate: 2_000_000),
        ["channels-0"] = () => Wav(channels: 0, blockAlign: 2),
        ["channels-65535"] = () => Wav(channels: 65535),
        ["channels-1000"] = () => Wav(channels: 1000, blockAlign: 2000),
        ["bits-0"] = () => Wav(bits: 0, blockAlign: 2),
        ["bits-65535"] = () => Wav(bits: 65535, blockAlign: 2),
        ["float-16bit"] = () => Wav(format: 3, bits: 16),
        ["blockalign-0"] = () => Wav(blockAlign: 0),
        ["blockalign-3"] = () => Wav(blockAlign: 3),
        ["fmt-100000-bytes"] = () => Wav(fmtSize: 100_000),
        ["data-before-fmt"] = () => Wav(dataFirst: true),
        ["cut-in-fmt"] = () => Wav()[..30],
        ["riff-only"] = () => Wav()[..12],
        ["zero-bytes"] = () => [],
        ["clicks"] = () => Wav(),
        ["text"] = () => Encoding.ASCII.GetBytes("this is not audio at all, just a line of text\n"),
    };

    public static TheoryData<string, string, string> Cases() => new()
    {
        // input, how it is given (file | stdin | dev-stdin | fifo), what the message says
        { "rate-1hz", "file", "claims a sample rate of 1 Hz (1000 to 768000 Hz are accepted)" },
        { "rate-0", "file", "claims a sample rate of 0 Hz" },
        { "rate-4ghz", "file", "claims a sample rate of 4294967295 Hz" },
        { "rate-2mhz", "file", "claims a sample rate of 2000000 Hz" },
        { "channels-0", "file", "claims 0 channels (1 to 64 are accepted)" },
        { "channels-65535", "file", "claims 65535 channels" },
        { "channels-1000", "file", "claims 1000 channels" },
        { "bits-0", "file", "0-bit PCM WAV samples are not supported" },
        { "bits-65535", "file", "65535-bit PCM WAV samples are not supported" },
        { "float-16bit", "file", "16-bit float WAV samples are not supported" },
        { "blockalign-0", "file", "block align 0 does not match 1 channel(s) of 16-bit samples" },
        { "blockalign-3", "file", "block align 3 does not match" },
        { "fmt-100000-bytes", "file", "has a fmt chunk of 100000 bytes" },
        { "data-before-fmt", "file", "has its data chunk before any fmt chunk" },
        { "cut-in-fmt", "file", "ends inside its fmt chunk (a cut-off WAV header)" },
        { "riff-only", "file", "ends before its fmt chunk" },
        { "zero-bytes", "file", "is empty (0 bytes)" },
        { "rate-1hz", "stdin", "claims a sample rate of 1 Hz" },
        { "channels-65535", "stdin", "claims 65535 channels" },
        { "cut-in-fmt", "stdin", "ends inside its fmt chunk" },
        { "zero-bytes", "stdin", "is empty (0 bytes)" },
        { "zero-bytes", "dev-stdin", "is empty (0 bytes)" },
        { "text", "stdin", "ffmpeg produced no audio" },
        { "rate-1hz", "fifo", "claims a sample rate of 1 Hz" },
        { "clicks", "stdin-twice", "given more than once: standard input can be read only once" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ABadInput_ExitsWithOne_AndNamesItAndTheProblemOnStderrOnly(string input, string via, string problem)
    {
        byte[] bytes = Inputs[input]();
        string path = Path.Combine(_dir, input + ".wav");
        (int Code, string Out, string Err, TimeSpan) result;
        string name;
        switch (via)
        {
            case "file":
                File.WriteAllBytes(path, bytes);
                result = Run(null, null, "estimate", path, "--method", "dsp");
                name = path;
                break;
            case "fifo":
                name = MakeFifo(path);
                var writer = StartWriter(path, bytes);
                result = Run(null, null, "estimate", path, "--method", "dsp");
                writer.Join(TimeSpan.FromSeconds(10));
                break;
            case "stdin-twice": // the first is estimated, the second refused
                result = Run(bytes, null, "estimate", "-", "-", "--method", "dsp");
                name = Stdin;
                break;
            default:
                result = Run(bytes, null, "estimate", via == "stdin" ? "-" : "/dev/stdin", "--method", "dsp");
                name = via == "stdin" ? Stdin : "/dev/stdin";
                break;
        }
        var (code, output, err, _) = result;
        Assert.True(code == 1, $"exit {code}; stderr: {err}");
        Assert.StartsWith($"error: {name}: ", err.Trim());
        Assert.Contains(problem, err);
        Assert.DoesNotContain("error", output);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void AFifoWithoutAWriter_FailsAfterTheBoundedWait_NamingIt()
    {
        string fifo = MakeFifo(Path.Combine(_dir, "nobody-writes.wav"));
        var (code, output, err, took) = Run(null, null, "estimate", fifo, "--method", "dsp");
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {fifo}: is a named pipe (FIFO) that no process opened for writing within 5 s", err.Trim());
        Assert.Equal("", output);
        Assert.True(took < TimeSpan.FromSeconds(60), $"took {took}"); // a hang would be stopped by Run's 2 minutes
    }

    [FfmpegFact] // to encode the MP3
    public void AnMp3OnStdinWithoutFfmpeg_SaysFfmpegIsNeeded()
    {
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 5, 22050), 22050);
        string mp3 = AudioTestFiles.Encode(Path.Combine(_dir, "clicks.mp3"), "-i", wav, "-c:a", "libmp3lame");
        var noFfmpeg = new Dictionary<string, string> { ["PATH"] = Path.Combine(_dir, "empty-path") };
        var (code, output, err, _) = Run(File.ReadAllBytes(mp3), noFfmpeg, "estimate", "-", "--method", "dsp");
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {Stdin}: an MP3 read from a stream needs ffmpeg", err.Trim());
        Assert.Equal("", output);
    }

    [SkippableFfmpegTheory]
    [InlineData("wav")]
    [InlineData("ogg")]
    [InlineData("mp3")]
    public void StdinAndDevStdin_GiveTheFilesTempo(string format)
    {
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 30, 44100), 44100);
        string file = format == "wav" ? wav
            : AudioTestFiles.Encode(Path.Combine(_dir, "clicks." + format), "-i", wav, "-c:a", format == "ogg" ? "libvorbis" : "libmp3lame");
        double fromFile = Bpm(Run(null, null, "estimate", file, "--method", "dsp", "-f", "tsv"));
        Assert.InRange(fromFile, 118, 122);
        byte[] bytes = File.ReadAllBytes(file);
        foreach (var arg in new[] { "-", "/dev/stdin" })
        {
            double piped = Bpm(Run(bytes, null, "estimate", arg, "--method", "dsp", "-f", "tsv"));
            // A piped MP3 keeps the encoder's padding that a file's LAME header lets ffmpeg trim: a few ms more audio.
            Assert.Equal(fromFile, piped, format == "mp3" ? fromFile * 0.005 : 1e-9);
        }
    }

    [Fact]
    public void StdinWithTheModel_GivesTheFilesEstimate_NamedStdin()
    {
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 20, 44100), 44100);
        var file = Run(null, null, "estimate", wav, "-f", "tsv");
        var piped = Run(File.ReadAllBytes(wav), null, "estimate", "-", "-f", "tsv");
        Assert.True(piped.Code == 0, piped.Err);
        var row = piped.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split('\t');
        Assert.Equal(Stdin, row[0]);
        Assert.Equal(file.Out.Split('\n')[1].Split('\t')[1..], row[1..]);
    }

    [Fact]
    public void StdinWithAPlotFolder_DrawsStdinPng()
    {
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 30, 22050), 22050);
        string plots = Path.Combine(_dir, "plots");
        var (code, _, err, _) = Run(File.ReadAllBytes(wav), null, "estimate", "-", "--method", "dsp", "--plot", plots);
        Assert.True(code == 0, err);
        Assert.True(new FileInfo(Path.Combine(plots, "stdin.png")).Length > 10_000);
    }

    [Fact]
    public void AFifoWithAWriter_IsReadAsAStream()
    {
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 30, 22050), 22050);
        double fromFile = Bpm(Run(null, null, "estimate", wav, "--method", "dsp", "-f", "tsv"));
        string fifo = MakeFifo(Path.Combine(_dir, "pipe.wav"));
        var writer = StartWriter(fifo, File.ReadAllBytes(wav));
        double fromFifo = Bpm(Run(null, null, "estimate", fifo, "--method", "dsp", "-f", "tsv"));
        Assert.True(writer.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(fromFile, fromFifo, 1e-9);
    }

    private static double Bpm((int Code, string Out, string Err, TimeSpan) run)
    {
        Assert.True(run.Code == 0, run.Err);
        return double.Parse(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split('\t')[1], CultureInfo.InvariantCulture);
    }

    internal static string MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", path) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return path;
    }

    /// <summary>Writes into a FIFO as a producer would (blocking until the reader opens it); a reader that stops early is fine.</summary>
    private static Thread StartWriter(string path, byte[] bytes)
    {
        var thread = new Thread(() =>
        {
            try
            {
                using var w = new FileStream(path, FileMode.Open, FileAccess.Write);
                w.Write(bytes);
            }
            catch (IOException) { }
        }) { IsBackground = true };
        thread.Start();
        return thread;
    }
}

/// <summary>A theory that needs ffmpeg (to encode its inputs); skipped with the reason otherwise.</summary>
internal sealed class SkippableFfmpegTheoryAttribute : TheoryAttribute
{
    public SkippableFfmpegTheoryAttribute()
    {
        if (!AudioTestFiles.HasFfmpeg) Skip = "ffmpeg/ffprobe not on the PATH: run tools/bootstrap.sh (Debian package `ffmpeg`)";
    }
}
