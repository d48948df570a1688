using System.Collections.Concurrent;
using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using TorchSharp.Modules;

namespace EquiTempo.Training;

/// <summary>
/// The self-supervised objective (the equivariant ratio loss on pairs of stretched views) for
/// <see cref="TrainingLoop"/>. Pairs for epoch e come from RNGs seeded by (seed, e, position), so a
/// resumed run sees exactly the data the uninterrupted run would have.
/// </summary>
public sealed class EquivariantObjective : ITrainingObjective<PairBatch>, IDisposable
{
    private readonly TempoModel _model;
    private readonly TrainingConfig _cfg;
    private readonly IReadOnlyList<CorpusFile> _train;
    private readonly ViewPairSampler _sampler;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly EquivariantStep _step;
    private readonly int _viewSamples;
    private readonly List<PairBatch> _validation;

    /// <summary>Files that failed to decode while the run was sampling (the scan may have missed them).</summary>
    public ConcurrentBag<string> Skipped { get; } = new();

    public EquivariantObjective(TempoModel model, TrainingConfig config, IReadOnlyList<CorpusFile> train, IReadOnlyList<CorpusFile> validation,
        LogMelFrontEnd frontEnd, PcmCache? cache)
    {
        _model = model;
        _cfg = config;
        _train = train;
        _frontEnd = frontEnd;
        _viewSamples = model.Metadata.Input.ChunkSamples;
        _sampler = new ViewPairSampler(config, _viewSamples, model.Metadata.Input.SampleRate, cache);
        _step = new EquivariantStep(model.Network, config.MicroBatchPairs);
        StepsPerEpoch = (int)Math.Ceiling((double)train.Count * config.ExcerptsPerFile / config.BatchPairs);
        if (config.MaxStepsPerEpoch > 0) StepsPerEpoch = Math.Min(StepsPerEpoch, config.MaxStepsPerEpoch);
        _validation = BuildValidationBatches(validation);
    }

    public IEnumerable<Parameter> Parameters => _model.Network.BackboneParameters();
    public int StepsPerEpoch { get; }
    public IReadOnlyList<string> MetricColumns => Array.Empty<string>();

    public void SetMode(bool training)
    {
        if (training) _model.Network.train(); else _model.Network.eval();
    }

    /// <summary>Reads, stretches and turns into log-mel one epoch's pairs, a batch at a time, on the loader thread.</summary>
    public void ProduceEpoch(int epoch, Action<PairBatch> write, CancellationToken ct) =>
        // The front end runs here too. It used to run on the training thread because two threads'
        // LibTorch ops each started an OpenMP team and the teams spun against each other on 2 cores
        // (training fell to ~11 views/s); LibTorch now runs on one thread during training (see
        // SelfSupervisedTrainer) and the network's kernels share the cores out dynamically.
        SeededDraws.Epoch(_train, _cfg, StepsPerEpoch, epoch, _sampler.Sample, Build, write, Skipped, ct);

    private PairBatch Build(List<ViewPair> pairs) => PairBatch.Build(pairs, _frontEnd, _cfg.Stretch, _viewSamples);

    public StepOutcome Step(PairBatch batch)
    {
        using (batch)
        {
            double loss = _step.ForwardBackward(batch.InputsI, batch.InputsJ, batch.RatesI, batch.RatesJ);
            return new StepOutcome(loss, 2L * batch.Count);
        }
    }

    public ValidationOutcome Validate()
    {
        if (_validation.Count == 0) return ValidationOutcome.None;
        double s = 0; int n = 0;
        foreach (var b in _validation) { s += _step.Evaluate(b.InputsI, b.InputsJ, b.RatesI, b.RatesJ) * b.Count; n += b.Count; }
        return new ValidationOutcome(s / n, Array.Empty<double>());
    }

    public void Stamp(ModelMetadata metadata, EpochRecord e)
    {
        var t = metadata.Training;
        t["epochs"] = e.Epoch.ToString(CultureInfo.InvariantCulture);
        t["train_loss"] = TrainingLoop.F(e.TrainLoss);
        if (e.Validation.Loss is double vl) t["validation_loss"] = TrainingLoop.F(vl);
        t["train_files"] = _train.Count.ToString(CultureInfo.InvariantCulture);
        t["train_hours"] = TrainingLoop.F(_train.Sum(f => f.DurationSeconds) / 3600);
        t["stretch"] = _cfg.Stretch.ToString();
        t["wall_seconds"] = TrainingLoop.F(e.WallSeconds);
    }

    private List<PairBatch> BuildValidationBatches(IReadOnlyList<CorpusFile> val) => SeededDraws.Validation(val, _cfg, _sampler.Sample, Build);

    public void Dispose()
    {
        foreach (var b in _validation) b.Dispose();
    }
}
