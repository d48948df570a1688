using System.Globalization;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Beats;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>`equitempo beats` and `estimate --beats` as a user runs them: output formats, files written, exit codes.</summary>
public partial class CliTests
{
    private string ClickFile(string name, double bpm, double seconds = 20)
    {
        var path = Path.Combine(_dir, name);
        WavWriter.WriteMono16(path, TestSignals.ClickTrack(bpm, seconds, 22050), 22050);
        return path;
    }

    private static double[] Times(string lines) =>
        lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Beats_OneFile_PrintsOneTimeALine_OnTheClicks()
    {
        var (code, output, err) = Run("beats", ClickFile("c120.wav", 120));
        Assert.True(code == 0, err);
        var times = Times(output);
        Assert.True(BeatMetrics.Evaluate(BeatTrackerTests.ClickTimes(120, 20), times).FMeasure >= 0.95, output);
        Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^\d+\.\d{3}$", l));
    }

    [Fact]
    public void Beats_Json_OutDir_AndSonify()
    {
        var a = ClickFile("a.wav", 100);
        var b = ClickFile("b.wav", 140);
        var (code, output, err) = Run("beats", a, b, "--json", "--method", "dsp");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using (var doc = JsonDocument.Parse(lines[1]))
        {
            Assert.Equal(b, doc.RootElement.GetProperty("file").GetString());
            Assert.InRange(doc.RootElement.GetProperty("bpm").GetDouble(), 140 * 0.96, 140 * 1.04);
            Assert.Equal("dsp", doc.RootElement.GetProperty("tempo_source").GetString());
            Assert.True(doc.RootElement.GetProperty("beats").GetArrayLength() > 40);
        }

        var dir = Path.Combine(_dir, "beats");
        (code, output, err) = Run("beats", a, b, "--out", dir);
        Assert.True(code == 0, err);
        Assert.Equal("", output);
        var written = TempoAnnotationFile.ReadBeatTimeList(Path.Combine(dir, "a.beats"));
        Assert.True(BeatMetrics.Evaluate(BeatTrackerTests.ClickTimes(100, 20), written).FMeasure >= 0.95);
        Assert.True(File.Exists(Path.Combine(dir, "b.beats")));

        var wav = Path.Combine(_dir, "clicks.wav");
        (code, _, err) = Run("beats", a, "--sonify", wav);
        Assert.True(code == 0, err);
        var mixed = AudioDecoder.DecodeMono(wav, 22050);
        Assert.Equal(20, mixed.DurationSeconds, 1);
    }

    [Fact]
    public void Beats_BadFiles_AreNamed_TheOthersStillTracked_ExitOne()
    {
        var good = ClickFile("good.wav", 120);
        var corrupt = Path.Combine(_dir, "corrupt.wav");
        File.WriteAllText(corrupt, "RIFF but not really");
        var missing = Path.Combine(_dir, "missing.ogg");
        var (code, output, err) = Run("beats", corrupt, good, missing, "--json");
        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("\"error\"", lines[0]);
        Assert.Contains("\"beats\":[", lines[1]);
        Assert.Contains($"error: {corrupt}", err);
        Assert.Contains($"error: {missing}", err);
    }

    [Fact]
    public void Beats_SilentFile_HasNoBeats_AndIsNoError()
    {
        var silent = Path.Combine(_dir, "silent.wav");
        WavWriter.WriteMono16(silent, new float[22050 * 5], 22050);
        var (code, output, err) = Run("beats", silent);
        Assert.True(code == 0, err);
        Assert.Equal("", output);
        Assert.Contains("no beats", err);
        (code, output, _) = Run("beats", silent, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(0, doc.RootElement.GetProperty("beats").GetArrayLength());
    }

    [Theory]
    [InlineData("--method", "nope")]
    [InlineData("--sonify", "out.mp3")]
    [InlineData("--json", "--out", "dir")]
    public void Beats_BadOptions_AreUsageErrors(params string[] options)
    {
        var (code, _, err) = Run(["beats", ClickFile("x.wav", 120, 5), .. options]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
    }

    [Fact]
    public void Estimate_WithBeats_AddsTheBeatTimesToTheJson()
    {
        var file = ClickFile("e.wav", 120);
        var (code, output, err) = Run("estimate", file, "--method", "dsp", "--format", "json", "--beats");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var beats = doc.RootElement.GetProperty("beats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(BeatMetrics.Evaluate(BeatTrackerTests.ClickTimes(120, 20), beats).FMeasure >= 0.95);
        (code, _, err) = Run("estimate", file, "--beats");
        Assert.Equal(2, code);
        Assert.Contains("--beats", err);
    }
    [Fact]
    public void Estimate_WithBeatsOnStandardInput_TracksOnTheLearntHead_AsForTheFile()
    {
        var file = ClickFile("stdin.wav", 120);
        var (code, fromFile, err) = Run("estimate", file, "--format", "json", "--beats");
        Assert.True(code == 0, err);
        var piped = StreamBadInputTests.Run(File.ReadAllBytes(file), null, "estimate", "-", "--format", "json", "--beats");
        Assert.True(piped.Code == 0, piped.Err);
        using var a = JsonDocument.Parse(fromFile);
        using var b = JsonDocument.Parse(piped.Out);
        Assert.Equal("model-beat-head", b.RootElement.GetProperty("beat_activation").GetString());
        double[] Beats(JsonDocument d) => d.RootElement.GetProperty("beats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(Beats(a), Beats(b));
        Assert.True(BeatMetrics.Evaluate(BeatTrackerTests.ClickTimes(120, 20), Beats(b)).FMeasure >= 0.95);
        // Beside the DSP baseline the head would read the audio again, which a pipe cannot give.
        var dsp = StreamBadInputTests.Run(File.ReadAllBytes(file), null, "estimate", "-", "--method", "dsp", "--format", "json", "--beats", "--beat-model", "beats");
        Assert.Equal(2, dsp.Code);
        Assert.Contains("standard input", dsp.Err);
    }
}
