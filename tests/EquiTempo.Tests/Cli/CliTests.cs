using System.Diagnostics;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;
using static TorchSharp.torch;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Cli;

/// <summary>The `equitempo` program as a user runs it: exit codes, output formats, error lines.</summary>
[Collection(LibTorchRngCollection.Name)]
public partial class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-cli-{Guid.NewGuid():N}");
    public CliTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var dll = typeof(EquiTempo.Cli.Commands.EstimateCommand).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException("equitempo did not finish in 3 minutes"); }
        return (p.ExitCode, output, err.Result);
    }

    private string ScaledModelFile()
    {
        var path = Path.Combine(_dir, "scaled.eqtm");
        using var m = TestModels.Scaled(100, seed: 5);
        m.Save(path);
        return path;
    }

    [Fact]
    public void Estimate_WithPlot_DrawsTheTempoCurveOfEachFile()
    {
        var a = Path.Combine(_dir, "a.wav");
        var b = Path.Combine(_dir, "b.wav");
        WavWriter.WriteMono16(a, EquiTempo.Training.Synthesis.DrumPatternRenderer.Render(100, 3, new EquiTempo.Training.Synthesis.DrumRenderConfig(Seconds: 25)), 44100);
        WavWriter.WriteMono16(b, EquiTempo.Training.Synthesis.DrumPatternRenderer.Render(140, 4, new EquiTempo.Training.Synthesis.DrumRenderConfig(Seconds: 25)), 44100);
        var one = Path.Combine(_dir, "curve.png");
        var (code, _, err) = Run("estimate", a, "--plot", one);
        Assert.True(code == 0, err);
        Assert.True(new FileInfo(one).Length > 10_000);
        var dir = Path.Combine(_dir, "curves");
        (code, _, err) = Run("estimate", a, b, "--plot", dir, "--format", "json");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(dir, "a.wav.png")) && File.Exists(Path.Combine(dir, "b.wav.png")));
    }

    [Fact]
    public void Estimate_ReportsGoodFiles_AndNamesBadOnes_WithNonZeroExit()
    {
        var good = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(good, TestSignals.ClickTrack(120, 15), 44100);
        var corrupt = Path.Combine(_dir, "corrupt.wav");
        File.WriteAllText(corrupt, "RIFF but not really");
        var missing = Path.Combine(_dir, "missing.ogg");
        var (code, output, err) = Run("estimate", good, corrupt, missing, "--model", ScaledModelFile(), "--format", "json");
        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);   // the good file, then the two failed ones as error objects, in order
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(good, doc.RootElement.GetProperty("file").GetString());
        Assert.True(doc.RootElement.GetProperty("bpm").GetDouble() > 0);
        foreach (var key in new[] { "bpm2", "salience", "confidence", "duration_s" }) Assert.True(doc.RootElement.TryGetProperty(key, out _), key);
        Assert.Contains(corrupt, err);
        Assert.Contains(missing, err);
    }

    [Fact]
    public void Estimate_Tsv_HasAHeaderAndOneRowPerFile()
    {
        var a = Path.Combine(_dir, "a.wav");
        var b = Path.Combine(_dir, "b.wav");
        WavWriter.WriteMono16(a, TestSignals.ClickTrack(100, 8), 22050);
        WavWriter.WriteMono16(b, TestSignals.ClickTrack(140, 8), 48000);
        var (code, output, _) = Run("estimate", _dir, "--model", ScaledModelFile(), "--format", "tsv");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("file\tbpm\tbpm2\tsalience\tconfidence\tduration_s\tmethod\tmodel\tmodel_version\tchunks\terror", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal("model:scale", l.Split('\t')[6]));
    }

    [Fact]
    public void Estimate_WithTheDspMethod_GivesTheClickTempo_AndNamesTheMethod()
    {
        var clicks = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(clicks, TestSignals.ClickTrack(128, 12), 44100);
        var (code, output, err) = Run("estimate", clicks, "--method", "dsp", "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("dsp", doc.RootElement.GetProperty("method").GetString());
        Assert.InRange(doc.RootElement.GetProperty("bpm").GetDouble(), 128 * 0.96, 128 * 1.04);

        var (tableCode, table, _) = Run("estimate", clicks, "--method", "dsp");
        Assert.Equal(0, tableCode);
        Assert.Contains("method: dsp", table);

        var (badCode, badOut, badErr) = Run("estimate", clicks, "--method", "dsp", "--model", "x.eqtm");
        Assert.NotEqual(0, badCode);
        Assert.Contains("no model file", badOut + badErr);
    }

    [Fact]
    public void Train_WithoutArguments_IsAUsageError()
    {
        var (code, output, err) = Run("train");
        Assert.NotEqual(0, code);
        Assert.Contains("--audio", output + err);
    }

    [Fact]
    public void Info_PrintsTheModelHeader()
    {
        var (code, output, _) = Run("info", ScaledModelFile());
        Assert.Equal(0, code);
        Assert.Contains("\"Scale\": 100", output);
    }
}
