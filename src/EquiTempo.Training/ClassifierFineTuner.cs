using System.Diagnostics;
using System.Globalization;
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
/// A log-tempo start model is fine-tuned on its own bins instead (<see cref="LogTempo.LogTempoClassObjective"/>).
/// With <see cref="FineTuneConfig.BeatLossWeight"/> the paper's network also learns a frame-wise beat head from the
/// tracks' beat times (multi-task, <see cref="TempoClassObjective"/>), and with <see cref="FineTuneConfig.DownbeatLossWeight"/>
/// a downbeat head beside it from their downbeat times.
/// </summary>
public sealed class ClassifierFineTuner
{
    public const string ModelFileName = RunFolder.ModelFileName;

    private readonly FineTuneConfig _cfg;

    public ClassifierFineTuner(FineTuneConfig? config = null) { _cfg = config ?? new FineTuneConfig(); }

    private sealed record RunState(int CompletedEpochs, int BestEpoch, double BestAcc1, double BestAcc2, double BestLoss, int EpochsSinceBest);

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

        manual_seed(_cfg.Seed);   // a fresh network's initial weights; the loop seeds each epoch itself
        // A log-tempo start model (or a resumed run of one) fine-tunes its own network on its log-tempo bins.
        bool logTempo = resume ? LogTempoModel.IsLogTempoFile(run.CheckpointPath) : startModel is not null && LogTempoModel.IsLogTempoFile(startModel);
        if (logTempo && _cfg.Freeze)
            throw EquiTempoException.InvalidSetting(nameof(FineTuneConfig.Freeze), $"{startModel ?? run.CheckpointPath} is a log-tempo model, which has no separate head to train alone");
        using var tcn = logTempo ? null : resume ? TempoModel.Load(run.CheckpointPath)
            : startModel is not null ? TempoModel.Load(startModel) : new TempoModel(new ModelMetadata { Network = freshNetwork ?? new TcnConfig() });
        using var lt = logTempo ? LogTempoModel.Load(resume ? run.CheckpointPath : startModel!) : null;
        if (logTempo && _cfg.BeatLossWeight > 0)
            throw EquiTempoException.InvalidSetting(nameof(FineTuneConfig.BeatLossWeight), $"{startModel ?? run.CheckpointPath} is a log-tempo model, which reads a tempogram and has no frame features for a beat head");
        // Multi-task: a model without a beat (downbeat) head gains an untrained one, saved with it from the first checkpoint
        // on; the downbeat head is drawn after the beat head, so the beat head starts the same with or without it.
        if (_cfg.BeatLossWeight > 0) tcn!.AddBeatHead();
        if (_cfg.DownbeatLossWeight > 0) tcn!.AddDownbeatHead();
        IModelFile model = (IModelFile?)tcn ?? lt!;
        _cfg.Validated(model.Metadata.Input.HopLength);
        int sr = model.Metadata.Input.SampleRate;
        var cache = new PcmCache(_cfg.DecodeCacheDirectory ?? PcmCache.DefaultDirectory, sr);

        // Decode once into the cache; a track that fails is reported and left out.
        var (usable, skipped) = AudioCorpus.DecodeLabelled(tracks, cache, ct);
        foreach (var s in skipped) log($"skipped {s}");
        if (usable.Count == 0)
            throw new EquiTempoException(ErrorReason.InvalidData, null, tracks.Count == 0 ? "no labelled tracks were given" : $"none of the {tracks.Count} labelled tracks could be decoded");
        var byPath = usable.GroupBy(u => u.File.Path).ToDictionary(g => g.Key, g => g.First().Track);
        var (trainFiles, valFiles) = AudioCorpus.Split(usable.Select(u => u.File).ToList(), _cfg.ValidationFraction, _cfg.Seed);
        var train = trainFiles.Select(f => (Track: byPath[f.Path], File: f)).ToList();
        var val = valFiles.Select(f => (Track: byPath[f.Path], File: f)).ToList();
        run.WriteSetup(train.Select(t => t.File.Path), val.Select(t => t.File.Path),
            new { fineTune = _cfg, startModel, labelSource, family = logTempo ? LogTempoModel.FamilyName : null, trainTracks = train.Count, validationTracks = val.Count });
        log($"{usable.Count} tracks: {train.Count} for training, {val.Count} for validation; labels: {labelSource}");

        using var frontEnd = tcn?.CreateFrontEnd();
        using var tcnObjective = tcn is null ? null : new TempoClassObjective(tcn, _cfg, train, val, cache, frontEnd!, startModel, labelSource);
        using var ltObjective = lt is null ? null : new LogTempo.LogTempoClassObjective(lt, _cfg, train, val, cache, startModel, labelSource);
        ITrainingObjective<List<TempoClassObjective.Example>> objective = (ITrainingObjective<List<TempoClassObjective.Example>>?)tcnObjective ?? ltObjective!;
        var start = new LoopState(state.CompletedEpochs, state.BestEpoch, state.BestLoss == double.MaxValue ? null : state.BestLoss,
            new[] { state.BestAcc1, state.BestAcc2 }, state.EpochsSinceBest);
        var outcome = TrainingLoop.Run(objective, model, outDir, start,
            s => new RunState(s.CompletedEpochs, s.BestEpoch, s.BestMetrics[0], s.BestMetrics[1], s.BestLoss ?? double.MaxValue, s.EpochsSinceBest),
            new TrainingLoopOptions(_cfg.Epochs, _cfg.LearningRate, _cfg.PrefetchBatches, _cfg.Patience, _cfg.Seed, "EquiTempo fine-tuning", "cross-entropy"),
            resume, progress, log, ct);
        var best = outcome.State;
        return new FineTuneResult(run.ModelPath, outcome.LastEpoch, best.BestEpoch, best.BestMetrics[0], best.BestMetrics[1], best.BestLoss ?? double.MaxValue,
            skipped, train.Count, val.Count, outcome.Elapsed, outcome.StoppedEarly);
    }
}
