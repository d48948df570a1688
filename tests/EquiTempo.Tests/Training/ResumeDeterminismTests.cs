using EquiTempo.Evaluation;
using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Training;

/// <summary>
/// A run killed during epoch 2 and resumed must be the run that was never interrupted: the same loss at
/// every step, the same validation results and the same final weights, for both objectives.
/// </summary>
[Collection(LibTorchRngCollection.Name)]
public class ResumeDeterminismTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-resume-{Guid.NewGuid():N}");
    private readonly List<LabelledTrack> _tracks;
    private string AudioDir => Path.Combine(_dir, "audio");
    private string StartModel => Path.Combine(_dir, "start.eqtm");
    private static readonly EquiTempo.Features.ModelInput TinyInput = new(ChunkSamples: 88_200);

    public ResumeDeterminismTests()
    {
        _tracks = ClickTrackFiles.Write(AudioDir, new[] { 80.0, 100, 120, 140, 160, 180 }, 6);
        manual_seed(3);
        using var start = new TempoModel(new ModelMetadata { Input = TinyInput });
        start.Save(StartModel);
    }

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private TrainingConfig SelfSupervised(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchPairs = 2, EndMarginSamples = 0,
        MicroBatchPairs = 1, ValidationFraction = 0.2, Seed = 7, PrefetchBatches = 2, MaxStepsPerEpoch = 2,
    };

    // Stretch augmentation and soft targets on, so every random draw of the objective is exercised.
    private FineTuneConfig FineTune(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchSize = 2, MicroBatch = 1,
        ValidationFraction = 0.34, Seed = 5, PrefetchBatches = 2, MinRate = 0.9, MaxRate = 1.1, LabelSigma = 0.02, Patience = 0,
        TrainingExcerptSamples = 44_100, MaxStepsPerEpoch = 2,
    };

    [Fact]
    public void SelfSupervised_KilledAndResumed_EqualsUninterrupted()
    {
        string whole = Path.Combine(_dir, "whole"), resumed = Path.Combine(_dir, "resumed");
        new SelfSupervisedTrainer(SelfSupervised(3), TinyInput).Run(new[] { AudioDir }, whole);
        KillDuringEpoch2(ct => new SelfSupervisedTrainer(SelfSupervised(3), TinyInput).Run(new[] { AudioDir }, resumed, progress: StopAtEpoch2(ct), ct: ct.Token));
        new SelfSupervisedTrainer(SelfSupervised(3), TinyInput).Run(new[] { AudioDir }, resumed, resume: true);
        AssertSameRun(whole, resumed, lossColumns: 1);
    }

    [Fact]
    public void FineTuning_KilledAndResumed_EqualsUninterrupted()
    {
        string whole = Path.Combine(_dir, "whole"), resumed = Path.Combine(_dir, "resumed");
        new ClassifierFineTuner(FineTune(3)).Run(_tracks, StartModel, whole, "t");
        KillDuringEpoch2(ct => new ClassifierFineTuner(FineTune(3)).Run(_tracks, StartModel, resumed, "t", progress: StopAtEpoch2(ct), ct: ct.Token));
        new ClassifierFineTuner(FineTune(3)).Run(_tracks, StartModel, resumed, "t", resume: true);
        AssertSameRun(whole, resumed, lossColumns: 3);   // validation loss, Acc1, Acc2
    }

    internal static void KillDuringEpoch2(Action<CancellationTokenSource> run)
    {
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => run(cts));
        // The draws of the killed epoch must not carry over: a real kill ends the process and its generators.
        manual_seed(12345);
    }

    internal static IProgress<TrainingProgress> StopAtEpoch2(CancellationTokenSource cts) => new SyncProgress(p => { if (p.Epoch == 2) cts.Cancel(); });

    /// <summary>Per-step losses and per-epoch results equal to the last digit logged (G6), and the final weights bit for bit.</summary>
    internal static void AssertSameRun(string whole, string resumed, int lossColumns)
    {
        Assert.Equal(Columns(whole, "steps.csv", 3), Columns(resumed, "steps.csv", 3));              // epoch, step, loss
        Assert.Equal(Columns(whole, "epochs.csv", 2 + lossColumns), Columns(resumed, "epochs.csv", 2 + lossColumns));
        foreach (var (name, x, y) in FinalWeights(whole, resumed))
            Assert.True(x.equal(y).all().item<bool>(), $"{name} differs after resuming");
    }

    /// <summary>
    /// The same run across processes: the same steps and epochs, every step's loss and each epoch's training and
    /// validation loss within <paramref name="relative"/> of the uninterrupted run's, and the final weights within it too.
    /// </summary>
    /// <remarks>
    /// Why not bit for bit, as within one process: measured on this machine (2026-12-03), about one
    /// <c>train</c> process in 25–70 under load gets views whose log-mel sums differ in the 5th–6th digit from
    /// every other process's, for the whole run (the same in every step), so its losses differ by ~1e-4
    /// relative at first and up to ~3e-3 after six steps. The in-process tests above stay bitwise (a
    /// process agrees with itself); the cause is not found yet. Another epoch's or step's data changes these
    /// losses many-fold (0.72, 0.14, 0.25, 0.09 in consecutive steps), far outside the tolerance.
    /// </remarks>
    internal static void AssertSameRunAcrossProcesses(string whole, string resumed, double relative = 0.02)
    {
        AssertCloseRows(whole, resumed, "steps.csv", keys: 2, values: 1, relative);      // epoch, step | loss
        AssertCloseRows(whole, resumed, "epochs.csv", keys: 1, values: 2, relative);     // epoch | train, validation loss
        foreach (var (name, x, y) in FinalWeights(whole, resumed))
        {
            if (!x.is_floating_point()) { Assert.True(x.equal(y).all().item<bool>(), $"{name} differs after resuming"); continue; }
            double diff = (x - y).abs().max().item<float>(), scale = Math.Max(1e-3, x.abs().max().item<float>());
            Assert.True(diff <= relative * scale, $"{name}: max |difference| {diff:G3} against max |value| {scale:G3} after resuming");
        }
    }

    /// <summary>The first <paramref name="keys"/> columns equal, the next <paramref name="values"/> within
    /// <paramref name="relative"/> (an empty value, as a missing validation loss, must be empty in both).</summary>
    private static void AssertCloseRows(string whole, string resumed, string file, int keys, int values, double relative)
    {
        var expected = Columns(whole, file, keys + values);
        var actual = Columns(resumed, file, keys + values);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, r) in expected.Select(l => l.Split(',')).Zip(actual.Select(l => l.Split(','))))
        {
            Assert.Equal(e[..keys], r[..keys]);
            for (int c = keys; c < keys + values; c++)
            {
                if (e[c] == "" || r[c] == "") { Assert.Equal(e[c], r[c]); continue; }
                double le = double.Parse(e[c], System.Globalization.CultureInfo.InvariantCulture);
                double lr = double.Parse(r[c], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(le - lr) <= relative * Math.Abs(le), $"{file}, row {string.Join(".", e[..keys])}, column {c + 1}: {lr} against {le} uninterrupted");
            }
        }
    }

    /// <summary>Each parameter and buffer of the two runs' final checkpoints, by name.</summary>
    private static IEnumerable<(string Name, Tensor Whole, Tensor Resumed)> FinalWeights(string whole, string resumed)
    {
        using var a = TempoModel.Load(Path.Combine(whole, SelfSupervisedTrainer.CheckpointFileName));
        using var b = TempoModel.Load(Path.Combine(resumed, SelfSupervisedTrainer.CheckpointFileName));
        foreach (var ((name, x), (_, y)) in a.Network.state_dict().Zip(b.Network.state_dict()))
            yield return (name, x, y);
    }

    private static List<string> Columns(string run, string file, int count)
    {
        var rows = File.ReadAllLines(Path.Combine(run, file)).Skip(1).Select(l => string.Join(",", l.Split(',').Take(count))).ToList();
        Assert.NotEmpty(rows);
        return rows;
    }

    private sealed class SyncProgress(Action<TrainingProgress> a) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => a(value);
    }
}
