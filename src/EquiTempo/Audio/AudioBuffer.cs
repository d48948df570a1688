namespace EquiTempo.Audio;

/// <summary>Mono audio samples at <paramref name="SampleRate"/>, nominally in [-1, 1] and always finite.</summary>
public sealed record AudioBuffer(float[] Samples, int SampleRate)
{
    public double DurationSeconds => (double)Samples.Length / SampleRate;
}
