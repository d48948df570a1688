using System.Diagnostics;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>`estimate`'s output as scripts and people read it: order, streams, formats, -o, --files-from, plots.</summary>
public class EstimateOutputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-estout-{Guid.NewGuid():N}");
    public EstimateOutputTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string Clicks(string relative, double bpm, double seconds = 8)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        WavWriter.WriteMono16(path, TestSignals.ClickTrack(bpm, seconds), 44100);
        return path;
    }

    /// <summary>Whether <paramref name="bpm"/> is <paramref name="expected"/> up to a metrical level (Acc2): these tests
    /// check which result belongs to which file, not the method's accuracy.</summary>
    private static bool SameTempoUpToOctave(double bpm, double expected) =>
        new[] { 1, 2, 0.5, 3, 1 / 3.0 }.Any(k => Math.Abs(bpm / (expected * k) - 1) < 0.04);

    /// <summary>The program with extra environment variables and, if given, text on its standard input.</summary>
    private static Process Start(IReadOnlyDictionary<string, string>? env, bool redirectStdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectStdin, UseShellExecute = false,
        };
        psi.ArgumentList.Add(typeof(EquiTempo.Cli.Commands.EstimateCommand).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    private static (int Code, string Out, string Err) RunWith(IReadOnlyDictionary<string, string>? env, string? stdin, params string[] args)
    {
        using var p = Start(env, stdin is not null, args);
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Json_ListsEveryInputInOrder_WithFailedOnesAsErrorObjectsInPlace()
    {
        var a = Clicks("a.wav", 100);
        var bad = Path.Combine(_dir, "bad.wav");
        File.WriteAllText(bad, "RIFF but not really");
        var missing = Path.Combine(_dir, "missing.wav");
        var b = Clicks("b.wav", 140);
        var c = Clicks("c.wav", 90);
        var (code, output, err) = CliTests.Run("estimate", a, bad, missing, b, c, "--method", "dsp", "--format", "json");
        Assert.Equal(1, code);
        var objects = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(new[] { a, bad, missing, b, c }, objects.Select(o => o.GetProperty("file").GetString()));
        Assert.Equal(new[] { false, true, true, false, false }, objects.Select(o => o.TryGetProperty("error", out _)));
        Assert.Contains("no such file", objects[2].GetProperty("error").GetString());
        Assert.True(SameTempoUpToOctave(objects[3].GetProperty("bpm").GetDouble(), 140));
        Assert.True(objects[0].TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Null, "the dsp method has no model");
        // stderr is not a terminal here: the two errors and no progress display.
        Assert.Equal(new[] { $"error: {bad}:", $"error: {missing}:" }, Lines(err).Select(l => l[..(l.IndexOf(':', 7) + 1)]));
    }

    [Fact]
    public void Json_OfTheModel_CarriesTheModelNameVersionAndChunkCount()
    {
        var a = Clicks("a.wav", 120, 30);
        var (code, output, err) = CliTests.Run("estimate", a, "--format", "json", "--min-bpm", "60", "--max-bpm", "200", "--silence-db", "-60");
        Assert.True(code == 0, err);
        var o = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal("equitempo-default", o.GetProperty("model").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", o.GetProperty("model_version").GetString());
        Assert.True(o.GetProperty("chunks").GetInt32() >= 2);   // 30 s holds at least two 13.6 s chunks
        Assert.Equal("", err);
    }

    [Fact]
    public void Results_AreWrittenAsTheyCome_SoAKilledRunKeepsTheFinishedFiles()
    {
        var a = Clicks("a.wav", 100);
        var b = Clicks("b.wav", 140);
        // A FIFO nobody writes to never finishes: the run is still going when the first two results must be out.
        var fifo = Path.Combine(_dir, "never.wav");
        using (var mk = Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        using var p = Start(null, false, "estimate", a, b, fifo, "--method", "dsp", "--format", "json");
        var first = p.StandardOutput.ReadLine();
        var second = p.StandardOutput.ReadLine();
        p.Kill(entireProcessTree: true);
        p.WaitForExit();
        Assert.Equal(a, JsonDocument.Parse(first!).RootElement.GetProperty("file").GetString());
        Assert.Equal(b, JsonDocument.Parse(second!).RootElement.GetProperty("file").GetString());
    }

    [SigIntFact]
    public async Task CtrlC_StopsTheRun_WithEveryResultWrittenSoFarComplete_AndSaysHowFarItGot()
    {
        // 200 names for one 30 s track (hard links): far more work than the moments before the signal.
        var track = Clicks("track.wav", 120, 30);
        var folder = Path.Combine(_dir, "many");
        Directory.CreateDirectory(folder);
        for (int i = 0; i < 200; i++) File.CreateSymbolicLink(Path.Combine(folder, $"t{i:D3}.wav"), track);
        using var p = Start(null, false, "estimate", folder, "--format", "json");
        var err = p.StandardError.ReadToEndAsync();
        var lines = new List<string> { p.StandardOutput.ReadLine()!, p.StandardOutput.ReadLine()! };
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        lines.AddRange(Lines(await p.StandardOutput.ReadToEndAsync()));
        await p.WaitForExitAsync();
        Assert.Equal(130, p.ExitCode);
        Assert.InRange(lines.Count, 2, 199);
        Assert.Equal(Enumerable.Range(0, lines.Count).Select(i => Path.Combine(folder, $"t{i:D3}.wav")),
            lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("file").GetString()));
        Assert.Equal($"error: interrupted: {lines.Count} of 200 input(s) done and written", (await err).Trim());
    }

    [Fact]
    public void OutputFolder_GetsOneFilePerInput_SameNamesInDifferentFoldersKeptApart()
    {
        var x1 = Clicks("in/a/x.wav", 100);
        var x2 = Clicks("in/b/x.wav", 140);
        var outDir = Path.Combine(_dir, "results");
        var (code, output, err) = CliTests.Run("estimate", x1, x2, "--method", "dsp", "--format", "json", "-o", outDir);
        Assert.True(code == 0, err);
        Assert.Equal("", output);
        foreach (var (input, bpm, rel) in new[] { (x1, 100.0, "a/x.wav.bpm.json"), (x2, 140.0, "b/x.wav.bpm.json") })
        {
            var o = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, rel))).RootElement;
            Assert.Equal(input, o.GetProperty("file").GetString());
            Assert.True(SameTempoUpToOctave(o.GetProperty("bpm").GetDouble(), bpm));
            Assert.Contains(Path.Combine(outDir, rel), err);    // says where each file went
        }
    }

    [Fact]
    public void OutputFolder_AnInputThatNowFails_LosesItsEarlierResult()
    {
        var a = Clicks("in/a.wav", 100);
        var b = Clicks("in/b.wav", 140);
        var outDir = Path.Combine(_dir, "results");
        Assert.Equal(0, CliTests.Run("estimate", a, b, "--method", "dsp", "--format", "json", "-o", outDir).Code);
        Assert.True(File.Exists(Path.Combine(outDir, "b.wav.bpm.json")));
        File.WriteAllText(b, "RIFF, no longer audio");
        var (code, _, err) = CliTests.Run("estimate", a, b, "--method", "dsp", "--format", "json", "-o", outDir);
        Assert.Equal(1, code);
        Assert.Contains($"error: {b}:", err);
        Assert.True(File.Exists(Path.Combine(outDir, "a.wav.bpm.json")));
        Assert.False(File.Exists(Path.Combine(outDir, "b.wav.bpm.json"))); // no stale answer beside this run's
    }

    [Fact]
    public void OutputFile_ForOneInput_HoldsWhatStdoutWouldHave()
    {
        var a = Clicks("a.wav", 120);
        var file = Path.Combine(_dir, "out", "a.tsv");
        var (code, output, _) = CliTests.Run("estimate", a, "--method", "dsp", "--format", "tsv", "-o", file, "-q");
        Assert.Equal(0, code);
        Assert.Equal("", output);
        var lines = File.ReadAllLines(file);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("file\tbpm\t", lines[0]);
        Assert.StartsWith(a + "\t", lines[1]);
    }

    [Fact]
    public void Mirex_IsTheSlowerTempo_TheFaster_AndTheSlowersSalience()
    {
        var a = Clicks("a.wav", 120, 12);
        var (code, output, _) = CliTests.Run("estimate", a, "--method", "dsp", "--format", "mirex");
        Assert.Equal(0, code);
        var cells = Assert.Single(Lines(output)).Split('\t').Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, cells.Length);
        Assert.True(cells[0] <= cells[1]);
        Assert.InRange(cells[2], 0, 1);
        Assert.Contains(cells.Take(2), t => SameTempoUpToOctave(t, 120));
    }

    [Fact]
    public void Jams_PerInputFiles_AreReadBackAsTheirTempo()
    {
        var a = Clicks("a.wav", 120, 12);
        var b = Clicks("b.wav", 90, 12);
        var outDir = Path.Combine(_dir, "jams");
        var (code, _, err) = CliTests.Run("estimate", a, b, "--method", "dsp", "--format", "jams", "-o", outDir);
        Assert.True(code == 0, err);
        foreach (var (name, bpm) in new[] { ("a.wav.jams", 120.0), ("b.wav.jams", 90.0) })
        {
            var path = Path.Combine(outDir, name);
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal("tempo", doc.RootElement.GetProperty("annotations")[0].GetProperty("namespace").GetString());
            Assert.True(SameTempoUpToOctave(TempoAnnotationFile.Read(path)!.Bpm, bpm));
        }
    }

    [Fact]
    public void FilesFrom_ReadsOnePathPerLine_FromAFileOrStandardInput()
    {
        var a = Clicks("a.wav", 100);
        var b = Clicks("b.wav", 140);
        var list = Path.Combine(_dir, "list.txt");
        File.WriteAllText(list, $"{b}\n\n{a}\r\n");
        var (code, output, err) = CliTests.Run("estimate", "--files-from", list, "--method", "dsp", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal(new[] { b, a }, Lines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("file").GetString()));
        (code, output, err) = RunWith(null, $"{a}\n", "estimate", "--files-from", "-", "--method", "dsp", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal(a, JsonDocument.Parse(Assert.Single(Lines(output))).RootElement.GetProperty("file").GetString());
    }

    [Fact]
    public void Tsv_EscapesATabInAFileName_SoEachRowKeepsItsColumns()
    {
        var tabbed = Clicks("tab\there.wav", 120);
        var (code, output, _) = CliTests.Run("estimate", tabbed, "--method", "dsp", "--format", "tsv");
        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Equal(2, lines.Length);
        var header = lines[0].Split('\t');
        var row = lines[1].Split('\t');
        Assert.Equal(header.Length, row.Length);
        Assert.Equal(Path.Combine(_dir, "tab\\there.wav"), row[0]);
    }

    [Fact]
    public void Table_KeepsWholeFileNamesWhenNotOnATerminal_AndFitsColumnsWhenSet()
    {
        var name = Clicks(Path.Combine("a-folder-with-a-rather-long-name", "and-a-file-whose-name-is-long-too.wav"), 120);
        var (code, output, _) = CliTests.Run("estimate", name, "--method", "dsp");
        Assert.Equal(0, code);
        var row = Assert.Single(Lines(output), l => l.StartsWith(_dir));
        Assert.StartsWith(name + " ", row);    // whole, on one line
        (code, output, _) = RunWith(new Dictionary<string, string> { ["COLUMNS"] = "70" }, null, "estimate", name, "--method", "dsp");
        Assert.Equal(0, code);
        Assert.All(Lines(output), l => Assert.True(l.Length <= 70, $"{l.Length} columns: {l}"));
        var fitted = Assert.Single(Lines(output), l => l.Contains(".wav"));
        Assert.Contains("…", fitted);
        var shown = fitted.Split("  ")[0].TrimEnd();
        Assert.StartsWith(name[..4], shown);       // both ends of the name kept, its middle elided
        Assert.EndsWith(name[^4..], shown);
    }

    [Fact]
    public void Plots_OfSameNamedFilesInTwoFolders_KeepApart_AndStderrSaysWhereEachWent()
    {
        var x1 = Clicks("p/a/x.wav", 100, 20);
        var x2 = Clicks("p/b/x.wav", 140, 20);
        var plots = Path.Combine(_dir, "plots");
        var (code, _, err) = CliTests.Run("estimate", x1, x2, "--method", "dsp", "--plot", plots);
        Assert.True(code == 0, err);
        foreach (var png in new[] { Path.Combine(plots, "a", "x.wav.png"), Path.Combine(plots, "b", "x.wav.png") })
        {
            Assert.True(new FileInfo(png).Length > 10_000, png);
            Assert.Contains($"plot: {png}", err);
        }
        (code, _, err) = CliTests.Run("estimate", x1, "--method", "dsp", "--plot", Path.Combine(_dir, "one.png"), "--quiet");
        Assert.Equal(0, code);
        Assert.Equal("", err);     // -q: errors only
        Assert.True(File.Exists(Path.Combine(_dir, "one.png")));
    }

    [Fact]
    public void Verbose_SaysWhichModelAndDecoder_AndHowLongEachFileTook()
    {
        var a = Clicks("a.wav", 120, 15);
        var (code, output, err) = CliTests.Run("estimate", a, "--verbose", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Single(Lines(output));
        Assert.Contains("model equitempo-default", err);
        Assert.Contains("decoders:", err);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(a)}: \d+\.\d\d s, \d+ chunk\(s\), format wav", err);
    }

    [Fact]
    public void VideoContainers_InAFolder_AreEstimated_WhereFfmpegReadsThem()
    {
        if (ExternalToolLocator.Find("ffmpeg") is null) return;   // without ffmpeg, folders are not searched for them (FileDiscoveryTests)
        var wav = Clicks("src.wav", 120, 12);
        var video = Path.Combine(_dir, "videos", "clip.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(video)!);
        using (var ff = Process.Start("ffmpeg", ["-loglevel", "error", "-i", wav, "-c:a", "aac", video])) ff.WaitForExit();
        var (code, output, err) = CliTests.Run("estimate", Path.GetDirectoryName(video)!, "--method", "dsp", "--format", "json");
        Assert.True(code == 0, err);
        var o = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.Equal(video, o.GetProperty("file").GetString());
        Assert.True(SameTempoUpToOctave(o.GetProperty("bpm").GetDouble(), 120));
    }

    [Fact]
    public void Help_WorksForEveryCommand_AndTheEstimateExampleNamesAShippedFile()
    {
        foreach (var command in new[] { "estimate", "eval", "train", "finetune", "calibrate", "equivariance", "render-rhythms", "render-songs", "render-mix", "compact", "info" })
        {
            var (code, output, err) = CliTests.Run(command, "--help");
            Assert.True(code == 0, $"{command} --help: exit {code}: {err}");
            Assert.Contains("OPTIONS", output);
        }
        var (_, help, _) = CliTests.Run("estimate", "--help");
        Assert.Contains("equitempo estimate examples/traveling_minstrels-excerpt.ogg", help);
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "EquiTempo.slnx"))) root = Path.GetDirectoryName(root);
        Assert.True(File.Exists(Path.Combine(root!, "examples", "traveling_minstrels-excerpt.ogg")));
    }
}

/// <summary>A fact that needs SIGINT to reach a child process. A shell without job control starts background commands
/// (`./test.sh &`, nohup) with SIGINT ignored; the children inherit that, and .NET then leaves it ignored, so a Ctrl-C test
/// would see the run finish with exit 0. Read from the kernel's mask of ignored signals (/proc/self/status, SigIgn).</summary>
internal sealed class SigIntFactAttribute : FactAttribute
{
    public SigIntFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) return;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:"));
        if (line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0)
            Skip = "SIGINT is ignored in this process (started in the background without job control), so no child can receive Ctrl-C";
    }
}
