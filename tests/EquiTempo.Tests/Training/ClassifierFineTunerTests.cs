using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Model;
using EquiTempo.Training;
using EquiTempo.Tests.Signals;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Training;

/// <summary>Fine-tuning the tempo-class head on a tiny configuration: 2 s excerpts of click tracks at known tempi.</summary>
[Collection(LibTorchRngCollection.Name)]
public class ClassifierFineTunerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-ft-{Guid.NewGuid():N}");
    private readonly List<LabelledTrack> _tracks = new();
    private string RunDir => Path.Combine(_dir, "run");
    private string StartModel => Path.Combine(_dir, "start.eqtm");

    public ClassifierFineTunerTests()
    {
        _tracks.AddRange(ClickTrackFiles.Write(_dir, new[] { 80.0, 100, 120, 140, 160, 180 }, 5));
        var broken = Path.Combine(_dir, "broken.wav");
        File.WriteAllText(broken, "not audio at all");
        _tracks.Add(new LabelledTrack(broken, 120, "clicks"));
        manual_seed(3);
        using var start = new TempoModel(new ModelMetadata { Input = new EquiTempo.Features.ModelInput(ChunkSamples: 88_200) });
        start.Metadata.SetReadout(new ScaleReadout(50, "test"));
        start.Save(StartModel);
    }

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private FineTuneConfig Tiny(int epochs, bool freeze = false) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchSize = 4, MicroBatch = 2,
        ValidationFraction = 0.34, Seed = 5, PrefetchBatches = 1, Freeze = freeze,
        MinRate = 0.9, MaxRate = 1.1, Patience = 0,
    };

    private static float[] Weights(TempoModel m, Func<string, bool> which) =>
        m.Network.named_parameters().Where(p => which(p.name)).SelectMany(p => p.parameter.detach().flatten().data<float>().ToArray()).ToArray();

    [Fact]
    public void WholeNetwork_TrainsHeadAndBackbone_WritesTheRunAndDropsTheStaleScale()
    {
        var r = new ClassifierFineTuner(Tiny(2)).Run(_tracks, StartModel, RunDir, "click tracks rendered in the test (no human labels)");
        Assert.Equal(2, r.EpochsCompleted);
        Assert.Equal(6, r.TrainTracks + r.ValidationTracks);
        Assert.Contains(r.SkippedFiles, s => s.Contains("broken.wav"));
        foreach (var f in new[] { "model.eqtm", "checkpoint.eqtm", "checkpoint.optim", "config.json", "epochs.csv", "steps.csv", "training.png" })
            Assert.True(File.Exists(Path.Combine(RunDir, f)), $"{f} missing");
        using var start = TempoModel.Load(StartModel);
        using var tuned = TempoModel.Load(r.ModelPath);
        Assert.Contains("no human labels", Assert.IsType<ClassHeadReadout>(tuned.Metadata.PreferredReadout).Source);
        Assert.Null(tuned.Metadata.ReadoutOf<ScaleReadout>());                  // z moved with the backbone: the old scale no longer holds
        Assert.NotEqual(Weights(start, n => !n.StartsWith("output.")), Weights(tuned, n => !n.StartsWith("output.")));
        Assert.NotEqual(Weights(start, n => n.StartsWith("output.")), Weights(tuned, n => n.StartsWith("output.")));
        var rows = File.ReadAllLines(Path.Combine(RunDir, "epochs.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, c => Assert.InRange(double.Parse(c[3], CultureInfo.InvariantCulture), 0, 1));   // validation Acc1
    }

    [Fact]
    public void Frozen_TrainsTheHeadOnly_AndKeepsTheScale()
    {
        var r = new ClassifierFineTuner(Tiny(1, freeze: true)).Run(_tracks, StartModel, RunDir, "test clicks");
        using var start = TempoModel.Load(StartModel);
        using var tuned = TempoModel.Load(r.ModelPath);
        Assert.Equal(Weights(start, n => !n.StartsWith("output.")), Weights(tuned, n => !n.StartsWith("output.")));
        Assert.NotEqual(Weights(start, n => n.StartsWith("output.")), Weights(tuned, n => n.StartsWith("output.")));
        Assert.Equal(50, tuned.Metadata.ReadoutOf<ScaleReadout>()!.Scale);
        Assert.IsType<ClassHeadReadout>(tuned.Metadata.PreferredReadout);
    }

    [Fact]
    public void FromScratch_LossFallsOnAFixedSet()
    {
        // The supervised baseline's path: a fresh network, the cross-entropy must go down from ln(300) ≈ 5.7.
        var cfg = Tiny(20) with { ValidationFraction = 0, MinRate = 1, MaxRate = 1, LearningRate = 3e-3 };
        new ClassifierFineTuner(cfg).Run(_tracks, null, RunDir, "test clicks", freshNetwork: new TcnConfig());
        var losses = File.ReadAllLines(Path.Combine(RunDir, "epochs.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses[^1] < 0.5 * losses[0], $"train loss per epoch: {string.Join(", ", losses.Select(l => l.ToString("F2")))}");
    }

    [Fact]
    public void KilledRun_ResumesFromTheLastCompletedEpoch()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p => { if (p.Epoch == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => new ClassifierFineTuner(Tiny(3)).Run(_tracks, StartModel, RunDir, "t", progress: progress, ct: cts.Token));
        Assert.Equal(ErrorReason.TrainingRun, Assert.Throws<EquiTempoException>(() => new ClassifierFineTuner(Tiny(3)).Run(_tracks, StartModel, RunDir, "t")).Reason);
        var r = new ClassifierFineTuner(Tiny(3)).Run(_tracks, StartModel, RunDir, "t", resume: true);
        Assert.Equal(3, r.EpochsCompleted);
        var epochs = File.ReadAllLines(Path.Combine(RunDir, "epochs.csv")).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(new[] { "1", "2", "3" }, epochs);
    }

    [Fact]
    public void FreezingAFreshNetwork_OrNoDecodableTrack_IsAClearError()
    {
        Assert.Equal(ErrorReason.InvalidSetting, Assert.Throws<EquiTempoException>(() => new ClassifierFineTuner(Tiny(1, freeze: true)).Run(_tracks, null, RunDir, "t")).Reason);
        var e = Assert.Throws<EquiTempoException>(() => new ClassifierFineTuner(Tiny(1)).Run(_tracks.Where(t => t.Path.EndsWith("broken.wav")).ToList(), StartModel, RunDir + "2", "t"));
        Assert.Contains("none of the 1 labelled tracks could be decoded", e.Message);
        Assert.Equal(ErrorReason.InvalidData, e.Reason);
    }

    [Theory]
    [InlineData(119.6, 120)]
    [InlineData(0.2, 1)]
    [InlineData(512, 299)]
    public void ClassOf_RoundsAndClampsToTheHeadsRange(double bpm, long expected) => Assert.Equal(expected, TempoClassStep.ClassOf(bpm, 300));

    [Fact]
    public void SoftTarget_IsANormalisedBumpAtTheTempo_AndOneHotWithoutWidth()
    {
        var q = TempoClassStep.Target(120, 300, 0.02);
        Assert.Equal(1.0, q.Sum(), 4);
        Assert.Equal(120, Array.IndexOf(q, q.Max()));
        Assert.True(q[117] > q[113] && q[113] > q[100] && q[100] < 1e-6);
        Assert.Equal(0f, q[0]);
        var hard = TempoClassStep.Target(119.6, 300, 0);
        Assert.Equal(1f, hard[120]);
        Assert.Equal(1f, hard.Sum());
    }

    [Fact]
    public void SoftTargets_Train()
    {
        var r = new ClassifierFineTuner(Tiny(1) with { LabelSigma = 0.02 }).Run(_tracks, StartModel, RunDir, "t");
        var loss = double.Parse(File.ReadAllLines(Path.Combine(RunDir, "epochs.csv"))[1].Split(',')[1], CultureInfo.InvariantCulture);
        Assert.True(double.IsFinite(loss) && loss > 0);
        Assert.True(File.Exists(r.ModelPath));
    }

    private sealed class SyncProgress(Action<TrainingProgress> a) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => a(value);
    }
}
