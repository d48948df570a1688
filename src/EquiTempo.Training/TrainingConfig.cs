using EquiTempo.Training.Corpus;
namespace EquiTempo.Training;

/// <summary>Where the stretched views are made.</summary>
public enum StretchDomain
{
    /// <summary>WSOLA on the waveform, pitch preserved (the paper; SoX tempo -m).</summary>
    Waveform,
    /// <summary>Linear interpolation of log-mel frames along time: cheaper, approximate (no transient re-synthesis).</summary>
    Features,
}

/// <summary>Self-supervised training settings; defaults are the paper's.</summary>
public sealed record TrainingConfig
{
    public int Epochs { get; init; } = 10;
    /// <summary>Pairs per optimiser step (the paper's batch size 32: 32 i-views and 32 j-views).</summary>
    public int BatchPairs { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public double ValidationFraction { get; init; } = 0.2;
    public int Seed { get; init; } = 0;
    public double MinRate { get; init; } = 0.8;
    public double MaxRate { get; init; } = 1.2;
    /// <summary>An excerpt starts no closer than this to the end of the file (the reference's margin).</summary>
    public int EndMarginSamples { get; init; } = 8192;
    public StretchDomain Stretch { get; init; } = StretchDomain.Waveform;
    /// <summary>
    /// Decode enough source (excerpt × α) that a sped-up view is filled with music to the end. The paper
    /// stretches a fixed excerpt and zero-pads the shortened view, which leaves a silent tail whose length
    /// is (1 − 1/α) of the view: a cue to α that is not tempo. Off by default to match the paper.
    /// </summary>
    public bool FillViewsFromSource { get; init; } = false;
    /// <summary>Excerpts drawn from each training file per epoch (the paper: 1).</summary>
    public int ExcerptsPerFile { get; init; } = 1;
    /// <summary>Pairs per micro-batch of the network step (speed only; gradients are the same).</summary>
    public int MicroBatchPairs { get; init; } = 8;
    /// <summary>Batches prepared ahead by the loader while the network trains.</summary>
    public int PrefetchBatches { get; init; } = 2;
    /// <summary>Ignore files shorter than this (seconds).</summary>
    public double MinFileSeconds { get; init; } = 0;
    /// <summary>Stop after this many steps per epoch (0 = all); for smoke tests and quick runs.</summary>
    public int MaxStepsPerEpoch { get; init; } = 0;
    public int? LibTorchThreads { get; init; }
    /// <summary>Folder for the decoded-corpus cache (mono 16-bit PCM); null = <see cref="PcmCache.DefaultDirectory"/>. Empty string = no cache.</summary>
    public string? DecodeCacheDirectory { get; init; }
    /// <summary>Start from this model's weights instead of a fresh network (e.g. one pre-trained on rendered rhythms).</summary>
    public string? InitFrom { get; init; }
    /// <summary>Keep every epoch's weights in the run folder (<see cref="TrainingLoopOptions.KeepEpochs"/>); about 115 kB an
    /// epoch for the paper's network.</summary>
    public bool KeepEpochs { get; init; }

    /// <summary>This config, or an <see cref="EquiTempoException"/> (reason InvalidSetting) naming the first setting out of range.</summary>
    public TrainingConfig Validated()
    {
        SettingChecks.Common(Epochs, (nameof(BatchPairs), BatchPairs), (nameof(MicroBatchPairs), MicroBatchPairs), (nameof(ExcerptsPerFile), ExcerptsPerFile),
            PrefetchBatches, MaxStepsPerEpoch, LearningRate, ValidationFraction, MinRate, MaxRate);
        SettingChecks.AtLeast(nameof(EndMarginSamples), EndMarginSamples, 0);
        if (!double.IsFinite(MinFileSeconds) || MinFileSeconds < 0)
            throw EquiTempoException.InvalidSetting(nameof(MinFileSeconds), $"must be a finite number ≥ 0 (got {MinFileSeconds})");
        if (LibTorchThreads is int t) SettingChecks.AtLeast(nameof(LibTorchThreads), t, 1);
        return this;
    }
}

/// <summary>The range checks the training configs share; each failure names the setting.</summary>
internal static class SettingChecks
{
    /// <summary>The settings every training config has: counts of at least 1, a step cap ≥ 0, a positive
    /// learning rate, a validation fraction in [0, 1) and rates 0 &lt; min ≤ max.</summary>
    public static void Common(int epochs, (string Name, int Value) batch, (string Name, int Value) microBatch, (string Name, int Value) excerpts,
        int prefetch, int maxSteps, double learningRate, double validationFraction, double minRate, double maxRate)
    {
        AtLeast("Epochs", epochs, 1);
        AtLeast(batch.Name, batch.Value, 1);
        AtLeast(microBatch.Name, microBatch.Value, 1);
        AtLeast(excerpts.Name, excerpts.Value, 1);
        AtLeast("PrefetchBatches", prefetch, 1);
        AtLeast("MaxStepsPerEpoch", maxSteps, 0);
        Positive("LearningRate", learningRate);
        Fraction("ValidationFraction", validationFraction);
        Rates("MinRate", minRate, "MaxRate", maxRate);
    }

    public static void AtLeast(string setting, int value, int min)
    {
        if (value < min) throw EquiTempoException.InvalidSetting(setting, $"must be at least {min} (got {value})");
    }

    public static void Positive(string setting, double value)
    {
        if (!double.IsFinite(value) || value <= 0) throw EquiTempoException.InvalidSetting(setting, $"must be a finite number > 0 (got {value})");
    }

    public static void Fraction(string setting, double value)
    {
        if (!(value >= 0 && value < 1)) throw EquiTempoException.InvalidSetting(setting, $"must be in [0, 1) (got {value})");
    }

    public static void Rates(string minName, double min, string maxName, double max)
    {
        Positive(minName, min);
        Positive(maxName, max);
        if (min > max) throw EquiTempoException.InvalidSetting(minName, $"must not exceed {maxName} (got {min} > {max})");
    }
}
