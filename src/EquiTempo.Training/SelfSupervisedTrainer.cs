using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
    private const string ConfigFileName = "config.json";

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

    private sealed record RunState(int CompletedEpochs, double? BestValidationLoss, int Seed);

    public TrainingResult Run(IEnumerable<string> audioInputs, string outDir, bool resume = false,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken ct = default)
    {
        log ??= _ => { };
        _cfg.Validated();
        if (_cfg.LibTorchThreads is int th) set_num_threads(th);
        var run = new RunFolder(outDir);
        var state = run.StartOrResume(resume, new RunState(0, null, _cfg.Seed), "training run");

        // A resumed or started-from model keeps the input it was made with.
        var input = resume ? TempoModel.ReadMetadata(run.CheckpointPath).Input
            : _cfg.InitFrom is { } from ? TempoModel.ReadMetadata(from).Input : _input;
        var cache = _cfg.DecodeCacheDirectory == "" ? null : new PcmCache(_cfg.DecodeCacheDirectory ?? PcmCache.DefaultDirectory, input.SampleRate);
        if (cache is not null) log($"decoding the corpus into {cache.Directory} (once; later runs reuse it)");
        int scanned = 0;
        var (files, skipped) = AudioCorpus.Scan(audioInputs, _cfg.MinFileSeconds, cache, (_, total) =>
        {
            int k = Interlocked.Increment(ref scanned);
            if (k % 50 == 0 || k == total) log($"  {k}/{total} files ready");
        });
        foreach (var s in skipped) log($"skipped {s}");
        if (files.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no usable audio files found in the given inputs");
        var (train, val) = AudioCorpus.Split(files, _cfg.ValidationFraction, _cfg.Seed);
        File.WriteAllLines(Path.Combine(outDir, "train-files.txt"), train.Select(f => f.Path));
        File.WriteAllLines(Path.Combine(outDir, "validation-files.txt"), val.Select(f => f.Path));
        File.WriteAllText(Path.Combine(outDir, ConfigFileName), JsonSerializer.Serialize(
            new { training = _cfg, input, frontEnd = _frontCfg, network = _netCfg, trainFiles = train.Count, validationFiles = val.Count }, TempoModel.Json));
        log($"{files.Count} files: {train.Count} for training, {val.Count} for validation ({train.Sum(f => f.DurationSeconds) / 3600:F1} h / {val.Sum(f => f.DurationSeconds) / 3600:F1} h)");

        manual_seed(_cfg.Seed + state.CompletedEpochs);
        var meta = new ModelMetadata { Input = input, Network = _netCfg, FrontEnd = _frontCfg, Description = "self-supervised (equivariant ratio loss)" };
        using var model = resume ? TempoModel.Load(run.CheckpointPath)
            : _cfg.InitFrom is { } start ? StartFrom(start, meta) : new TempoModel(meta);
        model.Network.train();
        var opt = optim.Adam(model.Network.BackboneParameters(), _cfg.LearningRate);
        if (resume) run.RestoreOptimizer(opt);
        var step = new EquivariantStep(model.Network, _cfg.MicroBatchPairs);
        using var frontEnd = model.CreateFrontEnd();
        int viewSamples = input.ChunkSamples;
        var sampler = new ViewPairSampler(_cfg, viewSamples, input.SampleRate, cache);
        var epochLog = new CsvLog(Path.Combine(outDir, "epochs.csv"), "epoch,train_loss,validation_loss,views_per_second,epoch_seconds,elapsed_seconds", state.CompletedEpochs);
        var stepLog = new CsvLog(Path.Combine(outDir, "steps.csv"), "epoch,step,loss,views_per_second,elapsed_seconds", state.CompletedEpochs);

        var valPairs = BuildValidationBatches(val, sampler, frontEnd, viewSamples);
        var runWatch = Stopwatch.StartNew();
        var skippedDuringRun = new System.Collections.Concurrent.ConcurrentBag<string>();
        double? best = state.BestValidationLoss;
        int stepsPerEpoch = (int)Math.Ceiling((double)train.Count * _cfg.ExcerptsPerFile / _cfg.BatchPairs);
        if (_cfg.MaxStepsPerEpoch > 0) stepsPerEpoch = Math.Min(stepsPerEpoch, _cfg.MaxStepsPerEpoch);
        double elapsedBefore = epochLog.LastElapsedSeconds;

        for (int epoch = state.CompletedEpochs + 1; epoch <= _cfg.Epochs; epoch++)
        {
            ct.ThrowIfCancellationRequested();
            var epochWatch = Stopwatch.StartNew();
            model.Network.train();
            double lossSum = 0; int steps = 0; long views = 0;
            int ep = epoch;
            BackgroundBatches.Run<List<ViewPair>>(_cfg.PrefetchBatches, (write, token) => ProduceEpoch(train, ep, stepsPerEpoch, sampler, write, skippedDuringRun, token), pairs =>
            {
                // The front end runs here, on the training thread, not in the loader: LibTorch ops from
                // two threads each start their own OpenMP team, and on 2 cores the two teams spin
                // against each other (measured: training fell to ~11 views/s). The loader keeps the
                // single-threaded work (reading, WSOLA), which overlaps the network step.
                using var batch = PairBatch.Build(pairs, frontEnd, _cfg.Stretch, viewSamples);
                opt.zero_grad();
                double loss = step.ForwardBackward(batch.InputsI, batch.InputsJ, batch.RatesI, batch.RatesJ);
                opt.step();
                if (!double.IsFinite(loss)) log($"warning: non-finite loss at epoch {ep} step {steps + 1}");
                lossSum += loss; steps++; views += 2L * batch.Count;
                double vps = views / epochWatch.Elapsed.TotalSeconds;
                double secsPerStep = epochWatch.Elapsed.TotalSeconds / steps;
                double remaining = secsPerStep * ((stepsPerEpoch - steps) + (double)(_cfg.Epochs - ep) * stepsPerEpoch);
                stepLog.Append($"{ep},{steps},{F(loss)},{F(vps)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)}");
                progress?.Report(new TrainingProgress(ep, _cfg.Epochs, steps, stepsPerEpoch, loss, vps, runWatch.Elapsed, TimeSpan.FromSeconds(remaining)));
            }, ct);
            if (steps == 0) throw new EquiTempoException(ErrorReason.InvalidData, null, "no training batch could be built (all files failed to decode?)");

            double? valLoss = null;
            if (valPairs.Count > 0)
            {
                model.Network.eval();
                double s = 0; int n = 0;
                foreach (var b in valPairs) { s += step.Evaluate(b.InputsI, b.InputsJ, b.RatesI, b.RatesJ) * b.Count; n += b.Count; }
                valLoss = s / n;
            }
            double trainLoss = lossSum / steps;
            double epochVps = views / epochWatch.Elapsed.TotalSeconds;
            // Checkpoint first, then the state that points to it: a kill between the two loses nothing but this epoch.
            model.Metadata.Training["epochs"] = epoch.ToString(CultureInfo.InvariantCulture);
            model.Metadata.Training["train_loss"] = F(trainLoss);
            if (valLoss is double vl0) model.Metadata.Training["validation_loss"] = F(vl0);
            model.Metadata.Training["train_files"] = train.Count.ToString(CultureInfo.InvariantCulture);
            model.Metadata.Training["train_hours"] = F(train.Sum(f => f.DurationSeconds) / 3600);
            model.Metadata.Training["stretch"] = _cfg.Stretch.ToString();
            model.Metadata.Training["wall_seconds"] = F(elapsedBefore + runWatch.Elapsed.TotalSeconds);
            bool improved = valLoss is double v ? best is null || v < best : true;
            if (improved && valLoss is double v2) best = v2;
            run.SaveEpoch(model, opt, improved, new RunState(epoch, best, _cfg.Seed));
            epochLog.Append($"{epoch},{F(trainLoss)},{(valLoss is double vv ? F(vv) : "")},{F(epochVps)},{F(epochWatch.Elapsed.TotalSeconds)},{F(elapsedBefore + runWatch.Elapsed.TotalSeconds)}");
            try { TrainingPlot.Write(Path.Combine(outDir, "training.png"), stepLog.Path, epochLog.Path); }
            catch (Exception e) { log($"warning: could not draw training.png: {e.Message}"); }
            progress?.Report(new TrainingProgress(epoch, _cfg.Epochs, steps, stepsPerEpoch, trainLoss, epochVps, runWatch.Elapsed,
                TimeSpan.FromSeconds(epochWatch.Elapsed.TotalSeconds * (_cfg.Epochs - epoch)), valLoss, EpochDone: true));
            log($"epoch {epoch}/{_cfg.Epochs}: train loss {trainLoss:F4}" + (valLoss is double x ? $", validation loss {x:F4}" : "") + $", {epochVps:F1} views/s, {epochWatch.Elapsed.TotalSeconds:F0} s");
        }
        foreach (var b in valPairs) b.Dispose();
        var allSkipped = skipped.Concat(skippedDuringRun.Distinct()).ToList();
        return new TrainingResult(run.ModelPath, _cfg.Epochs, best, allSkipped, train.Count, val.Count, runWatch.Elapsed);
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

    /// <summary>Producer: reads and stretches one epoch's pairs, a batch at a time (the front end runs on the consumer).</summary>
    private void ProduceEpoch(List<CorpusFile> train, int epoch, int steps, ViewPairSampler sampler,
        Action<List<ViewPair>> write, System.Collections.Concurrent.ConcurrentBag<string> skipped, CancellationToken ct)
    {
        var order = RunFolder.EpochOrder(train, _cfg.ExcerptsPerFile, _cfg.Seed, epoch);
        for (int s = 0; s < steps; s++)
        {
            ct.ThrowIfCancellationRequested();
            int from = s * _cfg.BatchPairs, count = Math.Min(_cfg.BatchPairs, order.Count - from);
            // One thread: the other core belongs to the network step running meanwhile.
            var ok = SamplePairs(sampler, order, from, count, k => DeterministicSeed.Mix(_cfg.Seed, epoch, k), 1, skipped, ct);
            if (ok.Count > 0) write(ok);
        }
    }

    /// <summary>Validation pairs are drawn once with a fixed seed, so the loss is comparable across epochs.</summary>
    private List<PairBatch> BuildValidationBatches(List<CorpusFile> val, ViewPairSampler sampler, LogMelFrontEnd frontEnd, int viewSamples)
    {
        var batches = new List<PairBatch>();
        for (int from = 0; from < val.Count; from += _cfg.BatchPairs)
        {
            // Built before training starts, so both cores can decode and stretch.
            var ok = SamplePairs(sampler, val, from, Math.Min(_cfg.BatchPairs, val.Count - from), k => DeterministicSeed.Mix(_cfg.Seed, -1, k), 2, null, default);
            if (ok.Count > 0) batches.Add(PairBatch.Build(ok, frontEnd, _cfg.Stretch, viewSamples));
        }
        return batches;
    }

    /// <summary>Pairs for files[from .. from+count), the k-th drawn with its own RNG seeded by seedOf(k);
    /// files that fail to decode are reported to <paramref name="skipped"/> and left out.</summary>
    private static List<ViewPair> SamplePairs(ViewPairSampler sampler, IReadOnlyList<CorpusFile> files, int from, int count,
        Func<int, int> seedOf, int parallelism, System.Collections.Concurrent.ConcurrentBag<string>? skipped, CancellationToken ct)
    {
        var pairs = new ViewPair?[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, k =>
        {
            try { pairs[k] = sampler.Sample(files[from + k], new Random(seedOf(from + k))); }
            catch (Exception e) when (e is AudioFormatException or IOException) { skipped?.Add(e.Message); }
        });
        return pairs.Where(p => p != null).Select(p => p!).ToList();
    }

    private static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
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
