using System.Diagnostics;
using System.Globalization;
using EquiTempo.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>What one optimiser step gave: its loss and the number of network inputs (views) it processed.</summary>
public readonly record struct StepOutcome(double Loss, long Views);

/// <summary>An epoch's validation: the loss (null = no validation set) and the objective's extra metrics, in the
/// order of <see cref="ITrainingObjective{TBatch}.MetricColumns"/>.</summary>
public sealed record ValidationOutcome(double? Loss, IReadOnlyList<double> Metrics)
{
    public static readonly ValidationOutcome None = new(null, Array.Empty<double>());
}

/// <summary>An epoch as the objective records it in the model's training metadata.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, ValidationOutcome Validation, double WallSeconds);

/// <summary>
/// What a training run optimises, for <see cref="TrainingLoop"/>: the loop owns the optimiser, the run
/// folder, the logs, timing and the choice of the best epoch; the objective owns its data and its loss.
/// A new objective is one new type.
/// </summary>
public interface ITrainingObjective<TBatch>
{
    /// <summary>The parameters the optimiser updates.</summary>
    IEnumerable<Parameter> Parameters { get; }
    /// <summary>Optimiser steps in each epoch.</summary>
    int StepsPerEpoch { get; }
    /// <summary>Extra per-epoch validation columns of epochs.csv (e.g. validation_acc1), between the validation loss and the speed.</summary>
    IReadOnlyList<string> MetricColumns { get; }
    /// <summary>Loader thread: writes the epoch's batches in order. They must depend on (seed, epoch, position) only, so a resumed run sees the same data.</summary>
    void ProduceEpoch(int epoch, Action<TBatch> write, CancellationToken ct);
    /// <summary>Training thread: forward and backward on a batch (gradients accumulate; the loop zeroes them and steps).</summary>
    StepOutcome Step(TBatch batch);
    /// <summary>Validation of the current weights (the loop has set eval mode).</summary>
    ValidationOutcome Validate();
    /// <summary>Train or eval mode for the epoch's steps (training = true) or for validation.</summary>
    void SetMode(bool training);
    /// <summary>Records the epoch in the model's metadata before it is saved.</summary>
    void Stamp(ModelMetadata metadata, EpochRecord epoch);
}

/// <summary>Where a run stands between epochs: written to the run folder after each epoch (through the entry point's state record).</summary>
/// <param name="BestLoss">Lowest validation loss so far; null before any (or without a validation set).</param>
/// <param name="BestMetrics">The objective's metrics at the best epoch.</param>
public sealed record LoopState(int CompletedEpochs, int BestEpoch, double? BestLoss, IReadOnlyList<double> BestMetrics, int EpochsSinceBest);

/// <summary>Settings of the loop itself.</summary>
/// <param name="Patience">Stop after this many epochs without a lower validation loss (0 = run every epoch).</param>
/// <param name="Seed">The run's seed: LibTorch's generator (dropout) is re-seeded from (seed, epoch) at the start of every epoch.</param>
/// <param name="KeepEpochs">Also keep every epoch's weights (<see cref="RunFolder.EpochsFolderName"/>/epoch-NNN.eqtm), so that
/// epochs can be measured after the run (equivariance, learning curves), not only the best and the last.</param>
public sealed record TrainingLoopOptions(int Epochs, double LearningRate, int PrefetchBatches, int Patience = 0, int Seed = 0,
    string PlotTitle = "EquiTempo self-supervised training", string LossName = "equivariant ratio loss", bool KeepEpochs = false);

/// <summary>Outcome of <see cref="TrainingLoop.Run"/>.</summary>
public sealed record LoopOutcome(int LastEpoch, LoopState State, bool StoppedEarly, TimeSpan Elapsed);

/// <summary>
/// The one training loop: Adam on the objective's parameters (restored on resume), batches from a loader
/// thread, epochs.csv and steps.csv, progress with time left, checkpoint and state each epoch, model.eqtm
/// = the epoch with the lowest validation loss (every epoch when there is none), early stopping and the
/// training.png plot. A killed run resumes from its last completed epoch.
/// </summary>
public static class TrainingLoop
{
    /// <param name="start">The fresh state, or the resumed one.</param>
    /// <param name="toSaved">The record written to state.json for a loop state (each entry point keeps its own file format).</param>
    public static LoopOutcome Run<TBatch>(ITrainingObjective<TBatch> objective, IModelFile model, string runDirectory, LoopState start,
        Func<LoopState, object> toSaved, TrainingLoopOptions options, bool resume, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null, CancellationToken ct = default)
    {
        // LibTorch on one thread, the network's kernels on all of them (see KernelThreads), and the loader
        // (reading, WSOLA, the self-supervised front end) beside them: 55 views/s end to end on 2 cores, against
        // 23 with LibTorch's two-thread OpenMP team, whose statically split, spinning ops slow down many-fold
        // when another thread takes a core (README, Training throughput). Both objectives train this way.
        int threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using var kernels = EquiTempo.Model.Kernels.KernelThreads.Use(threads);
            return RunOnOneLibTorchThread(objective, model, runDirectory, start, toSaved, options, resume, progress, log, ct);
        }
        finally { set_num_threads(threads); }
    }

    private static LoopOutcome RunOnOneLibTorchThread<TBatch>(ITrainingObjective<TBatch> objective, IModelFile model, string runDirectory,
        LoopState start, Func<LoopState, object> toSaved, TrainingLoopOptions options, bool resume, IProgress<TrainingProgress>? progress,
        Action<string>? log, CancellationToken ct)
    {
        log ??= _ => { };
        var run = new RunFolder(runDirectory);
        var opt = optim.Adam(objective.Parameters, options.LearningRate);
        if (resume) run.RestoreOptimizer(opt);
        var state = start;
        string metricHeader = string.Concat(objective.MetricColumns.Select(c => c + ","));
        var epochLog = new CsvLog(Path.Combine(runDirectory, "epochs.csv"),
            $"epoch,train_loss,validation_loss,{metricHeader}views_per_second,epoch_seconds,elapsed_seconds", state.CompletedEpochs);
        var stepLog = new CsvLog(Path.Combine(runDirectory, "steps.csv"), "epoch,step,loss,views_per_second,elapsed_seconds,step_seconds,wait_seconds", state.CompletedEpochs);
        int epochs = options.Epochs, stepsPerEpoch = objective.StepsPerEpoch;
        var runWatch = Stopwatch.StartNew();
        double elapsedBefore = epochLog.LastElapsedSeconds;
        int epoch = state.CompletedEpochs;
        bool stoppedEarly = options.Patience > 0 && state.EpochsSinceBest >= options.Patience;

        while (!stoppedEarly && epoch < epochs)
        {
            epoch++;
            ct.ThrowIfCancellationRequested();
            // Dropout draws from LibTorch's global generator. Seeded once per run, a resumed run would draw
            // from another point of its stream than the uninterrupted one (measured: first loss of epoch 2
            // 0.490 against 0.074); seeded from (seed, epoch), every epoch draws the same masks either way.
            manual_seed(DeterministicSeed.Mix(options.Seed, epoch, EpochGeneratorStream));
            var epochWatch = Stopwatch.StartNew();
            objective.SetMode(true);
            double lossSum = 0; int steps = 0; long views = 0;
            int ep = epoch;
            // Time waiting for the loader apart from time computing: the two say which side bounds the speed.
            var sinceStep = Stopwatch.StartNew();
            BackgroundBatches.Run<TBatch>(options.PrefetchBatches, (write, token) => objective.ProduceEpoch(ep, write, token), batch =>
            {
                double wait = sinceStep.Elapsed.TotalSeconds;
                var stepWatch = Stopwatch.StartNew();
                opt.zero_grad();
                var r = objective.Step(batch);
                opt.step();
                double stepSeconds = stepWatch.Elapsed.TotalSeconds;
                if (!double.IsFinite(r.Loss)) log($"warning: non-finite loss at epoch {ep} step {steps + 1}");
                lossSum += r.Loss; steps++; views += r.Views;
                double vps = views / epochWatch.Elapsed.TotalSeconds;
                double remaining = epochWatch.Elapsed.TotalSeconds / steps * ((stepsPerEpoch - steps) + (double)(epochs - ep) * stepsPerEpoch);
                stepLog.Append($"{ep},{steps},{F(r.Loss)},{F(vps)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)},{F(stepSeconds)},{F(wait)}");
                progress?.Report(new TrainingProgress(ep, epochs, steps, stepsPerEpoch, r.Loss, vps, runWatch.Elapsed, TimeSpan.FromSeconds(remaining)));
                sinceStep.Restart();
            }, ct);
            if (steps == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no training batch could be built (all files failed to decode?)");

            objective.SetMode(false);
            var val = objective.Validate();
            double trainLoss = lossSum / steps;
            double epochVps = views / epochWatch.Elapsed.TotalSeconds;
            // The best epoch is the one with the lowest validation loss: on a few hundred excerpts it moves
            // smoothly while an accuracy jumps by whole excerpts (measured in fine-tuning: Acc1 fell for 6
            // epochs while the loss kept falling). Without a validation loss every epoch is the best so far.
            bool improved = val.Loss is not double v || !double.IsFinite(v) || state.BestLoss is not double b || v < b;
            state = improved
                ? new LoopState(epoch, epoch, val.Loss is double f && double.IsFinite(f) ? f : state.BestLoss, val.Metrics, 0)
                : state with { CompletedEpochs = epoch, EpochsSinceBest = state.EpochsSinceBest + 1 };
            objective.Stamp(model.Metadata, new EpochRecord(epoch, trainLoss, val, elapsedBefore + runWatch.Elapsed.TotalSeconds));
            // Checkpoint first, then the state that points to it: a kill between the two loses nothing but this epoch.
            run.SaveEpoch(model, opt, improved, toSaved(state), options.KeepEpochs ? epoch : null);
            string metrics = string.Concat(val.Metrics.Select(m => F(m) + ","));
            epochLog.Append($"{epoch},{F(trainLoss)},{(val.Loss is double vv ? F(vv) : "")},{metrics}{F(epochVps)},{F(epochWatch.Elapsed.TotalSeconds)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)}");
            try { TrainingPlot.Write(Path.Combine(runDirectory, "training.png"), stepLog.Path, epochLog.Path, options.PlotTitle, options.LossName); }
            catch (Exception e) { log($"warning: could not draw training.png: {e.Message}"); }
            progress?.Report(new TrainingProgress(epoch, epochs, steps, stepsPerEpoch, trainLoss, epochVps, runWatch.Elapsed,
                TimeSpan.FromSeconds(epochWatch.Elapsed.TotalSeconds * (epochs - epoch)), val.Loss, EpochDone: true));
            string named = string.Concat(objective.MetricColumns.Zip(val.Metrics, (c, m) => $", {c} {m:G4}"));
            log($"epoch {epoch}/{epochs}: train loss {trainLoss:F4}" + (val.Loss is double x ? $", validation loss {x:F4}" : "") + named
                + $", {epochVps:F1} views/s, {epochWatch.Elapsed.TotalSeconds:F0} s" + (improved ? " (best)" : ""));
            if (options.Patience > 0 && state.EpochsSinceBest >= options.Patience)
            {
                stoppedEarly = true;
                log($"stopping early: no better validation result for {options.Patience} epochs (best: epoch {state.BestEpoch})");
            }
        }
        return new LoopOutcome(epoch, state, stoppedEarly, runWatch.Elapsed);
    }

    /// <summary>Keeps the dropout generator's seeds apart from the data seeds, which are Mix(seed, epoch[, position]).</summary>
    private const int EpochGeneratorStream = 0x7e57;

    internal static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
