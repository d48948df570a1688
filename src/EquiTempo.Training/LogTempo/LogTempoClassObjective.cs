using EquiTempo.Evaluation;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Corpus;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EquiTempo.Training.LogTempo;

/// <summary>
/// Fine-tuning a self-supervised log-tempo network (issue 12) on labelled tracks, for <see cref="TrainingLoop"/>: the
/// network's softmax over its log-tempo bins learns a Gaussian target at the label's bin (cross-entropy), on the excerpts
/// of <see cref="LabelledExcerpts"/> (stretched, label × α). Why: self-supervision and the offset fitted on renders place
/// the network's peak at a fixed place relative to the tempogram's periodicity peaks, so where a song's fastest regular
/// pulse is not 2^k times its beat (a shuffle's triplets at 3× the beat) every estimate lands on ×3/2 or ×3/4, which
/// neither Acc2 nor a tempo prior forgives; labels that say which periodicity is the felt beat (the renderer's, with no
/// human in them) teach that. Every layer stays shift-equivariant, so a stretch still moves the answer by its shift.
/// The result reads tempo at its own peak: offset 0, no prior (<see cref="LogTempoReadout"/>); <c>calibrate</c> may
/// fit them again on renders.
/// </summary>
public sealed class LogTempoClassObjective : ITrainingObjective<List<TempoClassObjective.Example>>, IDisposable
{
    /// <summary>The narrowest target: half a bin (1.4 % of tempo at 24 bins an octave), so a label between two bins teaches both.</summary>
    public const double MinTargetSigmaBins = 0.5;

    private readonly LogTempoModel _model;
    private readonly FineTuneConfig _cfg;
    private readonly IReadOnlyList<(LabelledTrack Track, CorpusFile File)> _train;
    private readonly LabelledExcerpts _excerpts;
    private readonly LogMelFrontEnd _frontEnd;
    private readonly LogTempogramFrontEnd _tempogram;
    private readonly LogTempogramConfig _grid;
    private readonly string? _startModel;
    private readonly string _labelSource;
    private readonly int _excerpt;
    private readonly double _sigmaBins;
    private readonly List<(Tensor Tempogram, double[] Bpms)> _validation;

    public LogTempoClassObjective(LogTempoModel model, FineTuneConfig config, IReadOnlyList<(LabelledTrack Track, CorpusFile File)> train,
        IReadOnlyList<(LabelledTrack Track, CorpusFile File)> validation, PcmCache cache, string? startModel, string labelSource)
    {
        _model = model;
        _cfg = config;
        _train = train;
        _startModel = startModel;
        _labelSource = labelSource;
        _frontEnd = model.CreateFrontEnd();
        _tempogram = model.CreateTempogram();
        _grid = _tempogram.Config;
        // The log-mel of a shorter excerpt would give the tempogram another length than the model estimates on.
        _excerpt = model.Metadata.Input.ChunkSamples;
        // FineTuneConfig.LabelSigma is a standard deviation of ln(tempo); in bins that is σ / ln 2 × bins an octave.
        _sigmaBins = Math.Max(MinTargetSigmaBins, config.LabelSigma / Math.Log(2) * _grid.BinsPerOctave);
        _excerpts = new LabelledExcerpts(config, cache, _excerpt, model.Metadata.Input.SampleRate, maxBpm: _grid.BpmAt(_grid.Bins - 1));
        StepsPerEpoch = _excerpts.StepsPerEpoch(train.Count);
        _validation = _excerpts.Validation(validation).Chunk(config.BatchSize)
            .Select(part => (Tempograms(part.Select(p => p.View).ToList()).DetachFromDisposeScope(), part.Select(p => p.Bpm).ToArray())).ToList();
    }

    public IEnumerable<Parameter> Parameters => _model.Network.parameters();
    public int StepsPerEpoch { get; }
    public IReadOnlyList<string> MetricColumns { get; } = new[] { "validation_acc1", "validation_acc2" };

    public void SetMode(bool training)
    {
        if (training) _model.Network.train(); else _model.Network.eval();
    }

    public void ProduceEpoch(int epoch, Action<List<TempoClassObjective.Example>> write, CancellationToken ct) =>
        _excerpts.ProduceEpoch(_train, StepsPerEpoch, epoch, write, ct);

    public StepOutcome Step(List<TempoClassObjective.Example> batch)
    {
        using var scope = NewDisposeScope();
        var logits = _model.Network.forward(Tempograms(batch.Select(b => b.View).ToList()));
        var loss = CrossEntropy(logits, batch.Select(b => b.Bpm).ToArray());
        loss.backward();
        return new StepOutcome(loss.item<float>(), batch.Count);
    }

    public ValidationOutcome Validate()
    {
        if (_validation.Count == 0) return new ValidationOutcome(double.NaN, new double[] { 0, 0 });
        double loss = 0; int n = 0, a1 = 0, a2 = 0;
        using var noGrad = no_grad();
        foreach (var (tg, bpms) in _validation)
        {
            using var scope = NewDisposeScope();
            var logits = _model.Network.forward(tg);
            loss += CrossEntropy(logits, bpms).item<float>() * bpms.Length;
            var peaks = logits.argmax(1).data<long>().ToArray();
            for (int k = 0; k < peaks.Length; k++)
            {
                n++;
                double bpm = _grid.BpmAt(peaks[k]);
                if (TempoMetrics.Acc1(bpm, bpms[k], _cfg.Tolerance)) a1++;
                if (TempoMetrics.Acc2(bpm, bpms[k], _cfg.Tolerance)) a2++;
            }
        }
        return new ValidationOutcome(loss / n, new[] { (double)a1 / n, (double)a2 / n });
    }

    public void Stamp(ModelMetadata metadata, EpochRecord e)
    {
        metadata.SetReadout(new LogTempoReadout(0, null, null, _labelSource));
        metadata.Description = $"log-tempo network fine-tuned from {Path.GetFileName(_startModel ?? "a fresh network")} on labelled tracks";
        LabelledExcerpts.RecordEpoch(metadata.Training, e, _train.Count, _labelSource);
    }

    /// <summary>Excerpts → tempograms (N, channels, bins).</summary>
    private Tensor Tempograms(List<float[]> views)
    {
        using var mel = _frontEnd.Forward(views, _excerpt);
        return _tempogram.Forward(mel);
    }

    /// <summary>Mean cross-entropy of the logits against Gaussian targets at each label's (fractional) bin.</summary>
    private Tensor CrossEntropy(Tensor logits, double[] bpms)
    {
        int bins = _grid.Bins;
        var q = new float[bpms.Length * bins];
        for (int i = 0; i < bpms.Length; i++)
        {
            double centre = _grid.BinOf(bpms[i]), sum = 0;
            for (int k = 0; k < bins; k++) { double d = (k - centre) / _sigmaBins; sum += q[i * bins + k] = (float)Math.Exp(-0.5 * d * d); }
            for (int k = 0; k < bins; k++) q[i * bins + k] = (float)(q[i * bins + k] / Math.Max(sum, 1e-12));
        }
        var target = tensor(q, new long[] { bpms.Length, bins });
        return (target * nn.functional.log_softmax(logits, 1)).sum(1).mean().neg();
    }

    public void Dispose()
    {
        foreach (var (tg, _) in _validation) tg.Dispose();
        _frontEnd.Dispose();
        _tempogram.Dispose();
    }
}
