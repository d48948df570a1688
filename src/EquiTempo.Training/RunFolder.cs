using System.Text.Json;
using EquiTempo.Model;

namespace EquiTempo.Training;

/// <summary>
/// The files of a training run folder that make it resumable, shared by self-supervised training and
/// fine-tuning: the state (last completed epoch and best result), the checkpoint and optimiser state
/// of the last epoch, and model.eqtm, the best epoch. Every write goes to a temp name and is renamed,
/// and the state is written last, so a kill at any point loses at most the epoch in progress.
/// </summary>
internal sealed class RunFolder
{
    public const string ModelFileName = "model.eqtm";
    public const string CheckpointFileName = "checkpoint.eqtm";
    /// <summary>Where every epoch's weights are kept when the run asks for it (epoch-001.eqtm, …).</summary>
    public const string EpochsFolderName = "epochs";
    private const string OptimizerFileName = "checkpoint.optim";
    private const string StateFileName = "state.json";
    private const string ConfigFileName = "config.json";

    public string Directory { get; }
    public string ModelPath => Path.Combine(Directory, ModelFileName);
    public string CheckpointPath => Path.Combine(Directory, CheckpointFileName);
    private string OptimizerPath => Path.Combine(Directory, OptimizerFileName);
    private string StatePath => Path.Combine(Directory, StateFileName);

    public RunFolder(string directory)
    {
        Directory = directory;
        if (File.Exists(directory)) throw new EquiTempoException(ErrorReason.TrainingRun, directory, "is a file, not a run folder");
        try { System.IO.Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.TrainingRun, directory, $"cannot create the run folder: {e.Message}", e);
        }
    }

    /// <summary>The saved state when resuming, else <paramref name="fresh"/>; refuses to resume nothing or to overwrite a run.</summary>
    public T StartOrResume<T>(bool resume, T fresh, string what)
    {
        if (resume)
        {
            if (!File.Exists(StatePath)) throw new EquiTempoException(ErrorReason.TrainingRun, Directory, $"resume was asked but the folder holds no run state ({StateFileName})");
            return JsonSerializer.Deserialize<T>(File.ReadAllText(StatePath))!;
        }
        if (File.Exists(StatePath))
            throw new EquiTempoException(ErrorReason.TrainingRun, Directory, $"the folder already holds a {what}; resume it or choose another folder");
        return fresh;
    }

    /// <summary>Loads the optimiser state saved with the checkpoint, when there is one.</summary>
    public void RestoreOptimizer(TorchSharp.Modules.OptimizerHelper opt)
    {
        if (File.Exists(OptimizerPath)) opt.load_state_dict(OptimizerPath);
    }

    /// <summary>The kept weights of epoch <paramref name="epoch"/> (see <see cref="TrainingLoopOptions.KeepEpochs"/>).</summary>
    public string EpochPath(int epoch) => Path.Combine(Directory, EpochsFolderName, $"epoch-{epoch:D3}.eqtm");

    /// <summary>Ends an epoch: checkpoint and optimiser state, model.eqtm when the epoch is the best so far, a copy as
    /// <see cref="EpochPath"/> when <paramref name="keepEpoch"/> is given, then the state.</summary>
    public void SaveEpoch<T>(IModelFile model, TorchSharp.Modules.OptimizerHelper opt, bool best, T state, int? keepEpoch = null)
    {
        model.Save(CheckpointPath);
        if (keepEpoch is int e)
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, EpochsFolderName));
            CopyAtomic(CheckpointPath, EpochPath(e));
        }
        var tmp = OptimizerPath + ".tmp";
        opt.save_state_dict(tmp);
        File.Move(tmp, OptimizerPath, true);
        if (best) CopyAtomic(CheckpointPath, ModelPath);
        WriteAtomic(StatePath, JsonSerializer.Serialize(state));
    }

    /// <summary>Records how the run was set up: the training and validation file lists (one path a line) and
    /// config.json, written when a run starts or resumes so the folder always says what it was trained on.</summary>
    public void WriteSetup(IEnumerable<string> trainPaths, IEnumerable<string> validationPaths, object config)
    {
        File.WriteAllLines(Path.Combine(Directory, "train-files.txt"), trainPaths);
        File.WriteAllLines(Path.Combine(Directory, "validation-files.txt"), validationPaths);
        File.WriteAllText(Path.Combine(Directory, ConfigFileName), JsonSerializer.Serialize(config, TempoModel.Json));
    }

    private static void CopyAtomic(string from, string to)
    {
        File.Copy(from, to + ".tmp", true);
        File.Move(to + ".tmp", to, true);
    }

    internal static void WriteAtomic(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, true);
    }

    /// <summary>Each item <paramref name="repeats"/> times, shuffled by a RNG seeded by (seed, epoch): a resumed
    /// run sees exactly the order the uninterrupted run would have.</summary>
    public static List<T> EpochOrder<T>(IReadOnlyList<T> items, int repeats, int seed, int epoch)
    {
        var order = Enumerable.Range(0, repeats).SelectMany(_ => items).ToList();
        var rng = new Random(DeterministicSeed.Mix(seed, epoch));
        for (int i = order.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        return order;
    }
}
