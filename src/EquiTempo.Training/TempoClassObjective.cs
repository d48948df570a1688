using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>
/// The tempo-class objective (cross-entropy of the head ELU → Linear(16→300), class = round(BPM)) for
/// <see cref="TrainingLoop"/>: random excerpts of labelled tracks, optionally time-stretched with the label
/// moved along, soft or one-hot targets; validated on fixed excerpts with loss, Acc1 and Acc2.
/// </summary>
public sealed class TempoClassObjective : ITrainingObjective<List<TempoClassObjective.Example>>, IDisposable
{
    /// <summary>A training example: the excerpt (already stretched) and its tempo.</summary>
    public sealed record Example(float[] View, double Bpm);

    private readonly TempoModel _model;
    private readonly FineTuneConfig _cfg;
    private readonly IReadOnlyList<(LabelledTrack Track, CorpusFile File)> _train;
    private readonly PcmCache _cache;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly TempoClassStep _step;
    private readonly LabelledExcerpts _excerpts;
    private readonly string? _startModel;
    private readonly string _labelSource;
    private readonly int _excerpt, sr, classes;
    private readonly List<ValidationBatch> _validation;

    public TempoClassObjective(TempoModel model, FineTuneConfig config, IReadOnlyList<(LabelledTrack Track, CorpusFile File)> train,
        IReadOnlyList<(LabelledTrack Track, CorpusFile File)> validation, PcmCache cache, LogMelFrontEnd frontEnd, string? startModel, string labelSource)
    {
        _model = model;
        _cfg = config;
        _train = train;
        _cache = cache;
        _frontEnd = frontEnd;
        _startModel = startModel;
        _labelSource = labelSource;
        sr = model.Metadata.Input.SampleRate;
        classes = model.Metadata.Network.TempoClasses;
        _excerpt = config.TrainingExcerptSamples ?? model.Metadata.Input.ChunkSamples;
        _step = new TempoClassStep(model.Network, config.Freeze, config.MicroBatch);
        // A stretch may not push the label past the last class (it would be clamped, i.e. wrong).
        _excerpts = new LabelledExcerpts(config, cache, _excerpt, sr, maxBpm: classes - 1);
        StepsPerEpoch = _excerpts.StepsPerEpoch(train.Count);
        _validation = BuildValidation(validation, frontEnd);
    }

    public IEnumerable<Parameter> Parameters => _cfg.Freeze ? _model.Network.ClassHeadParameters() : _model.Network.parameters();
    public int StepsPerEpoch { get; }
    public IReadOnlyList<string> MetricColumns { get; } = new[] { "validation_acc1", "validation_acc2" };

    /// <summary>A frozen backbone stays in eval mode while the head trains (its BatchNorm statistics must not move).</summary>
    public void SetMode(bool training)
    {
        if (training && !_cfg.Freeze) _model.Network.train(); else _model.Network.eval();
    }

    public StepOutcome Step(List<Example> batch)
    {
        using var scope = NewDisposeScope();
        // Front end on the training thread, whose LibTorch runs on one thread (TrainingLoop); the loader does WSOLA.
        var x = _frontEnd.Forward(batch.Select(b => b.View).ToList(), _excerpt);
        var y = tensor(batch.SelectMany(b => TempoClassStep.Target(b.Bpm, classes, _cfg.LabelSigma)).ToArray(), new long[] { batch.Count, classes });
        return new StepOutcome(_step.ForwardBackward(x, y), batch.Count);
    }

    /// <summary>Loss NaN and accuracies 0 without a validation set (the columns of epochs.csv then read so).</summary>
    public ValidationOutcome Validate()
    {
        var (loss, acc1, acc2) = Measure(_validation);
        return new ValidationOutcome(loss, new[] { acc1, acc2 });
    }

    public void Stamp(ModelMetadata metadata, EpochRecord e)
    {
        metadata.SetReadout(new ClassHeadReadout(_labelSource));
        if (!_cfg.Freeze) metadata.RemoveReadout<ScaleReadout>();   // z moved with the backbone
        metadata.Description = (_startModel is null ? "supervised from scratch" : $"fine-tuned from {Path.GetFileName(_startModel)}")
            + (_cfg.Freeze ? " (head only)" : " (whole network)");
        LabelledExcerpts.RecordEpoch(metadata.Training, e, _train.Count, _labelSource);
    }

    public void ProduceEpoch(int epoch, Action<List<Example>> write, CancellationToken ct) =>
        _excerpts.ProduceEpoch(_train, StepsPerEpoch, epoch, write, ct);

    private sealed record ValidationBatch(Tensor Inputs, double[] Bpms, long[] Classes);

    /// <summary>Evenly spaced unstretched excerpts of each validation track, computed once.</summary>
    private List<ValidationBatch> BuildValidation(IReadOnlyList<(LabelledTrack Track, CorpusFile File)> val, LogMelFrontEnd fe)
    {
        var batches = new List<ValidationBatch>();
        foreach (var part in _excerpts.Validation(val).Chunk(_cfg.BatchSize))
        {
            var x = fe.Forward(part.Select(p => p.View).ToList(), _excerpt);
            batches.Add(new ValidationBatch(x, part.Select(p => p.Bpm).ToArray(), part.Select(p => TempoClassStep.ClassOf(p.Bpm, classes)).ToArray()));
        }
        return batches;
    }

    /// <summary>Mean cross-entropy and excerpt-level Acc1/Acc2 of the arg-max class.</summary>
    private (double Loss, double Acc1, double Acc2) Measure(List<ValidationBatch> batches)
    {
        if (batches.Count == 0) return (double.NaN, 0, 0);
        double loss = 0; int n = 0, a1 = 0, a2 = 0;
        foreach (var b in batches)
        {
            using var scope = NewDisposeScope();
            var p = _step.Probabilities(b.Inputs);
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

    public void Dispose()
    {
        foreach (var b in _validation) b.Inputs.Dispose();
    }
}
