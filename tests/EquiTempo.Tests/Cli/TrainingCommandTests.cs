using System.Globalization;
using System.Text.Json;
using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Tests.Training;
using EquiTempo.Training;

namespace EquiTempo.Tests.Cli;

/// <summary>The training-side commands as a user runs them: resume across processes, calibration in place, run summaries.</summary>
[Collection(LibTorchRngCollection.Name)]
public class TrainingCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-train-cli-").FullName;
    private readonly List<LabelledTrack> _tracks;
    private string AudioDir => Path.Combine(_dir, "audio");

    public TrainingCommandTests() => _tracks = ClickTrackFiles.Write(AudioDir, new[] { 80.0, 105, 130, 165 }, 5);

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string[] TinyTrain(string run, int epochs) => new[]
    {
        "train", "--audio", AudioDir, "--out", run, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--batch", "2", "--micro-batch", "1",
        "--max-steps", "2", "--excerpt-samples", "88200", "--seed", "3", "--decode-cache", Path.Combine(_dir, "decoded"),
    };

    [Fact]
    public void Train_StoppedAfterOneEpochAndResumedInANewProcess_EqualsTheUninterruptedRun()
    {
        string whole = Path.Combine(_dir, "whole"), resumed = Path.Combine(_dir, "resumed");
        Assert.Equal(0, CliTests.Run(TinyTrain(whole, 3)).Code);
        Assert.Equal(0, CliTests.Run(TinyTrain(resumed, 1)).Code);
        var (code, output, err) = CliTests.Run(TinyTrain(resumed, 3).Append("--resume").ToArray());
        Assert.True(code == 0, err);
        Assert.Contains("3 epochs", output);
        ResumeDeterminismTests.AssertSameRunAcrossProcesses(whole, resumed);
    }

    [Fact]
    public void Train_WithARateRange_RecordsItInTheRunsConfig()
    {
        string run = Path.Combine(_dir, "wide");
        var (code, _, err) = CliTests.Run(TinyTrain(run, 1).Concat(new[] { "--min-rate", "0.7", "--max-rate", "1.3" }).ToArray());
        Assert.True(code == 0, err);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        var cfg = json.RootElement.GetProperty("training").Deserialize<TrainingConfig>(TempoModel.Json)!;
        Assert.Equal((0.7, 1.3), (cfg.MinRate, cfg.MaxRate));
    }

    [Theory]
    [InlineData("train", "--excerpt-samples")]
    [InlineData("finetune", "--label-sigma")]      // its help once crashed on a '[' read as markup
    [InlineData("calibrate", "--examples")]
    [InlineData("equivariance", "--max-files")]
    [InlineData("render-rhythms", "--seconds")]
    [InlineData("render-songs", "--soundfont")]
    [InlineData("compact", "OUT")]
    [InlineData("info", "MODEL")]
    public void Help_ListsTheOptions(string command, string option)
    {
        var (code, output, err) = CliTests.Run(command, "--help");
        Assert.True(code == 0, err);
        Assert.Contains(option, output);
    }

    [Fact]
    public void Finetune_WithoutValidationTracks_ReportsNoAccuracy()
    {
        var index = Path.Combine(_dir, "labels.tsv");
        File.WriteAllLines(index, new[] { "path\tbpm" }.Concat(_tracks.Select(t => $"{t.Path}\t{t.Bpm}")));
        var (code, output, err) = CliTests.Run("finetune", "--fresh", "--labels", index, "--out", Path.Combine(_dir, "ft"), "--epochs", "1",
            "--validation", "0", "--batch", "2", "--max-steps", "1", "--excerpt-samples", "44100");
        Assert.True(code == 0, err);
        Assert.Contains("no validation tracks", output);
        Assert.DoesNotContain("Acc1", output);
        Assert.Contains("model: " + Path.Combine(_dir, "ft", "model.eqtm"), output);
    }

    /// <summary>An untrained model whose z is positive (output bias 1), stored as float16, and z of each test track.</summary>
    private (string Path, double[] LogZ) HalfPrecisionModel()
    {
        var path = Path.Combine(_dir, "m.eqtm");
        using var m = TestModels.PositiveZ(4, new ModelInput(ChunkSamples: 88_200));
        m.Save(path, halfPrecision: true);
        using var saved = TempoModel.Load(path);
        using var fe = saved.CreateFrontEnd();
        return (path, _tracks.Select(t => Math.Log(ScaleCalibration.TrackOutput(saved.Network, fe, t.Path))).ToArray());
    }

    /// <summary>An index giving the tracks tempi whose log has correlation exactly <paramref name="r"/> with log z.</summary>
    private string LabelsCorrelated(double[] logZ, double r, string name)
    {
        double[] u = Unit(Centered(logZ));
        // A direction orthogonal to the mean and to log z, for the part of log BPM that z does not explain.
        double[] w = Centered(logZ.Select((_, i) => i % 2 == 0 ? 1.0 : -1.0).ToArray());
        double along = w.Zip(u, (a, b) => a * b).Sum();
        double[] v = Unit(w.Zip(u, (a, b) => a - along * b).ToArray());
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, new[] { "path\tbpm" }.Concat(_tracks.Select((t, i) =>
            $"{t.Path}\t{(120 * Math.Exp(0.3 * (r * u[i] + Math.Sqrt(1 - r * r) * v[i]))).ToString("R", CultureInfo.InvariantCulture)}")));
        return path;
    }

    private static double[] Centered(double[] x) => x.Select(v => v - x.Average()).ToArray();
    private static double[] Unit(double[] x) => x.Select(v => v / Math.Sqrt(x.Sum(a => a * a))).ToArray();

    [Fact]
    public void Calibrate_InPlace_KeepsFloat16_AndWarnsOnStderrOfAPoorFit()
    {
        var (model, logZ) = HalfPrecisionModel();
        var (code, output, err) = CliTests.Run("calibrate", "--model", model, "--labels", LabelsCorrelated(logZ, 0.1, "poor.tsv"));
        Assert.True(code == 0, err);
        Assert.Contains("warning: r(log z, log BPM) is 0.100", err);
        Assert.DoesNotContain("warning", output);
        Assert.Contains("float16", output);
        using var back = TempoModel.Load(model);
        Assert.True(back.HalfPrecision);
        Assert.NotNull(back.Metadata.ReadoutOf<ScaleReadout>());
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));    // written through a temp file and renamed
    }

    [Fact]
    public void Calibrate_RefusesAFitWhereZFallsWithTempo_AndLeavesTheModelAlone()
    {
        var (model, logZ) = HalfPrecisionModel();
        var before = File.ReadAllBytes(model);
        var (code, output, err) = CliTests.Run("calibrate", "--model", model, "--labels", LabelsCorrelated(logZ, -0.44, "backwards.tsv"));
        Assert.Equal(1, code);
        Assert.StartsWith($"error: {model}: r(log z, log BPM) is -0.440", err);
        Assert.Contains("nothing was written", err);
        Assert.DoesNotContain("saved", output);
        Assert.Equal(before, File.ReadAllBytes(model));
    }
}
