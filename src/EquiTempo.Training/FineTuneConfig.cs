using EquiTempo.Training.Corpus;
namespace EquiTempo.Training;

/// <summary>
/// Fine-tuning settings for the tempo-class head (the paper's downstream route); defaults are the paper's:
/// Adam 3e-3, batch 16, 100 epochs, the whole network updated (what the reference code does).
/// </summary>
public sealed record FineTuneConfig
{
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 16;
    public double LearningRate { get; init; } = 3e-3;
    /// <summary>Train the class head only, on frozen features (a linear probe); the scale readout then stays valid.</summary>
    public bool Freeze { get; init; }
    /// <summary>Tracks held out (by file) to pick the best epoch and stop early.</summary>
    public double ValidationFraction { get; init; } = 0.2;
    /// <summary>Stop after this many epochs without a lower validation loss (0 = run every epoch).</summary>
    public int Patience { get; init; } = 10;
    /// <summary>
    /// Time-stretch augmentation: each excerpt is stretched by α drawn log-uniformly from [MinRate, MaxRate]
    /// and its label becomes BPM × α, so the head sees tempi the labels lack. 1 and 1 = none (the paper).
    /// </summary>
    public double MinRate { get; init; } = 1.0;
    public double MaxRate { get; init; } = 1.0;
    /// <summary>
    /// Width (standard deviation of log tempo) of Gaussian soft targets over the classes: 0.02 spreads a
    /// label over about ±2 % of tempo, so a near miss costs less than a far one and neighbouring classes
    /// learn together. 0 = one-hot targets on round(BPM) (the paper).
    /// </summary>
    public double LabelSigma { get; init; } = 0;
    /// <summary>Random excerpts drawn from each training track per epoch.</summary>
    public int ExcerptsPerTrack { get; init; } = 1;
    /// <summary>Fixed excerpts per validation track (evenly spaced, unstretched).</summary>
    public int ValidationExcerptsPerTrack { get; init; } = 3;
    public int Seed { get; init; } = 0;
    /// <summary>Training excerpt length in samples; null = the model input's chunk length (the paper). The network
    /// pools over time, so it may train on shorter excerpts than the chunks it estimates on (faster steps);
    /// the model's chunk length is unchanged.</summary>
    public int? TrainingExcerptSamples { get; init; }
    /// <summary>Views per micro-batch of the network step (speed only; gradients are the same).</summary>
    public int MicroBatch { get; init; } = 4;
    public int PrefetchBatches { get; init; } = 2;
    /// <summary>Stop after this many steps per epoch (0 = all); for smoke tests.</summary>
    public int MaxStepsPerEpoch { get; init; } = 0;
    /// <summary>Folder for decoded tracks (mono 16-bit PCM); null = <see cref="PcmCache.DefaultDirectory"/>.</summary>
    public string? DecodeCacheDirectory { get; init; }
    /// <summary>
    /// Weight w of the beat loss in the multi-task objective, loss = class cross-entropy + w · BCE(beat head): the
    /// network gains a frame-wise beat head (if it has none) trained with the class head on the labelled tracks'
    /// beat times (Böck et al. 2019; tracks without beat times add no beat loss). 0 = the class head alone, as before.
    /// </summary>
    public double BeatLossWeight { get; init; }
    /// <summary>
    /// Weight of the downbeat head's BCE added the same way (the network gains a downbeat head beside its beat head if it
    /// has none), on the downbeat times of the tracks whose beats are numbered; the others add no downbeat loss. Needs a
    /// beat loss weight: the head reads the frame features the beat loss shapes, and without a beat loss those would move
    /// under a beat head that no longer learns. 0 = no downbeat head trained, as before.
    /// </summary>
    public double DownbeatLossWeight { get; init; }
    /// <summary>Relative tolerance for the validation accuracies (the Acc1 tolerance).</summary>
    public double Tolerance { get; init; } = 0.04;

    /// <summary>This config, or an <see cref="EquiTempoException"/> (reason InvalidSetting) naming the first setting out of range.</summary>
    /// <param name="hopSamples">The model's hop: a training excerpt must span at least 16 hops.</param>
    public FineTuneConfig Validated(int? hopSamples = null)
    {
        SettingChecks.Common(Epochs, (nameof(BatchSize), BatchSize), (nameof(MicroBatch), MicroBatch), (nameof(ExcerptsPerTrack), ExcerptsPerTrack),
            PrefetchBatches, MaxStepsPerEpoch, LearningRate, ValidationFraction, MinRate, MaxRate);
        SettingChecks.AtLeast(nameof(Patience), Patience, 0);
        SettingChecks.AtLeast(nameof(ValidationExcerptsPerTrack), ValidationExcerptsPerTrack, 1);
        SettingChecks.Positive(nameof(Tolerance), Tolerance);
        if (!double.IsFinite(LabelSigma) || LabelSigma < 0)
            throw EquiTempoException.InvalidSetting(nameof(LabelSigma), $"must be a finite number ≥ 0 (got {LabelSigma})");
        if (!double.IsFinite(BeatLossWeight) || BeatLossWeight < 0)
            throw EquiTempoException.InvalidSetting(nameof(BeatLossWeight), $"must be a finite number ≥ 0 (got {BeatLossWeight})");
        if (!double.IsFinite(DownbeatLossWeight) || DownbeatLossWeight < 0)
            throw EquiTempoException.InvalidSetting(nameof(DownbeatLossWeight), $"must be a finite number ≥ 0 (got {DownbeatLossWeight})");
        if (DownbeatLossWeight > 0 && BeatLossWeight == 0)
            throw EquiTempoException.InvalidSetting(nameof(DownbeatLossWeight), "the downbeat head is trained beside the beat head and needs a beat loss weight too");
        if (BeatLossWeight > 0 && Freeze)
            throw EquiTempoException.InvalidSetting(nameof(BeatLossWeight), "the beat head trains with the network's frame features, which a frozen backbone keeps fixed");
        if (TrainingExcerptSamples is int n && n < 16 * (hopSamples ?? 1))
            throw EquiTempoException.InvalidSetting(nameof(TrainingExcerptSamples), $"must span at least 16 hops ({16 * (hopSamples ?? 1)} samples; got {n})");
        return this;
    }
}
