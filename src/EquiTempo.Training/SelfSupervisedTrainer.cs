using System.Diagnostics;
using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>Progress of a training run, reported after every step and at the end of every epoch.</summary>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double ViewsPerSecond,
    TimeSpan Elapsed, TimeSpan Remaining, double? ValidationLoss = null, bool EpochDone = false);

/// <summary>Outcome of <see cref="SelfSupervisedTrainer.Run"/>.</summary>
public sealed record TrainingResult(string ModelPath, int EpochsCompleted, double? BestValidationLoss,
    IReadOnlyList<string> SkippedFiles, int TrainFiles, int ValidationFiles, TimeSpan Elapsed);

/// <summary>
/// The self-supervised training loop: a folder of unlabelled audio in, a model directory out
/// (config.json, split lists, checkpoint each epoch, best model, CSV logs and a PNG of the curves).
/// A killed run resumes from its last completed epoch. Pairs for epoch e come from a RNG seeded by
/// (seed, e, position), so a resumed run sees exactly the data the uninterrupted run would have.
/// </summary>
public sealed class SelfSupervisedTrainer
{
    public const string ModelFileName = RunFolder.ModelFileName;
    public const string CheckpointFileName = RunFolder.CheckpointFileName;

    private readonly TrainingConfig _cfg;
    private readonly ModelInput _input;
    private readonly LogMelConfig _frontCfg;
    private readonly TcnConfig _netCfg;

    /// <param name="input">What the new model reads; its chunk length is the length of every view. A run
    /// started from a model (<see cref="TrainingConfig.InitFrom"/>) or resumed takes that model's input instead.</param>
    public SelfSupervisedTrainer(TrainingConfig? config = null, ModelInput? input = null, LogMelConfig? frontEnd = null, TcnConfig? network = null)
    {
        _cfg = config ?? new TrainingConfig();
        _input = (input ?? new ModelInput()).Validated();
        _frontCfg = (frontEnd ?? new LogMelConfig()).ValidatedFor(_input);
        _netCfg = network ?? new TcnConfig();
    }

    internal sealed record RunState(int CompletedEpochs, double? BestValidationLoss, int Seed);

    /// <summary>The start every self-supervised run shares (either family): the config checked, LibTorch's threads set, the
    /// run folder opened and its state fresh or resumed, and the model input (a resumed run keeps its checkpoint's).</summary>
    internal static (RunFolder Run, RunState State, ModelInput Input) Begin(TrainingConfig cfg, string outDir, bool resume, string what, Func<ModelInput> freshInput)
    {
        cfg.Validated();
        if (cfg.LibTorchThreads is int th) set_num_threads(th);
        var run = new RunFolder(outDir);
        var state = run.StartOrResume(resume, new RunState(0, null, cfg.Seed), what);
        return (run, state, resume ? TempoModel.ReadMetadata(run.CheckpointPath).Input : freshInput());
    }

    /// <summary>The loop's state at the start of a run from the saved state.</summary>
    internal static LoopState LoopStart(RunState state) => new(state.CompletedEpochs, 0, state.BestValidationLoss, Array.Empty<double>(), 0);

    public TrainingResult Run(IEnumerable<string> audioInputs, string outDir, bool resume = false,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        // A resumed or started-from model keeps the input it was made with.
        var (run, state, input) = Begin(_cfg, outDir, resume, "training run", () => _cfg.InitFrom is { } from ? TempoModel.ReadMetadata(from).Input : _input);
        var (train, val, skipped, cache) = TrainingCorpus.Prepare(_cfg, audioInputs, input.SampleRate, log);
        run.WriteSetup(train.Select(f => f.Path), val.Select(f => f.Path),
            new { training = _cfg, input, frontEnd = _frontCfg, network = _netCfg, trainFiles = train.Count, validationFiles = val.Count });
        log($"{train.Count + val.Count} files: {train.Count} for training, {val.Count} for validation ({train.Sum(f => f.DurationSeconds) / 3600:F1} h / {val.Sum(f => f.DurationSeconds) / 3600:F1} h)");

        manual_seed(_cfg.Seed);   // a fresh network's initial weights; the loop seeds each epoch itself
        var meta = new ModelMetadata { Input = input, Network = _netCfg, FrontEnd = _frontCfg, Description = "self-supervised (equivariant ratio loss)" };
        using var model = resume ? TempoModel.Load(run.CheckpointPath)
            : _cfg.InitFrom is { } start ? StartFrom(start, meta) : new TempoModel(meta);
        using var frontEnd = model.CreateFrontEnd();
        using var objective = new EquivariantObjective(model, _cfg, train, val, frontEnd, cache);
        var outcome = TrainingLoop.Run(objective, model, outDir, LoopStart(state),
            s => new RunState(s.CompletedEpochs, s.BestLoss, _cfg.Seed), new TrainingLoopOptions(_cfg.Epochs, _cfg.LearningRate, _cfg.PrefetchBatches, Seed: _cfg.Seed, KeepEpochs: _cfg.KeepEpochs),
            resume, progress, log, ct);
        var allSkipped = skipped.Concat(objective.Skipped.Distinct()).ToList();
        return new TrainingResult(run.ModelPath, outcome.LastEpoch, outcome.State.BestLoss, allSkipped, train.Count, val.Count, outcome.Elapsed);
    }

    private static TempoModel StartFrom(string path, ModelMetadata meta)
    {
        var m = TempoModel.Load(path);
        m.Metadata.Description = meta.Description + $", started from {Path.GetFileName(path)}";
        m.Metadata.Training = new Dictionary<string, string>(m.Metadata.Training.Select(kv => new KeyValuePair<string, string>("start_" + kv.Key, kv.Value)))
        {
            ["start_model"] = path,
        };
        m.Metadata.Readouts.Clear();   // the starting model's readout does not carry over
        return m;
    }

}

/// <summary>Append-only CSV with a header; on resume, rows of epochs after the last completed one
/// (from a killed run) are dropped so the log matches the checkpoint.</summary>
internal sealed class CsvLog
{
    public string Path { get; }
    public double LastElapsedSeconds { get; }

    public CsvLog(string path, string header, int keepEpochsUpTo)
    {
        Path = path;
        var kept = new List<string> { header };
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var first = line.Split(',')[0];
                if (int.TryParse(first, CultureInfo.InvariantCulture, out int ep) && ep <= keepEpochsUpTo) kept.Add(line);
            }
        }
        if (kept.Count > 1 && double.TryParse(kept[^1].Split(',')[^1], CultureInfo.InvariantCulture, out var el)) LastElapsedSeconds = el;
        RunFolder.WriteAtomic(path, string.Join('\n', kept) + "\n");
    }

    public void Append(string row) => File.AppendAllText(Path, row + "\n");
}
