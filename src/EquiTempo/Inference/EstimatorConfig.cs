using EquiTempo.Baselines;
using EquiTempo.Features;

namespace EquiTempo.Inference;

/// <summary>Estimation settings. Defaults follow the paper's inference: 13.6 s chunks one after another (1360 hops
/// apart, so they start on the spectrogram's frame grid: <see cref="ModelInput.FrameAlignedChunkHop"/>).</summary>
public sealed record EstimatorConfig
{
    /// <summary>Chunk hop in seconds; null = the chunk length in whole hops (one chunk after another, as the paper).</summary>
    public double? HopSeconds { get; init; }
    /// <summary>Hop of the sliding window for the local tempo curve.</summary>
    public double LocalHopSeconds { get; init; } = 2.0;
    /// <summary>Chunks sent through the network at once. LibTorch's buffers for a batch set the peak memory: on a
    /// 10-minute file it was 300 MB at 1, 450 MB at 2 and 850 MB at 8, while 8 ran only about 15 % faster (README, Memory).</summary>
    public int BatchChunks { get; init; } = 1;
    /// <summary>Chunks quieter than this RMS (dBFS) carry no tempo and are skipped; a track with none left is an error.</summary>
    public double SilenceDbfs { get; init; } = -70;
    /// <summary>Relative tolerance used for the agreement-based confidence (the Acc1 tolerance).</summary>
    public double Tolerance { get; init; } = 0.04;
    /// <summary>Slowest tempo an answer may have (BPM), as madmom's and essentia's min-bpm; null = no lower bound
    /// beyond the method's own range.</summary>
    public double? MinBpm { get; init; }
    /// <summary>Fastest tempo an answer may have (BPM); null = no upper bound beyond the method's own range.</summary>
    public double? MaxBpm { get; init; }

    /// <summary>What a track must show to have a tempo at all (its length, onsets and their periodicity).</summary>
    public TempoEvidenceConfig Evidence { get; init; } = new();

    /// <summary>Fuse a log-tempo model's distribution with the DSP baseline's tempo evidence (<see cref="DspEvidenceFusion"/>)
    /// of the onset envelope or of a beat head's activation (<see cref="DspFusionConfig.Evidence"/>; the latter needs the
    /// estimator to be given a beat head); null = the model alone. Only a log-tempo model takes it: the paper's network
    /// has no distribution over tempo bins.</summary>
    public DspFusionConfig? Fusion { get; init; }

    /// <summary><see cref="MinBpm"/> and <see cref="MaxBpm"/> as one range.</summary>
    public TempoRange Range => new(MinBpm, MaxBpm);

    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range. The chunk
    /// hop is checked against the chunk length of <paramref name="input"/> (the model's; the default input when null).</summary>
    public EstimatorConfig Validated(ModelInput? input = null)
    {
        input ??= new ModelInput();
        if (HopSeconds is double hop && !(double.IsFinite(hop) && hop > 0 && hop >= input.ChunkSeconds / 100))
            throw Bad(nameof(HopSeconds), $"{hop} s must be positive and at least 1/100 of a chunk ({input.ChunkSeconds / 100:0.###} s)");
        if (!(double.IsFinite(LocalHopSeconds) && LocalHopSeconds > 0))
            throw Bad(nameof(LocalHopSeconds), $"{LocalHopSeconds} s must be a positive number of seconds");
        if (BatchChunks < 1) throw Bad(nameof(BatchChunks), $"{BatchChunks} must be at least 1");
        if (!(double.IsFinite(SilenceDbfs) && SilenceDbfs <= 0))
            throw Bad(nameof(SilenceDbfs), $"{SilenceDbfs} dBFS must be finite and at most 0 (full scale)");
        if (!(Tolerance > 0 && Tolerance < 0.5)) throw Bad(nameof(Tolerance), $"{Tolerance} must lie strictly between 0 and 0.5");
        if (MinBpm is double lo && !(double.IsFinite(lo) && lo > 0))
            throw Bad(nameof(MinBpm), $"{lo} BPM must be a positive number");
        if (MaxBpm is double hi && !(double.IsFinite(hi) && hi > 0))
            throw Bad(nameof(MaxBpm), $"{hi} BPM must be a positive number");
        if (MinBpm is double a && MaxBpm is double b && !(b >= 2 * a))
            throw Bad(nameof(MaxBpm), $"{b} BPM must be at least twice the slowest tempo ({a} BPM), so that every tempo has a metrical level in range");
        Evidence.Validated();
        Fusion?.Validated();
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) =>
        EquiTempoException.InvalidSetting($"estimator {setting}", problem);
}
