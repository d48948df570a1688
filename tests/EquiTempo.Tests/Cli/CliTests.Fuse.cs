using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

public partial class CliTests
{
    private static string LogTempoModelFile([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "models", "equitempo-logtempo.eqtm"));

    [Fact]
    public void FuseBeats_WithABeatModel_GivesTheClickTempoUpToItsOctave_WithOrWithoutBeats()
    {
        var clicks = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(clicks, TestSignals.ClickTrack(140, 30), 44100);
        foreach (var extra in new[] { Array.Empty<string>(), ["--beats"] })
        {
            var (code, output, err) = Run(["estimate", clicks, "--fuse", "beats", "--beat-model", "beats", "--format", "json", .. extra]);
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.Equal("model:log-tempo+beats", doc.RootElement.GetProperty("method").GetString());
            double octaves = Math.Log2(doc.RootElement.GetProperty("bpm").GetDouble() / 140);
            Assert.InRange(Math.Abs(octaves - Math.Round(octaves)), 0, Math.Log2(1.04));
            Assert.Equal(extra.Length > 0, doc.RootElement.TryGetProperty("beats", out _));
        }
    }

    [Fact]
    public void Fuse_WithALogTempoModel_GivesTheClickTempo_AndIsAUsageErrorOtherwise()
    {
        var clicks = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(clicks, TestSignals.ClickTrack(110, 30), 44100);
        var (code, output, err) = Run("estimate", clicks, "--model", LogTempoModelFile(), "--fuse", "dsp", "--fuse-weight", "0.5", "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("model:log-tempo+dsp", doc.RootElement.GetProperty("method").GetString());
        double octaves = Math.Log2(doc.RootElement.GetProperty("bpm").GetDouble() / 110);   // the metrical level is the prior's
        Assert.InRange(Math.Abs(octaves - Math.Round(octaves)), 0, Math.Log2(1.04));

        var labels = Path.Combine(_dir, "labels.tsv");
        File.WriteAllText(labels, $"path\tbpm\n{clicks}\t110\n");
        foreach (var (args, says) in new (string[], string)[]
        {
            (["estimate", clicks, "--model", "tcn-default", "--fuse", "dsp"], "the shipped model 'tcn-default' is the paper's network"),
            (["estimate", clicks, "--model", ScaledModelFile(), "--fuse", "dsp"], "family tcn"),
            (["estimate", clicks, "--method", "dsp", "--fuse", "dsp"], "the dsp method has no model distribution"),
            (["estimate", clicks, "--model", LogTempoModelFile(), "--fuse", "onsets"], "--fuse onsets: must be dsp or beats"),
            (["estimate", clicks, "--fuse", "beats"], "--fuse beats: needs --beat-model"),
            (["estimate", clicks, "--beat-model", "beats"], "--beat-model: chooses what --beats tracks on, or the head --fuse beats reads"),
            (["eval", "--labels", labels, "--out", Path.Combine(_dir, "ev"), "--fuse", "beats"], "--fuse beats: needs --beat-model"),
            (["estimate", clicks, "--model", LogTempoModelFile(), "--fuse-weight", "2"], "--fuse-weight: needs --fuse dsp"),
            (["estimate", clicks, "--model", LogTempoModelFile(), "--fuse", "dsp", "--fuse-weight", "-1"], "--fuse-weight must be a number from 0 to 10"),
            (["eval", "--labels", labels, "--out", Path.Combine(_dir, "ev"), "--model", "tcn-labelfree", "--fuse", "dsp"], "the shipped model 'tcn-labelfree' is the paper's network"),
        })
        {
            var (badCode, badOut, badErr) = Run(args);
            Assert.True(badCode == 2, $"{string.Join(' ', args)}: exit {badCode}: {badOut}{badErr}");
            Assert.Contains(says, badOut + badErr);
        }
    }
}
