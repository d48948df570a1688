using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Cli;
using EquiTempo.Tests.Signals;
using Spectre.Console.Cli;

namespace EquiTempo.Tests.Cli;

// Exit codes and where errors go: 0 ok, 1 an input or setting failed (stderr names it), 2 a usage error.
public partial class CliTests
{
    [Fact]
    public void AnUnknownOption_IsAUsageError_NamingIt()
    {
        var clicks = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(clicks, TestSignals.ClickTrack(120, 4), 22050);
        var (code, output, err) = Run("estimate", clicks, "--method", "dsp", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Contains("no-such-option", err);
        Assert.DoesNotContain("error", output);
    }

    [Fact]
    public void AMissingModelFile_ExitsWithOne_NamingItOnStderrOnly()
    {
        var clicks = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(clicks, TestSignals.ClickTrack(120, 4), 22050);
        var model = Path.Combine(_dir, "absent.eqtm");
        var (code, output, err) = Run("estimate", clicks, "--model", model);
        Assert.Equal(1, code);
        Assert.Contains(model, err);
        Assert.Equal("", output);
    }

    [Fact]
    public void ABadAudioFileAmongGoodOnes_TheOthersAreEstimated_ExitOne()
    {
        var a = Path.Combine(_dir, "a.wav");
        var b = Path.Combine(_dir, "b.wav");
        var bad = Path.Combine(_dir, "bad.wav");
        WavWriter.WriteMono16(a, TestSignals.ClickTrack(100, 10), 22050);
        WavWriter.WriteMono16(b, TestSignals.ClickTrack(140, 10), 22050);
        File.WriteAllText(bad, "RIFF but not really");
        var (code, output, err) = Run("estimate", _dir, "--method", "dsp", "--format", "json");
        Assert.Equal(1, code);
        var estimated = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(o => !o.TryGetProperty("error", out _)).Select(o => o.GetProperty("file").GetString()).Order().ToList();
        Assert.Equal(new[] { a, b }, estimated);
        Assert.StartsWith($"error: {bad}:", err.Trim());
    }

    [Fact]
    public void Version_ExitsWithZero()
    {
        var (code, output, _) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"\d+\.\d+", output);
    }

    [Fact]
    public void NoArguments_ShowsTheHelp_AsAUsageError()
    {
        var (code, output, _) = Run();
        Assert.Equal(2, code);
        Assert.Contains("estimate", output);
    }

    [Fact]
    public void Mapping_ExpectedFailureIsOne_UsageIsTwo_OnStderr()
    {
        var err = new StringWriter();
        Assert.Equal(1, ErrorReporting.Run(() => throw new EquiTempoException(ErrorReason.InvalidData, "x.tsv", "empty index file"), err));
        var app = new CommandApp();
        app.Configure(c => { c.PropagateExceptions(); c.UseStrictParsing(); c.AddCommand<EquiTempo.Cli.Commands.InfoCommand>("info"); });
        Assert.Equal(2, ErrorReporting.Run(() => app.Run(["info", "m.eqtm", "--zz"]), err));
        Assert.Equal(0, ErrorReporting.Run(() => 0, err));
        var lines = err.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("error: x.tsv: empty index file", lines[0]);
        Assert.StartsWith("error: ", lines[1]);
        Assert.Contains("zz", lines[1]);
    }

    [Fact]
    public void Mapping_ABugIsRethrown_NotTurnedIntoAnExitCode()
    {
        var err = new StringWriter();
        Assert.Throws<InvalidOperationException>(() => ErrorReporting.Run(() => throw new InvalidOperationException("bug"), err));
        Assert.Throws<ArgumentException>(() => ErrorReporting.Run(() => throw new ArgumentException("bug"), err));
        Assert.Equal("", err.ToString());
    }
}
