using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;
using EquiTempo.Tests.Training;
using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

/// <summary>Fine-tuning a log-tempo network on labelled tracks (tiny: 6 s chunks, click tracks, a few dozen steps).</summary>
[Collection(LibTorchRngCollection.Name)]
public class LogTempoFineTuneTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-logtempo-ft-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static readonly ModelInput TinyInput = new(ChunkSamples: 6 * 44100);

    private string FreshModel()
    {
        manual_seed(7);
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput });
        var path = Path.Combine(_dir, "start.eqtm");
        model.Save(path);
        return path;
    }

    private FineTuneConfig Tiny(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchSize = 4, ExcerptsPerTrack = 4,
        ValidationFraction = 0.25, Seed = 5, PrefetchBatches = 1, Patience = 0, LearningRate = 3e-2,
    };

    /// <summary>
    /// By construction: every training click track is labelled at half its click rate, a level no periodicity peak of the
    /// tempogram singles out (the clicks' autocorrelation peaks at the rate and all its sub-multiples). The self-supervised
    /// start has no reason to read half the rate; after fine-tuning, a click track at a rate it never saw reads at half
    /// that rate, within the ±4 % of Acc1, with no calibration.
    /// </summary>
    [Fact]
    public void LearnsTheLabelledLevel_AndReadsItWithoutCalibration()
    {
        var rates = new[] { 90.0, 104, 118, 132, 146, 160, 174, 188 };
        var tracks = ClickTrackFiles.Write(Path.Combine(_dir, "clicks"), rates, 10)
            .Select(t => t with { Bpm = t.Bpm / 2 }).ToList();
        var r = new ClassifierFineTuner(Tiny(6)).Run(tracks, FreshModel(), Path.Combine(_dir, "run"), "test clicks, labelled at half their rate");
        Assert.Equal(6, r.EpochsCompleted);
        using var tuned = LogTempoModel.Load(r.ModelPath);
        Assert.Equal(new LogTempoReadout(0, null, null, "test clicks, labelled at half their rate"), tuned.Readout);
        using var estimator = TempoEstimator.Load(r.ModelPath);
        var estimate = estimator.Estimate(TestSignals.ClickTrack(125, 20), 44100);
        Assert.True(TempoMetrics.Acc1(estimate.Bpm, 62.5, 0.04), $"read {estimate.Bpm:F1} BPM for clicks at 125 labelled as 62.5");
    }

    [Fact]
    public void Freeze_IsRefusedForALogTempoModel_NamingTheModel()
    {
        var tracks = ClickTrackFiles.Write(Path.Combine(_dir, "clicks"), new[] { 100.0, 120 }, 8);
        var start = FreshModel();
        var e = Assert.Throws<EquiTempoException>(() => new ClassifierFineTuner(Tiny(1) with { Freeze = true }).Run(tracks, start, Path.Combine(_dir, "run"), "x"));
        Assert.Contains(start, e.Message);
        Assert.Contains("log-tempo", e.Message);
    }
}
