using EquiTempo.Audio;
using EquiTempo.Model;
using EquiTempo.Training;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Training;

/// <summary>End-to-end training on a tiny configuration: short excerpts, few pairs, two epochs.</summary>
[Collection(LibTorchRngCollection.Name)]
public class SelfSupervisedTrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-train-{Guid.NewGuid():N}");
    private string AudioDir => Path.Combine(_dir, "audio");
    private string RunDir => Path.Combine(_dir, "run");

    public SelfSupervisedTrainerTests()
    {
        Directory.CreateDirectory(AudioDir);
        int k = 0;
        foreach (var bpm in new[] { 90.0, 110, 128, 150, 170 })
            WavWriter.WriteMono16(Path.Combine(AudioDir, $"clicks{k++}.wav"), TestSignals.ClickTrack(bpm, 6, 22050, seed: k), 22050);
        File.WriteAllText(Path.Combine(AudioDir, "broken.wav"), "not audio at all");
    }

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static readonly EquiTempo.Features.ModelInput TinyInput = new(ChunkSamples: 88_200);

    private TrainingConfig Tiny(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"),
        Epochs = epochs, BatchPairs = 2, EndMarginSamples = 0, MicroBatchPairs = 1,
        ValidationFraction = 0.2, Seed = 7, PrefetchBatches = 1,
    };

    [Fact]
    public void Train_WritesModelLogsPlotAndSkipsTheBrokenFile()
    {
        var result = new SelfSupervisedTrainer(Tiny(2), TinyInput).Run(new[] { AudioDir }, RunDir);
        Assert.Equal(2, result.EpochsCompleted);
        Assert.Equal(4, result.TrainFiles);
        Assert.Equal(1, result.ValidationFiles);
        Assert.Contains(result.SkippedFiles, s => s.Contains("broken.wav"));
        foreach (var f in new[] { "model.eqtm", "checkpoint.eqtm", "checkpoint.optim", "config.json", "epochs.csv", "steps.csv", "training.png", "train-files.txt", "validation-files.txt" })
            Assert.True(File.Exists(Path.Combine(RunDir, f)), $"{f} missing");
        var epochs = File.ReadAllLines(Path.Combine(RunDir, "epochs.csv"));
        Assert.Equal(3, epochs.Length);  // header + 2 epochs
        Assert.All(epochs.Skip(1), l => Assert.True(double.IsFinite(double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture))));
        // model.eqtm is the epoch with the lowest validation loss.
        var best = epochs.Skip(1).Select(l => l.Split(',')).OrderBy(c => double.Parse(c[2], System.Globalization.CultureInfo.InvariantCulture)).First()[0];
        using var model = TempoModel.Load(result.ModelPath);
        Assert.Equal(best, model.Metadata.Training["epochs"]);
    }

    [Fact]
    public void KeepEpochs_KeepsEachEpochsWeights_TheLastEqualToTheCheckpoint_TheBestToTheModel()
    {
        var result = new SelfSupervisedTrainer(Tiny(2) with { KeepEpochs = true }, TinyInput).Run(new[] { AudioDir }, RunDir);
        var kept = Directory.GetFiles(Path.Combine(RunDir, "epochs")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "epoch-001.eqtm", "epoch-002.eqtm" }, kept);
        var first = File.ReadAllBytes(Path.Combine(RunDir, "epochs", "epoch-001.eqtm"));
        var last = File.ReadAllBytes(Path.Combine(RunDir, "epochs", "epoch-002.eqtm"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(RunDir, "checkpoint.eqtm")), last);
        Assert.NotEqual(first, last);   // a step was taken between them
        using var model = TempoModel.Load(result.ModelPath);
        var bestEpoch = int.Parse(model.Metadata.Training["epochs"]);
        Assert.Equal(File.ReadAllBytes(result.ModelPath), bestEpoch == 1 ? first : last);
        using var one = TempoModel.Load(Path.Combine(RunDir, "epochs", "epoch-001.eqtm"));
        Assert.Equal("1", one.Metadata.Training["epochs"]);
    }

    [Fact]
    public void WithoutKeepEpochs_NoEpochsFolder()
    {
        new SelfSupervisedTrainer(Tiny(1), TinyInput).Run(new[] { AudioDir }, RunDir);
        Assert.False(Directory.Exists(Path.Combine(RunDir, "epochs")));
    }

    [Fact]
    public void KilledRun_ResumesFromTheLastCompletedEpoch()
    {
        // Epoch 1 completes; the run is then "killed" (cancelled) during epoch 2.
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Epoch == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new SelfSupervisedTrainer(Tiny(3), TinyInput).Run(new[] { AudioDir }, RunDir, progress: progress, ct: cts.Token));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(RunDir, "epochs.csv")).Length);     // header + epoch 1

        // Starting again without resuming must not clobber the run.
        var clash = Assert.Throws<EquiTempoException>(() => new SelfSupervisedTrainer(Tiny(3), TinyInput).Run(new[] { AudioDir }, RunDir));
        Assert.Equal(ErrorReason.TrainingRun, clash.Reason);
        Assert.DoesNotContain("--", clash.Message);

        var result = new SelfSupervisedTrainer(Tiny(3), TinyInput).Run(new[] { AudioDir }, RunDir, resume: true);
        Assert.Equal(3, result.EpochsCompleted);
        var epochs = File.ReadAllLines(Path.Combine(RunDir, "epochs.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(new[] { "1", "2", "3" }, epochs);
        var steps = File.ReadAllLines(Path.Combine(RunDir, "steps.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.DoesNotContain(steps.GroupBy(e => e), g => g.Count() > 2);                   // killed epoch's steps were not kept twice
    }

    [Fact]
    public void FeatureDomainStretch_Trains()
    {
        // Also without the decode cache and with views filled from the source (no zero-padded tail).
        var result = new SelfSupervisedTrainer(Tiny(1) with { Stretch = StretchDomain.Features, DecodeCacheDirectory = "", FillViewsFromSource = true }, TinyInput)
            .Run(new[] { AudioDir }, RunDir);
        Assert.Equal(1, result.EpochsCompleted);
        Assert.True(File.Exists(result.ModelPath));
    }

    [Fact]
    public void EmptyFolder_IsAClearError()
    {
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<EquiTempoException>(() => new SelfSupervisedTrainer(Tiny(1), TinyInput).Run(new[] { empty }, RunDir));
        Assert.Equal(ErrorReason.InvalidData, e.Reason);
        Assert.Contains("no audio files", e.Message);
        Assert.Contains(empty, e.Message);
    }

    private sealed class SyncProgress(Action<TrainingProgress> a) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => a(value);
    }
}
