using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using static TorchSharp.torch;

namespace EquiTempo.Training.LogTempo;

/// <summary>
/// Self-supervised training of the log-tempo family (issue 12) on unlabelled audio, on the one <see cref="TrainingLoop"/>:
/// the same run folder, logs, checkpoints, resume and validation split as <see cref="SelfSupervisedTrainer"/>, with
/// <see cref="LogTempoObjective"/> as the objective and a <see cref="LogTempoModel"/> as the model. The views are always
/// stretched on the waveform (WSOLA): the point is to learn from real stretching as well as from the exact crops.
/// </summary>
public sealed class LogTempoTrainer
{
    private readonly TrainingConfig _cfg;
    private readonly LogTempoObjectiveConfig _objective;
    private readonly ModelInput _input;
    private readonly LogMelConfig _frontCfg;
    private readonly LogTempoArchitecture _architecture;

    public LogTempoTrainer(TrainingConfig? config = null, LogTempoObjectiveConfig? objective = null, ModelInput? input = null,
        LogTempoArchitecture? architecture = null)
    {
        _cfg = config ?? new TrainingConfig();
        if (_cfg.Stretch != StretchDomain.Waveform)
            throw EquiTempoException.InvalidSetting(nameof(TrainingConfig.Stretch), "the log-tempo family stretches on the waveform only (its crops already give exact stretches)");
        if (_cfg.InitFrom is not null)
            throw EquiTempoException.InvalidSetting(nameof(TrainingConfig.InitFrom), "the log-tempo family starts from a fresh network");
        _objective = objective ?? new LogTempoObjectiveConfig();
        _input = (input ?? new ModelInput()).Validated();
        _frontCfg = new LogMelConfig().ValidatedFor(_input);
        _architecture = architecture ?? new LogTempoArchitecture();
        _architecture.Tempogram.ValidatedFor(_input);
        _architecture.Network.Validated();
        _objective.ValidatedFor(_architecture.Tempogram.Bins);
    }

    public TrainingResult Run(IEnumerable<string> audioInputs, string outDir, bool resume = false,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        var (run, state, input) = SelfSupervisedTrainer.Begin(_cfg, outDir, resume, "log-tempo training run", () => _input);
        var corpus = TrainingCorpus.Prepare(_cfg, audioInputs, input.SampleRate, log);
        var (train, val) = (corpus.Train, corpus.Validation);
        run.WriteSetup(train.Select(f => f.Path), val.Select(f => f.Path),
            new { family = LogTempoModel.FamilyName, training = _cfg, objective = _objective, input, frontEnd = _frontCfg, logTempo = _architecture, trainFiles = train.Count, validationFiles = val.Count });
        log($"{train.Count + val.Count} files: {train.Count} for training, {val.Count} for validation ({train.Sum(f => f.DurationSeconds) / 3600:F1} h / {val.Sum(f => f.DurationSeconds) / 3600:F1} h)");

        manual_seed(_cfg.Seed);
        using var model = resume ? LogTempoModel.Load(run.CheckpointPath)
            : new LogTempoModel(new ModelMetadata { Input = input, FrontEnd = _frontCfg, LogTempo = _architecture, Description = "self-supervised log-tempo network (issue 12)" });
        log($"log-tempo network: {model.Network.ParameterCount:N0} parameters");
        using var objective = new LogTempoObjective(model, _cfg, _objective, train, val, corpus.Cache);
        var outcome = TrainingLoop.Run(objective, model, outDir, SelfSupervisedTrainer.LoopStart(state),
            s => new SelfSupervisedTrainer.RunState(s.CompletedEpochs, s.BestLoss, _cfg.Seed),
            new TrainingLoopOptions(_cfg.Epochs, _cfg.LearningRate, _cfg.PrefetchBatches, Seed: _cfg.Seed, PlotTitle: "EquiTempo log-tempo training",
                LossName: "shifted CE + invariance + ratio", KeepEpochs: _cfg.KeepEpochs),
            resume, progress, log, ct);
        var skipped = corpus.Skipped.Concat(objective.Skipped.Distinct()).ToList();
        return new TrainingResult(run.ModelPath, outcome.LastEpoch, outcome.State.BestLoss, skipped, train.Count, val.Count, outcome.Elapsed);
    }
}
