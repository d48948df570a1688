using System.Globalization;
using EquiTempo.Evaluation;
using EquiTempo.Training.Corpus;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Training;

/// <summary>
/// The excerpts a supervised objective learns from (<see cref="TempoClassObjective"/>, <see cref="LogTempo.LogTempoClassObjective"/>):
/// random excerpts of labelled tracks stretched by α drawn log-uniformly from [MinRate, MaxRate] with the label moved to
/// BPM × α, in an order that depends on (seed, epoch, position) only; and evenly spaced unstretched validation excerpts.
/// </summary>
internal sealed class LabelledExcerpts
{
    private readonly FineTuneConfig _cfg;
    private readonly PcmCache _cache;
    private readonly TimeStretcher _stretcher = new();
    private readonly int _excerpt, _sr;
    private readonly double _maxBpm;
    private readonly BeatFrameTargets? _beats;
    private readonly bool _downbeats;

    /// <param name="maxBpm">The fastest label the network can learn: a stretch never pushes a label past it.</param>
    /// <param name="beats">Beat-head targets to attach to the excerpts of tracks with beat times; null = none.</param>
    /// <param name="downbeats">Also attach downbeat-head targets (the same frame mapping) to the excerpts of tracks with
    /// downbeat times; needs <paramref name="beats"/>.</param>
    public LabelledExcerpts(FineTuneConfig config, PcmCache cache, int excerptSamples, int sampleRate, double maxBpm, BeatFrameTargets? beats = null,
        bool downbeats = false)
    {
        if (downbeats && beats is null) throw new ArgumentException("downbeat targets need the beat targets' frame mapping", nameof(downbeats));
        _beats = beats;
        _downbeats = downbeats;
        _cfg = config;
        _cache = cache;
        _excerpt = excerptSamples;
        _sr = sampleRate;
        _maxBpm = maxBpm;
    }

    /// <summary>Optimiser steps an epoch of <paramref name="trainTracks"/> tracks takes: every track's excerpts once, at
    /// most <see cref="FineTuneConfig.MaxStepsPerEpoch"/> when that is set.</summary>
    public int StepsPerEpoch(int trainTracks)
    {
        int steps = (int)Math.Ceiling((double)trainTracks * _cfg.ExcerptsPerTrack / _cfg.BatchSize);
        return _cfg.MaxStepsPerEpoch > 0 ? Math.Min(steps, _cfg.MaxStepsPerEpoch) : steps;
    }

    /// <summary>The fine-tuning record both objectives write into a model's training metadata at each saved epoch.</summary>
    public static void RecordEpoch(IDictionary<string, string> training, EpochRecord e, int trainTracks, string labelSource)
    {
        training["finetune_epochs"] = e.Epoch.ToString(CultureInfo.InvariantCulture);
        training["finetune_train_loss"] = TrainingLoop.F(e.TrainLoss);
        training["finetune_validation_loss"] = TrainingLoop.F(e.Validation.Loss ?? double.NaN);
        training["finetune_validation_acc1"] = TrainingLoop.F(e.Validation.Metrics[0]);
        training["finetune_validation_acc2"] = TrainingLoop.F(e.Validation.Metrics[1]);
        training["finetune_train_tracks"] = trainTracks.ToString(CultureInfo.InvariantCulture);
        training["finetune_labels"] = labelSource;
        training["finetune_wall_seconds"] = TrainingLoop.F(e.WallSeconds);
    }

    /// <summary>A training example: a random excerpt stretched by a random α, labelled BPM × α.</summary>
    public TempoClassObjective.Example Sample(LabelledTrack track, CorpusFile file, Random rng)
    {
        int n = _excerpt;
        double alpha = _cfg.MinRate == _cfg.MaxRate ? _cfg.MinRate
            : Math.Exp(Math.Log(_cfg.MinRate) + rng.NextDouble() * (Math.Log(_cfg.MaxRate) - Math.Log(_cfg.MinRate)));
        alpha = Math.Min(alpha, Math.Max(1.0, _maxBpm / track.Bpm));
        // Enough source that a sped-up view is music to the end (no silent tail that would hint at α).
        int source = alpha == 1.0 ? n : (int)Math.Ceiling(n * alpha) + _sr / 10;
        long room = (long)(file.DurationSeconds * _sr) - source;
        long start = room > 0 ? (long)(rng.NextDouble() * room) : 0;
        var excerpt = _cache.Read(file.Path, start, source);
        var view = alpha == 1.0 ? excerpt : _stretcher.Stretch(excerpt, alpha, _sr, n);
        return new TempoClassObjective.Example(view, track.Bpm * alpha, BeatsOf(track, start, alpha), DownbeatsOf(track, start, alpha));
    }

    public void ProduceEpoch(IReadOnlyList<(LabelledTrack Track, CorpusFile File)> train, int stepsPerEpoch, int epoch,
        Action<List<TempoClassObjective.Example>> write, CancellationToken ct)
    {
        var order = RunFolder.EpochOrder(train, _cfg.ExcerptsPerTrack, _cfg.Seed, epoch);
        for (int s = 0; s < stepsPerEpoch; s++)
        {
            ct.ThrowIfCancellationRequested();
            var batch = new List<TempoClassObjective.Example>();
            for (int k = s * _cfg.BatchSize; k < Math.Min(order.Count, (s + 1) * _cfg.BatchSize); k++)
                batch.Add(Sample(order[k].Track, order[k].File, new Random(DeterministicSeed.Mix(_cfg.Seed, epoch, k))));
            if (batch.Count > 0) write(batch);
        }
    }

    private float[]? BeatsOf(LabelledTrack track, long start, double alpha) =>
        _beats is not null && track.BeatTimes is { } times ? _beats.For(times, start, alpha) : null;

    // Null, not zeros, for a track whose beats carry no numbers: its downbeats are unknown, not absent.
    private float[]? DownbeatsOf(LabelledTrack track, long start, double alpha) =>
        _downbeats && track.DownbeatTimes is { } times ? _beats!.For(times, start, alpha) : null;

    /// <summary>Up to <see cref="FineTuneConfig.ValidationExcerptsPerTrack"/> evenly spaced unstretched excerpts of each
    /// track, with their beat (downbeat) targets when the track has beat (downbeat) times and those targets are wanted.</summary>
    public List<TempoClassObjective.Example> Validation(IReadOnlyList<(LabelledTrack Track, CorpusFile File)> val)
    {
        int n = _excerpt;
        var items = new List<TempoClassObjective.Example>();
        foreach (var (track, file) in val)
        {
            long total = (long)(file.DurationSeconds * _sr);
            int count = Math.Max(1, Math.Min(_cfg.ValidationExcerptsPerTrack, (int)(total / n)));
            for (int k = 0; k < count; k++)
            {
                long start = count == 1 ? 0 : (long)((double)(total - n) * k / (count - 1));
                long from = Math.Max(0, start);
                items.Add(new(_cache.Read(file.Path, from, n), track.Bpm, BeatsOf(track, from, 1.0), DownbeatsOf(track, from, 1.0)));
            }
        }
        return items;
    }
}
