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
/// moved along, soft or one-hot targets; validated on fixed excerpts with loss, Acc1 and Acc2. With a beat loss weight
/// (<see cref="FineTuneConfig.BeatLossWeight"/>; the model must have its beat head) the objective is multi-task: the
/// excerpts of tracks with beat times carry frame targets (<see cref="BeatFrameTargets"/>), the loss adds the weighted
/// beat cross-entropy, and epochs.csv gains the training and validation beat losses. A downbeat loss weight
/// (<see cref="FineTuneConfig.DownbeatLossWeight"/>; the model must have its downbeat head) adds the downbeat head's
/// cross-entropy the same way, on the excerpts of tracks with downbeat times, and its two columns after the beat ones.
/// </summary>
public sealed class TempoClassObjective : ITrainingObjective<List<TempoClassObjective.Example>>, IDisposable
{
    /// <summary>A training example: the excerpt (already stretched), its tempo and, in multi-task training of a track
    /// with beat (downbeat) times, the beat (downbeat) head's frame targets.</summary>
    public sealed record Example(float[] View, double Bpm, float[]? Beats = null, float[]? Downbeats = null);

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
    private readonly BeatFrameTargets? _beats;
    private readonly bool _downbeats;
    // The epoch's training beat (0) and downbeat (1) losses, summed on the training thread over the steps with such
    // targets; read by Validate.
    private readonly double[] _trainHeadSum = new double[2];
    private readonly int[] _trainHeadSteps = new int[2];

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
        if (config.BeatLossWeight > 0)
        {
            if (!model.Network.HasBeatHead) throw new ArgumentException("a beat loss weight needs a model with a beat head (TempoModel.AddBeatHead)", nameof(model));
            _beats = new BeatFrameTargets(model.Metadata.Input, _excerpt);
            MetricColumns = [.. MetricColumns, "train_beat_loss", "validation_beat_loss"];
        }
        if (config.DownbeatLossWeight > 0)
        {
            if (_beats is null || !model.Network.HasDownbeatHead)
                throw new ArgumentException("a downbeat loss weight needs a beat loss weight and a model with a downbeat head (TempoModel.AddDownbeatHead)", nameof(model));
            _downbeats = true;
            MetricColumns = [.. MetricColumns, "train_downbeat_loss", "validation_downbeat_loss"];
        }
        // A stretch may not push the label past the last class (it would be clamped, i.e. wrong).
        _excerpts = new LabelledExcerpts(config, cache, _excerpt, sr, maxBpm: classes - 1, _beats, _downbeats);
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
        if (_beats is null) return new StepOutcome(_step.ForwardBackward(x, y), batch.Count);
        var beats = FrameTargetsOf(batch.Select(b => b.Beats).ToList(), _cfg.BeatLossWeight);
        var downbeats = _downbeats ? FrameTargetsOf(batch.Select(b => b.Downbeats).ToList(), _cfg.DownbeatLossWeight) : null;
        var (loss, beatLoss, downbeatLoss) = _step.ForwardBackward(x, y, beats, downbeats);
        if (beats.Mask.Any(h => h > 0)) { _trainHeadSum[0] += beatLoss; _trainHeadSteps[0]++; }
        if (downbeats is not null && downbeats.Mask.Any(h => h > 0)) { _trainHeadSum[1] += downbeatLoss; _trainHeadSteps[1]++; }
        return new StepOutcome(loss, batch.Count);
    }

    /// <summary>
    /// The excerpts' beat (or downbeat) targets as one (B, frames) tensor, zeros where an excerpt has none, with the mask
    /// of those that have them. The mask matters most for downbeats: a track whose beats carry no numbers (a beat list
    /// without bar positions, a drum pattern) has downbeats all the same, only unknown, so a row of zeros would teach the
    /// head that its bar lines are not downbeats; masked out, it trains the tempo and beat heads only.
    /// </summary>
    private TempoClassStep.FrameTargets FrameTargetsOf(IReadOnlyList<float[]?> rows, double weight)
    {
        int frames = _beats!.Frames;
        var values = new float[rows.Count * frames];
        for (int k = 0; k < rows.Count; k++) rows[k]?.CopyTo(values, k * frames);
        return new(tensor(values, new long[] { rows.Count, frames }), rows.Select(b => b is null ? 0f : 1f).ToArray(), weight);
    }

    /// <summary>Loss NaN and accuracies 0 without a validation set (the columns of epochs.csv then read so).</summary>
    public ValidationOutcome Validate()
    {
        var (loss, acc1, acc2, headLoss) = Measure(_validation);
        if (_beats is null) return new ValidationOutcome(loss, new[] { acc1, acc2 });
        var metrics = new List<double> { acc1, acc2 };
        // The best epoch is the one of the lowest multi-task loss, the sum the network was trained on.
        double total = loss;
        var weights = new[] { _cfg.BeatLossWeight, _cfg.DownbeatLossWeight };
        for (int h = 0; h < (_downbeats ? 2 : 1); h++)
        {
            metrics.Add(_trainHeadSteps[h] == 0 ? double.NaN : _trainHeadSum[h] / _trainHeadSteps[h]);
            metrics.Add(headLoss[h]);
            if (!double.IsNaN(headLoss[h])) total += weights[h] * headLoss[h];
        }
        Array.Clear(_trainHeadSum); Array.Clear(_trainHeadSteps);
        return new ValidationOutcome(total, metrics.ToArray());
    }

    public void Stamp(ModelMetadata metadata, EpochRecord e)
    {
        metadata.SetReadout(new ClassHeadReadout(_labelSource));
        if (!_cfg.Freeze) metadata.RemoveReadout<ScaleReadout>();   // z moved with the backbone
        metadata.Description = (_startModel is null ? "supervised from scratch" : $"fine-tuned from {Path.GetFileName(_startModel)}")
            + (_cfg.Freeze ? " (head only)" : " (whole network)");
        LabelledExcerpts.RecordEpoch(metadata.Training, e, _train.Count, _labelSource);
        if (_beats is not null)
        {
            metadata.Training["finetune_beat_weight"] = TrainingLoop.F(_cfg.BeatLossWeight);
            metadata.Training["finetune_train_beat_loss"] = TrainingLoop.F(e.Validation.Metrics[2]);
            metadata.Training["finetune_validation_beat_loss"] = TrainingLoop.F(e.Validation.Metrics[3]);
            metadata.Training["finetune_beat_tracks"] = _train.Count(t => t.Track.BeatTimes is not null).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (_downbeats)
        {
            metadata.Training["finetune_downbeat_weight"] = TrainingLoop.F(_cfg.DownbeatLossWeight);
            metadata.Training["finetune_train_downbeat_loss"] = TrainingLoop.F(e.Validation.Metrics[4]);
            metadata.Training["finetune_validation_downbeat_loss"] = TrainingLoop.F(e.Validation.Metrics[5]);
            metadata.Training["finetune_downbeat_tracks"] = _train.Count(t => t.Track.DownbeatTimes is not null).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public void ProduceEpoch(int epoch, Action<List<Example>> write, CancellationToken ct) =>
        _excerpts.ProduceEpoch(_train, StepsPerEpoch, epoch, write, ct);

    private sealed record ValidationBatch(Tensor Inputs, double[] Bpms, long[] Classes, TempoClassStep.FrameTargets? Beats = null,
        TempoClassStep.FrameTargets? Downbeats = null);

    /// <summary>Evenly spaced unstretched excerpts of each validation track, computed once.</summary>
    private List<ValidationBatch> BuildValidation(IReadOnlyList<(LabelledTrack Track, CorpusFile File)> val, LogMelFrontEnd fe)
    {
        var batches = new List<ValidationBatch>();
        foreach (var part in _excerpts.Validation(val).Chunk(_cfg.BatchSize))
        {
            var x = fe.Forward(part.Select(p => p.View).ToList(), _excerpt);
            var beats = _beats is null ? null : FrameTargetsOf(part.Select(p => p.Beats).ToList(), _cfg.BeatLossWeight);
            var downbeats = _downbeats ? FrameTargetsOf(part.Select(p => p.Downbeats).ToList(), _cfg.DownbeatLossWeight) : null;
            batches.Add(new ValidationBatch(x, part.Select(p => p.Bpm).ToArray(), part.Select(p => TempoClassStep.ClassOf(p.Bpm, classes)).ToArray(), beats, downbeats));
        }
        return batches;
    }

    /// <summary>Mean cross-entropy, excerpt-level Acc1/Acc2 of the arg-max class, and the mean beat and downbeat
    /// cross-entropies of the excerpts with such targets (NaN without).</summary>
    private (double Loss, double Acc1, double Acc2, double[] HeadLoss) Measure(List<ValidationBatch> batches)
    {
        if (batches.Count == 0) return (double.NaN, 0, 0, [double.NaN, double.NaN]);
        double loss = 0; int n = 0, a1 = 0, a2 = 0;
        var headSum = new double[2]; var headCount = new int[2];
        void AddHead(int h, Tensor? logits, TempoClassStep.FrameTargets? t)
        {
            if (logits is null || t is null) return;
            using var mask = tensor(t.Mask);
            headSum[h] += TempoClassStep.BeatCrossEntropySum(logits, t.Targets, mask).item<float>();
            headCount[h] += (int)t.Mask.Sum();
        }
        foreach (var b in batches)
        {
            using var scope = NewDisposeScope();
            Tensor p;
            if (b.Beats is null) p = _step.Probabilities(b.Inputs);
            else
            {
                (p, var beatLogits, var downbeatLogits) = _step.ProbabilitiesAndBeats(b.Inputs);
                AddHead(0, beatLogits, b.Beats);
                AddHead(1, downbeatLogits, b.Downbeats);
            }
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
        return (loss / n, (double)a1 / n, (double)a2 / n, headSum.Zip(headCount, (s, c) => c == 0 ? double.NaN : s / c).ToArray());
    }

    public void Dispose()
    {
        foreach (var b in _validation) { b.Inputs.Dispose(); b.Beats?.Targets.Dispose(); b.Downbeats?.Targets.Dispose(); }
    }
}
