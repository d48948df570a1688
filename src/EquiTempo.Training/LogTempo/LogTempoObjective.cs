using System.Collections.Concurrent;
using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiTempo.Training.LogTempo;

/// <summary>One example before the front end: the two stretched views, the augmented copy of the first, their stretches
/// in bins and their crop offsets.</summary>
internal sealed record LogTempoExample(float[] A, float[] A2, float[] B, long StretchA, long StretchB, long OffsetA, long OffsetB);

/// <summary>
/// The log-tempo objective (issue 12) for <see cref="TrainingLoop"/>: per example, an excerpt stretched twice by WSOLA at
/// rates 2^(m/K) (a whole number m of bins, so the shift between the views is exact), an augmented copy of the first view,
/// and a crop of each tempogram at a random offset (itself an exact stretch); loss = weighted shifted cross-entropy +
/// invariance + expected-value ratio (<see cref="LogTempoLosses"/>). Examples of epoch e come from RNGs seeded by
/// (seed, e, position), as in <see cref="EquivariantObjective"/>, so a resumed run sees the same data.
/// </summary>
public sealed class LogTempoObjective : ITrainingObjective<LogTempoBatch>, IDisposable
{
    private readonly LogTempoModel _model;
    private readonly TrainingConfig _cfg;
    private readonly LogTempoObjectiveConfig _objective;
    private readonly IReadOnlyList<CorpusFile> _train;
    private readonly ViewPairSampler _sampler;
    private readonly ViewAugmenter _augmenter;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly LogTempogramFrontEnd _tempogram;
    private readonly int _viewSamples, _sampleRate, _bins, _binsPerOctave, _minStretch, _maxStretch;
    private readonly List<LogTempoBatch> _validation;

    public ConcurrentBag<string> Skipped { get; } = new();

    public LogTempoObjective(LogTempoModel model, TrainingConfig config, LogTempoObjectiveConfig objective, IReadOnlyList<CorpusFile> train,
        IReadOnlyList<CorpusFile> validation, PcmCache? cache)
    {
        _model = model;
        _cfg = config;
        _train = train;
        _frontEnd = model.CreateFrontEnd();
        _tempogram = model.CreateTempogram();
        _bins = _tempogram.Config.Bins;
        _binsPerOctave = _tempogram.Config.BinsPerOctave;
        _objective = objective.ValidatedFor(_bins);
        _viewSamples = model.Metadata.Input.ChunkSamples;
        _sampleRate = model.Metadata.Input.SampleRate;
        _minStretch = (int)Math.Ceiling(Math.Log2(config.MinRate) * _binsPerOctave - 1e-9);
        _maxStretch = (int)Math.Floor(Math.Log2(config.MaxRate) * _binsPerOctave + 1e-9);
        if (_minStretch > _maxStretch)
            throw EquiTempoException.InvalidSetting(nameof(config.MinRate), $"the rates {config.MinRate}–{config.MaxRate} hold no whole bin of the tempo axis (1/{_binsPerOctave} octave)");
        _sampler = new ViewPairSampler(config, _viewSamples, _sampleRate, cache);
        _augmenter = new ViewAugmenter(_objective.Augmentation);
        StepsPerEpoch = (int)Math.Ceiling((double)train.Count * config.ExcerptsPerFile / config.BatchPairs);
        if (config.MaxStepsPerEpoch > 0) StepsPerEpoch = Math.Min(StepsPerEpoch, config.MaxStepsPerEpoch);
        _validation = BuildValidationBatches(validation);
    }

    public IEnumerable<Parameter> Parameters => _model.Network.parameters();
    public int StepsPerEpoch { get; }
    /// <summary>The three losses apart, and the share of validation examples whose two peaks lie Δ ± 1 bins apart.</summary>
    public IReadOnlyList<string> MetricColumns { get; } = new[] { "validation_shifted_ce", "validation_invariance", "validation_ratio", "validation_peak_shift_agreement" };

    public void SetMode(bool training)
    {
        if (training) _model.Network.train(); else _model.Network.eval();
    }

    public void ProduceEpoch(int epoch, Action<LogTempoBatch> write, CancellationToken ct) =>
        SeededDraws.Epoch(_train, _cfg, StepsPerEpoch, epoch, Draw, Build, write, Skipped, ct);

    public StepOutcome Step(LogTempoBatch batch)
    {
        using (batch)
        {
            using var scope = NewDisposeScope();
            var (loss, _) = Losses(batch);
            loss.backward();
            return new StepOutcome(loss.item<float>(), 3L * batch.Count);
        }
    }

    public ValidationOutcome Validate()
    {
        if (_validation.Count == 0) return ValidationOutcome.None;
        double total = 0, ce = 0, inv = 0, ratio = 0, agree = 0; int n = 0;
        using var noGrad = no_grad();
        foreach (var b in _validation)
        {
            using var scope = NewDisposeScope();
            var (loss, parts) = Losses(b);
            total += loss.item<float>() * b.Count; ce += parts.Ce * b.Count; inv += parts.Inv * b.Count; ratio += parts.Ratio * b.Count;
            agree += parts.Agreement * b.Count;
            n += b.Count;
        }
        return new ValidationOutcome(total / n, new[] { ce / n, inv / n, ratio / n, agree / n });
    }

    private (Tensor Loss, (double Ce, double Inv, double Ratio, double Agreement) Parts) Losses(LogTempoBatch batch)
    {
        int w = _objective.CropBins;
        var la = _model.Network.forward(LogTempoBatch.Crop(batch.A, batch.OffsetA, w));
        var la2 = _model.Network.forward(LogTempoBatch.Crop(batch.A2, batch.OffsetA, w));
        var lb = _model.Network.forward(LogTempoBatch.Crop(batch.B, batch.OffsetB, w));
        var ce = LogTempoLosses.ShiftedCrossEntropy(la, lb, batch.Shifts);
        var inv = LogTempoLosses.Invariance(la, la2);
        var ratio = LogTempoLosses.ExpectedRatio(la, lb, batch.Shifts, _binsPerOctave);
        var loss = ce.mul(HeldScalars.Of(_objective.EquivarianceWeight))
            .add(inv.mul(HeldScalars.Of(_objective.InvarianceWeight)), HeldScalars.One)
            .add(ratio.mul(HeldScalars.Of(_objective.RatioWeight)), HeldScalars.One);
        var peakA = la.argmax(1).data<long>().ToArray();
        var peakB = lb.argmax(1).data<long>().ToArray();
        double agreement = Enumerable.Range(0, batch.Count).Count(i => Math.Abs(peakB[i] - peakA[i] - batch.Shifts[i]) <= 1) / (double)batch.Count;
        return (loss, (ce.item<float>(), inv.item<float>(), ratio.item<float>(), agreement));
    }

    public void Stamp(ModelMetadata metadata, EpochRecord e)
    {
        var t = metadata.Training;
        t["objective"] = "log-tempo: shifted cross-entropy + invariance + expected-value ratio";
        t["epochs"] = e.Epoch.ToString(CultureInfo.InvariantCulture);
        t["train_loss"] = TrainingLoop.F(e.TrainLoss);
        if (e.Validation.Loss is double vl) t["validation_loss"] = TrainingLoop.F(vl);
        for (int i = 0; i < e.Validation.Metrics.Count; i++) t[MetricColumns[i]] = TrainingLoop.F(e.Validation.Metrics[i]);
        t["train_files"] = _train.Count.ToString(CultureInfo.InvariantCulture);
        t["train_hours"] = TrainingLoop.F(_train.Sum(f => f.DurationSeconds) / 3600);
        t["wall_seconds"] = TrainingLoop.F(e.WallSeconds);
    }

    private float DrawRate(Random rng) => (float)Math.Pow(2, (double)rng.Next(_minStretch, _maxStretch + 1) / _binsPerOctave);

    private LogTempoExample Draw(CorpusFile file, Random rng)
    {
        var pair = _sampler.Sample(file, rng, DrawRate);
        var a2 = _augmenter.Apply(pair.ViewI, _sampleRate, rng);
        int room = _bins - _objective.CropBins + 1;
        long Bins(float rate) => (long)Math.Round(Math.Log2(rate) * _binsPerOctave);
        return new LogTempoExample(pair.ViewI, a2, pair.ViewJ, Bins(pair.RateI), Bins(pair.RateJ), rng.Next(room), rng.Next(room));
    }

    /// <summary>Log-mel and tempogram of the three views, on the calling (loader) thread.</summary>
    private LogTempoBatch Build(List<LogTempoExample> examples)
    {
        using var scope = NewDisposeScope();
        Tensor Tg(Func<LogTempoExample, float[]> view) => _tempogram.Forward(_frontEnd.Forward(examples.Select(view).ToList(), _viewSamples));
        var a = Tg(e => e.A); var a2 = Tg(e => e.A2); var b = Tg(e => e.B);
        a.MoveToOuterDisposeScope(); a2.MoveToOuterDisposeScope(); b.MoveToOuterDisposeScope();
        return new LogTempoBatch(a, a2, b, examples.Select(e => e.StretchA).ToArray(), examples.Select(e => e.StretchB).ToArray(),
            examples.Select(e => e.OffsetA).ToArray(), examples.Select(e => e.OffsetB).ToArray());
    }

    private List<LogTempoBatch> BuildValidationBatches(IReadOnlyList<CorpusFile> val) => SeededDraws.Validation(val, _cfg, Draw, Build);

    public void Dispose()
    {
        foreach (var b in _validation) b.Dispose();
        _frontEnd.Dispose();
        _tempogram.Dispose();
    }
}
