namespace EquiTempo.Inference;

/// <summary>Marks each chunk voiced or silent: a chunk whose RMS is at or below <see cref="ThresholdDbfs"/>
/// carries no tempo. Silent chunks still pass on (they count for the track's length), marked.</summary>
public sealed class SilenceGate(double thresholdDbfs)
{
    private readonly double _threshold = Math.Pow(10, thresholdDbfs / 20);

    public double ThresholdDbfs { get; } = thresholdDbfs;

    public bool IsVoiced(ReadOnlySpan<float> samples)
    {
        double ss = 0;
        foreach (var v in samples) ss += (double)v * v;
        return samples.Length > 0 && Math.Sqrt(ss / Math.Max(1, samples.Length)) > _threshold;
    }

    public AudioChunk Mark(AudioChunk chunk) => chunk with { Voiced = IsVoiced(chunk.Samples) };

    public IEnumerable<AudioChunk> Mark(IEnumerable<AudioChunk> chunks) => chunks.Select(Mark);
}
