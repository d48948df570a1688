using System.Text.Json.Serialization;

namespace EquiTempo.Features;

/// <summary>
/// What a model reads, stored in its model file: the one source of these settings for the decoder (rate),
/// the chunker (chunk length), the front end (rate, hop, bands) and the network (bands), and for every
/// trainer. Defaults are the paper's: 44.1 kHz, 600,000-sample (13.6 s) chunks, hop 441 (100 frames/s),
/// 81 mel bands.
/// </summary>
public sealed record ModelInput(int SampleRate = 44100, int ChunkSamples = 600_000, int HopLength = 441, int MelBands = 81)
{
    /// <summary>The network folds the bands with two (3×3) convs, a (3×1) pool and a second pool of 3:
    /// below this there is nothing left to fold.</summary>
    public const int MinMelBands = 27;

    [JsonIgnore] public double ChunkSeconds => (double)ChunkSamples / SampleRate;
    [JsonIgnore] public double FramesPerSecond => (double)SampleRate / HopLength;
    /// <summary>Frames produced for <paramref name="samples"/> samples with a centred STFT: 1 + samples / hop.</summary>
    public int FrameCount(int samples) => 1 + samples / HopLength;
    [JsonIgnore] public int ChunkFrames => FrameCount(ChunkSamples);
    /// <summary>The chunk length rounded down to whole hops: chunks cut at this hop start on the track's frame grid, so
    /// their spectrograms are columns of the track's own (the paper's 600,000 samples are 1360.5 hops; this is 1360, so
    /// consecutive chunks share 240 samples, 0.04 %).</summary>
    [JsonIgnore] public int FrameAlignedChunkHop => ChunkSamples / HopLength * HopLength;

    /// <summary>This record, or an <see cref="EquiTempoException"/> naming the first setting out of range.</summary>
    public ModelInput Validated()
    {
        if (SampleRate < 8000 || SampleRate > 384_000) throw Bad(nameof(SampleRate), $"{SampleRate} Hz is outside 8,000–384,000 Hz");
        if (HopLength < 1 || HopLength > SampleRate) throw Bad(nameof(HopLength), $"{HopLength} samples is outside 1–{SampleRate} (one second)");
        if (ChunkSamples < 16 * HopLength) throw Bad(nameof(ChunkSamples), $"{ChunkSamples} samples gives fewer than 16 frames at hop {HopLength}");
        if (MelBands < MinMelBands || MelBands > 512) throw Bad(nameof(MelBands), $"{MelBands} is outside {MinMelBands}–512");
        return this;
    }

    private static EquiTempoException Bad(string setting, string problem) =>
        EquiTempoException.InvalidSetting($"model input {setting}", problem);
}
