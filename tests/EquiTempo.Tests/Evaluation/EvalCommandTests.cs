using EquiTempo.Tests.Cli;

namespace EquiTempo.Tests.Evaluation;

/// <summary>`equitempo eval` as a user runs it: exit codes, the summary table, the failure lines, the files.</summary>
public class EvalCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-evalcli-{Guid.NewGuid():N}");
    public EvalCommandTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Fact]
    public void Eval_WithTheShippedModel_WritesTheFiles_AndNamesTheFailedTrack()
    {
        var index = SmallEvaluationSet.Write(_dir);
        var outDir = Path.Combine(_dir, "out");
        var (code, output, err) = CliTests.Run("eval", "--labels", index, "--method", "model", "--out", outDir, "--verbose");
        Assert.True(code == 0, $"exit {code}\n{output}\n{err}");
        foreach (var row in new[] { "clicks", "drums", "overall", "Acc1", "P-score" }) Assert.Contains(row, output);
        Assert.Contains("[4/4]", err);                        // a line per track with --verbose, on stderr
        Assert.DoesNotContain("[4/4]", output);
        Assert.Contains($"failed: {Path.Combine(_dir, SmallEvaluationSet.CorruptName)}", err);
        Assert.Contains("1 of 4 track(s) failed", output);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(outDir, "tracks.csv")).Length);
        Assert.Contains("equitempo eval --labels", File.ReadAllText(Path.Combine(outDir, "report.md")));
        Assert.True(new FileInfo(Path.Combine(outDir, "scatter.png")).Length > 1000);
    }

    [Fact]
    public void Eval_WithBeatAnnotations_ScoresTheBeatsBesideTheTempo()
    {
        var audio = Path.Combine(_dir, "audio");
        var labels = Path.Combine(_dir, "labels");
        Directory.CreateDirectory(audio);
        Directory.CreateDirectory(labels);
        foreach (var bpm in new[] { 90.0, 120.0 })
        {
            EquiTempo.Audio.WavWriter.WriteMono16(Path.Combine(audio, $"c{bpm}.wav"), EquiTempo.Tests.Signals.TestSignals.ClickTrack(bpm, 20, 22050), 22050);
            // Beat number in a second column, as the Ballroom and Hainsworth annotations have it.
            File.WriteAllLines(Path.Combine(labels, $"c{bpm}.beats"),
                EquiTempo.Tests.Beats.BeatTrackerTests.ClickTimes(bpm, 20).Select((t, k) => FormattableString.Invariant($"{t:F4}\t{k % 4 + 1}")));
        }
        var outDir = Path.Combine(_dir, "out");
        var (code, output, err) = CliTests.Run("eval", "--labels", labels, "--audio", audio, "--method", "dsp", "--out", outDir);
        Assert.True(code == 0, $"exit {code}\n{output}\n{err}");
        Assert.Contains("beat F", output);
        Assert.Contains("1.000 (2)", output);   // both click tracks' beats found: mean F 1 over 2 tracks
        var csv = File.ReadAllLines(Path.Combine(outDir, "tracks.csv"));
        Assert.Contains("beat_f", csv[0]);
        Assert.Contains("AMLt", File.ReadAllText(Path.Combine(outDir, "report.md")));
    }

    [Fact]
    public void Eval_IndexWithBeatsOnSomeRowsOnly_ScoresBeatsWhereThereAreAny_AndTempoEverywhere()
    {
        // As dev.tsv: the drums and MIDI rows name a .beats file, the module rows leave the cell empty.
        foreach (var bpm in new[] { 90.0, 120.0 })
            EquiTempo.Audio.WavWriter.WriteMono16(Path.Combine(_dir, $"c{bpm}.wav"), EquiTempo.Tests.Signals.TestSignals.ClickTrack(bpm, 20, 22050), 22050);
        File.WriteAllLines(Path.Combine(_dir, "c90.beats"),
            EquiTempo.Tests.Beats.BeatTrackerTests.ClickTimes(90, 20).Select(t => FormattableString.Invariant($"{t:F6}")));
        var index = Path.Combine(_dir, "dev.tsv");
        File.WriteAllText(index, $"path\tbpm\tkind\tbeats\n{_dir}/c90.wav\t90\tdrums\t{_dir}/c90.beats\n{_dir}/c120.wav\t120\tmodule\t\n");

        var (code, output, err) = CliTests.Run("eval", "--labels", index, "--method", "dsp", "--out", Path.Combine(_dir, "out"));

        Assert.True(code == 0, $"exit {code}\n{output}\n{err}");
        var drums = output.Split('\n').Single(l => l.Contains("drums"));
        var module = output.Split('\n').Single(l => l.Contains("module"));
        Assert.Contains("1.000 (1)", drums);   // the one track with beats, all found
        Assert.Contains("—", module);          // no beat score where there are no beats, and no error
        Assert.DoesNotContain("failed:", err);
    }

    [Fact]
    public void Eval_WhereNoTrackCanBeEstimated_ExitsOne()
    {
        File.WriteAllText(Path.Combine(_dir, "broken.wav"), "not audio");
        var index = Path.Combine(_dir, "index.csv");
        File.WriteAllText(index, "path,bpm\nbroken.wav,120\n");
        var (code, _, err) = CliTests.Run("eval", "--labels", index, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("none of the 1 track(s) could be evaluated", err);
    }

    [Fact]
    public void Eval_WithAMalformedAnnotation_ExitsOneNamingFileAndLine()
    {
        File.WriteAllText(Path.Combine(_dir, "song.wav"), "");
        File.WriteAllText(Path.Combine(_dir, "song.bpm"), "fast\n");
        var (code, output, err) = CliTests.Run("eval", "--labels", _dir, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains($"{Path.Combine(_dir, "song.bpm")}:1:", output + err);
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--labels")]
    [InlineData("--method")]
    [InlineData("--tolerance")]
    public void Eval_WithBadArguments_ExitsTwo(string broken)
    {
        var index = Path.Combine(_dir, "index.csv");
        File.WriteAllText(index, "path,bpm\na.wav,120\n");
        var args = new List<string> { "eval" };
        if (broken != "--labels") args.AddRange(new[] { "--labels", index }); else args.AddRange(new[] { "--labels", Path.Combine(_dir, "missing.csv") });
        if (broken != "--out") args.AddRange(new[] { "--out", Path.Combine(_dir, "out") });
        if (broken == "--method") args.AddRange(new[] { "--method", "nonsense" });
        if (broken == "--tolerance") args.AddRange(new[] { "--tolerance", "4" });
        var (code, output, err) = CliTests.Run(args.ToArray());
        Assert.Equal(2, code);
        Assert.Contains(broken, output + err);
    }
}
