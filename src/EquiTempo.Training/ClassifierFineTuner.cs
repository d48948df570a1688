using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using static TorchSharp.torch;
using EquiTempo.Training.Stretching;
using EquiTempo.Training.Corpus;

namespace EquiTempo.Training;

/// <summary>Outcome of <see cref="ClassifierFineTuner.Run"/>.</summary>
public sealed record FineTuneResult(string ModelPath, int EpochsCompleted, int BestEpoch, double BestValidationAcc1,
    double BestValidationAcc2, double BestValidationLoss, IReadOnlyList<string> SkippedFiles, int TrainTracks,
    int ValidationTracks, TimeSpan Elapsed, bool StoppedEarly);

/// <summary>
/// The paper's downstream route: trains the head ELU → Linear(16→300) (class = round(BPM)) with
/// cross-entropy on labelled tracks, updating the whole network or, with <see cref="FineTuneConfig.Freeze"/>,
/// the head alone. Starts from a self-supervised model, or from a fresh network (the supervised baseline).
/// Writes the same run folder as self-supervised training (checkpoint and optimiser state each epoch,
/// epochs.csv, steps.csv, training.png, model.eqtm = the best validation epoch); a killed run resumes.
/// </summary>
public sealed class ClassifierFineTuner
{
    public const string ModelFileName = RunFolder.ModelFileName;

    private readonly FineTuneConfig _cfg;
    private readonly TimeStretcher _stretcher = new();

    public ClassifierFineTuner(FineTuneConfig? config = null) { _cfg = config ?? new FineTuneConfig(); }

    private sealed record RunState(int CompletedEpochs, int BestEpoch, double BestAcc1, double BestAcc2, double BestLoss, int EpochsSinceBest);

    private sealed record Example(float[] View, double Bpm);

    /// <summary>The training excerpt length of the run in progress.</summary>
    private int _excerpt;

    /// <param name="tracks">Labelled tracks (any mix of sources); split by file into training and validation.</param>
    /// <param name="startModel">Self-supervised model to start from; null = a fresh network (<paramref name="freshNetwork"/>).</param>
    /// <param name="labelSource">What the labels are, recorded in the model's readout (e.g. whether humans made them).</param>
    public FineTuneResult Run(IReadOnlyList<LabelledTrack> tracks, string? startModel, string outDir, string labelSource,
        bool resume = false, TcnConfig? freshNetwork = null, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        _cfg.Validated();
        if (_cfg.Freeze && startModel is null)
            throw EquiTempoException.InvalidSetting(nameof(FineTuneConfig.Freeze), "a frozen backbone needs a trained model to start from (a frozen fresh network learns nothing)");
        var run = new RunFolder(outDir);
        // MaxValue, not ∞: the state is JSON.
        var state = run.StartOrResume(resume, new RunState(0, 0, -1, 0, double.MaxValue, 0), "fine-tuning run");

        using var model = resume ? TempoModel.Load(run.CheckpointPath)
            : startModel is not null ? TempoModel.Load(startModel) : new TempoModel(new ModelMetadata { Network = freshNetwork ?? new TcnConfig() });
        _cfg.Validated(model.Metadata.Input.HopLength);
        int sr = model.Metadata.Input.SampleRate;
        _excerpt = _cfg.TrainingExcerptSamples ?? model.Metadata.Input.ChunkSamples;
        int classes = model.Metadata.Network.TempoClasses;
        var cache = new PcmCache(_cfg.DecodeCacheDirectory ?? PcmCache.DefaultDirectory, sr);

        // Decode once into the cache; a track that fails is reported and left out.
        var (usable, skipped) = AudioCorpus.DecodeLabelled(tracks, cache, ct);
        foreach (var s in skipped) log($"skipped {s}");
        if (usable.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no labelled track could be decoded");
        var byPath = usable.GroupBy(u => u.File.Path).ToDictionary(g => g.Key, g => g.First().Track);
        var (trainFiles, valFiles) = AudioCorpus.Split(usable.Select(u => u.File).ToList(), _cfg.ValidationFraction, _cfg.Seed);
        var train = trainFiles.Select(f => (Track: byPath[f.Path], File: f)).ToList();
        var val = valFiles.Select(f => (Track: byPath[f.Path], File: f)).ToList();
        File.WriteAllLines(Path.Combine(outDir, "train-files.txt"), train.Select(t => t.File.Path));
        File.WriteAllLines(Path.Combine(outDir, "validation-files.txt"), val.Select(t => t.File.Path));
        File.WriteAllText(Path.Combine(outDir, "config.json"), JsonSerializer.Serialize(
            new { fineTune = _cfg, startModel, labelSource, trainTracks = train.Count, validationTracks = val.Count }, TempoModel.Json));
        log($"{usable.Count} tracks: {train.Count} for training, {val.Count} for validation; labels: {labelSource}");

        manual_seed(_cfg.Seed + state.CompletedEpochs);
        var parameters = _cfg.Freeze ? model.Network.ClassHeadParameters() : model.Network.parameters();
        var opt = optim.Adam(parameters, _cfg.LearningRate);
        if (resume) run.RestoreOptimizer(opt);
        var step = new TempoClassStep(model.Network, _cfg.Freeze, _cfg.MicroBatch);
        using var frontEnd = model.CreateFrontEnd();
        var epochLog = new CsvLog(Path.Combine(outDir, "epochs.csv"),
            "epoch,train_loss,validation_loss,validation_acc1,validation_acc2,views_per_second,epoch_seconds,elapsed_seconds", state.CompletedEpochs);
        var stepLog = new CsvLog(Path.Combine(outDir, "steps.csv"), "epoch,step,loss,views_per_second,elapsed_seconds", state.CompletedEpochs);
        var valSet = BuildValidation(val, cache, sr, classes, frontEnd);
        int stepsPerEpoch = (int)Math.Ceiling((double)train.Count * _cfg.ExcerptsPerTrack / _cfg.BatchSize);
        if (_cfg.MaxStepsPerEpoch > 0) stepsPerEpoch = Math.Min(stepsPerEpoch, _cfg.MaxStepsPerEpoch);
        var runWatch = Stopwatch.StartNew();
        double elapsedBefore = epochLog.LastElapsedSeconds;
        bool stoppedEarly = false;
        int epoch = state.CompletedEpochs;
        if (_cfg.Patience > 0 && state.EpochsSinceBest >= _cfg.Patience) stoppedEarly = true;

        while (!stoppedEarly && epoch < _cfg.Epochs)
        {
            epoch++;
            ct.ThrowIfCancellationRequested();
            var epochWatch = Stopwatch.StartNew();
            if (_cfg.Freeze) model.Network.eval(); else model.Network.train();
            double lossSum = 0; int steps = 0; long views = 0;
            int ep = epoch;
            BackgroundBatches.Run<List<Example>>(_cfg.PrefetchBatches, (write, token) => Produce(train, ep, stepsPerEpoch, cache, sr, classes, write, token), batch =>
            {
                using var scope = NewDisposeScope();
                // Front end on the training thread: two LibTorch OpenMP teams thrash on 2 cores (see SelfSupervisedTrainer).
                var x = frontEnd.Forward(batch.Select(b => b.View).ToList(), _excerpt);
                var y = tensor(batch.SelectMany(b => TempoClassStep.Target(b.Bpm, classes, _cfg.LabelSigma)).ToArray(), new long[] { batch.Count, classes });
                opt.zero_grad();
                double loss = step.ForwardBackward(x, y);
                opt.step();
                lossSum += loss; steps++; views += batch.Count;
                double vps = views / epochWatch.Elapsed.TotalSeconds;
                double remaining = epochWatch.Elapsed.TotalSeconds / steps * ((stepsPerEpoch - steps) + (double)(_cfg.Epochs - ep) * stepsPerEpoch);
                stepLog.Append($"{ep},{steps},{F(loss)},{F(vps)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)}");
                progress?.Report(new TrainingProgress(ep, _cfg.Epochs, steps, stepsPerEpoch, loss, vps, runWatch.Elapsed, TimeSpan.FromSeconds(remaining)));
            }, ct);
            if (steps == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no training batch could be built");

            model.Network.eval();
            var (valLoss, acc1, acc2) = Validate(step, valSet);
            double trainLoss = lossSum / steps;
            // The best epoch is the one with the lowest validation cross-entropy: on a few hundred excerpts
            // it moves smoothly while Acc1 jumps by whole excerpts (measured: Acc1 fell for 6 epochs while
            // the loss kept falling). Without a validation split every epoch counts as the best so far.
            bool improved = valSet.Count == 0 || valLoss < state.BestLoss;
            model.Metadata.SetReadout(new ClassHeadReadout(labelSource));
            if (!_cfg.Freeze) model.Metadata.RemoveReadout<ScaleReadout>();   // z moved with the backbone
            model.Metadata.Description = (startModel is null ? "supervised from scratch" : $"fine-tuned from {Path.GetFileName(startModel)}")
                + (_cfg.Freeze ? " (head only)" : " (whole network)");
            var t = model.Metadata.Training;
            t["finetune_epochs"] = epoch.ToString(CultureInfo.InvariantCulture);
            t["finetune_train_loss"] = F(trainLoss);
            t["finetune_validation_loss"] = F(valLoss);
            t["finetune_validation_acc1"] = F(acc1);
            t["finetune_validation_acc2"] = F(acc2);
            t["finetune_train_tracks"] = train.Count.ToString(CultureInfo.InvariantCulture);
            t["finetune_labels"] = labelSource;
            t["finetune_wall_seconds"] = F(elapsedBefore + runWatch.Elapsed.TotalSeconds);
            state = improved
                ? new RunState(epoch, epoch, acc1, acc2, double.IsFinite(valLoss) ? valLoss : double.MaxValue, 0)
                : state with { CompletedEpochs = epoch, EpochsSinceBest = state.EpochsSinceBest + 1 };
            run.SaveEpoch(model, opt, improved, state);
            double epochVps = views / epochWatch.Elapsed.TotalSeconds;
            epochLog.Append($"{epoch},{F(trainLoss)},{F(valLoss)},{F(acc1)},{F(acc2)},{F(epochVps)},{F(epochWatch.Elapsed.TotalSeconds)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)}");
            try { TrainingPlot.Write(Path.Combine(outDir, "training.png"), stepLog.Path, epochLog.Path, "EquiTempo fine-tuning", "cross-entropy"); }
            catch (Exception e) { log($"warning: could not draw training.png: {e.Message}"); }
            progress?.Report(new TrainingProgress(epoch, _cfg.Epochs, steps, stepsPerEpoch, trainLoss, epochVps, runWatch.Elapsed,
                TimeSpan.FromSeconds(epochWatch.Elapsed.TotalSeconds * (_cfg.Epochs - epoch)), valLoss, EpochDone: true));
            log($"epoch {epoch}/{_cfg.Epochs}: train loss {trainLoss:F4}, validation loss {valLoss:F4}, Acc1 {acc1:P1}, Acc2 {acc2:P1}, {epochVps:F1} views/s, {epochWatch.Elapsed.TotalSeconds:F0} s" + (improved ? " (best)" : ""));
            if (_cfg.Patience > 0 && state.EpochsSinceBest >= _cfg.Patience)
            {
                stoppedEarly = true;
                log($"stopping early: no better validation result for {_cfg.Patience} epochs (best: epoch {state.BestEpoch})");
            }
        }
        foreach (var b in valSet) b.Inputs.Dispose();
        return new FineTuneResult(run.ModelPath, epoch, state.BestEpoch, state.BestAcc1, state.BestAcc2, state.BestLoss,
            skipped, train.Count, val.Count, runWatch.Elapsed, stoppedEarly);
    }

    /// <summary>A training example: a random excerpt stretched by a random α, labelled round(BPM × α).</summary>
    private Example Sample(LabelledTrack track, CorpusFile file, PcmCache cache, int sr, int classes, Random rng)
    {
        int n = _excerpt;
        double alpha = _cfg.MinRate == _cfg.MaxRate ? _cfg.MinRate
            : Math.Exp(Math.Log(_cfg.MinRate) + rng.NextDouble() * (Math.Log(_cfg.MaxRate) - Math.Log(_cfg.MinRate)));
        // A stretch may not push the label past the last class (it would be clamped, i.e. wrong).
        alpha = Math.Min(alpha, Math.Max(1.0, (classes - 1) / track.Bpm));
        // Enough source that a sped-up view is music to the end (no silent tail that would hint at α).
        int source = alpha == 1.0 ? n : (int)Math.Ceiling(n * alpha) + sr / 10;
        long room = (long)(file.DurationSeconds * sr) - source;
        long start = room > 0 ? (long)(rng.NextDouble() * room) : 0;
        var excerpt = cache.Read(file.Path, start, source);
        var view = alpha == 1.0 ? excerpt : _stretcher.Stretch(excerpt, alpha, sr, n);
        return new Example(view, track.Bpm * alpha);
    }

    private void Produce(List<(LabelledTrack Track, CorpusFile File)> train, int epoch, int steps, PcmCache cache, int sr, int classes,
        Action<List<Example>> write, CancellationToken ct)
    {
        var order = RunFolder.EpochOrder(train, _cfg.ExcerptsPerTrack, _cfg.Seed, epoch);
        for (int s = 0; s < steps; s++)
        {
            ct.ThrowIfCancellationRequested();
            var batch = new List<Example>();
            for (int k = s * _cfg.BatchSize; k < Math.Min(order.Count, (s + 1) * _cfg.BatchSize); k++)
                batch.Add(Sample(order[k].Track, order[k].File, cache, sr, classes, new Random(DeterministicSeed.Mix(_cfg.Seed, epoch, k))));
            if (batch.Count > 0) write(batch);
        }
    }

    private sealed record ValidationBatch(Tensor Inputs, double[] Bpms, long[] Classes);

    /// <summary>Evenly spaced unstretched excerpts of each validation track, computed once.</summary>
    private List<ValidationBatch> BuildValidation(List<(LabelledTrack Track, CorpusFile File)> val, PcmCache cache, int sr, int classes, LogMelFrontEnd fe)
    {
        int n = _excerpt;
        var items = new List<(float[] View, double Bpm)>();
        foreach (var (track, file) in val)
        {
            long total = (long)(file.DurationSeconds * sr);
            int count = Math.Max(1, Math.Min(_cfg.ValidationExcerptsPerTrack, (int)(total / n)));
            for (int k = 0; k < count; k++)
            {
                long start = count == 1 ? 0 : (long)((double)(total - n) * k / (count - 1));
                items.Add((cache.Read(file.Path, Math.Max(0, start), n), track.Bpm));
            }
        }
        var batches = new List<ValidationBatch>();
        for (int s = 0; s < items.Count; s += _cfg.BatchSize)
        {
            var part = items.Skip(s).Take(_cfg.BatchSize).ToList();
            var x = fe.Forward(part.Select(p => p.View).ToList(), n);
            batches.Add(new ValidationBatch(x, part.Select(p => p.Bpm).ToArray(), part.Select(p => TempoClassStep.ClassOf(p.Bpm, classes)).ToArray()));
        }
        return batches;
    }

    /// <summary>Mean cross-entropy and excerpt-level Acc1/Acc2 of the arg-max class.</summary>
    private (double Loss, double Acc1, double Acc2) Validate(TempoClassStep step, List<ValidationBatch> batches)
    {
        if (batches.Count == 0) return (double.NaN, 0, 0);
        double loss = 0; int n = 0, a1 = 0, a2 = 0;
        foreach (var b in batches)
        {
            using var scope = NewDisposeScope();
            var p = step.Probabilities(b.Inputs);
            loss += nn.functional.nll_loss(p.clamp_min(1e-12).log(), tensor(b.Classes), reduction: nn.Reduction.Sum).item<float>();
            var arg = p.argmax(1).data<long>().ToArray();
            for (int k = 0; k < arg.Length; k++)
            {
                n++;
                if (arg[k] <= 0) continue;
                if (TempoMetrics.Acc1(arg[k], b.Bpms[k], _cfg.Tolerance)) a1++;
                if (TempoMetrics.Acc2(arg[k], b.Bpms[k], _cfg.Tolerance)) a2++;
            }
        }
        return (loss / n, (double)a1 / n, (double)a2 / n);
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
