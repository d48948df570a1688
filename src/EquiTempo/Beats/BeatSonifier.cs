namespace EquiTempo.Beats;

/// <summary>
/// Beats made audible for checking by ear: a click at each beat time, a 1 kHz sine burst (librosa's click frequency)
/// decaying exponentially (10 ms time constant, 60 ms long: shorter than librosa's 100 ms, so that clicks at 300 BPM
/// stay apart), mixed into the audio. The audio is
/// lowered by 6 dB and the clicks peak at −6 dBFS, so the mix stays within [−1, 1].
/// </summary>
public static class BeatSonifier
{
    public const double ClickHz = 1000, ClickSeconds = 0.06, DecaySeconds = 0.01;
    private const float AudioGain = 0.5f, ClickGain = 0.5f;

    /// <summary>The mix of <paramref name="samples"/> (mono, at <paramref name="sampleRate"/>) with a click at each time of
    /// <paramref name="beatTimes"/> (seconds); the input is not changed.</summary>
    public static float[] Mix(float[] samples, int sampleRate, IEnumerable<double> beatTimes)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        int length = (int)Math.Round(ClickSeconds * sampleRate);
        var click = new float[length];
        for (int i = 0; i < length; i++)
            click[i] = ClickGain * (float)(Math.Sin(2 * Math.PI * ClickHz * i / sampleRate) * Math.Exp(-(double)i / (DecaySeconds * sampleRate)));
        var mix = new float[samples.Length];
        for (int i = 0; i < mix.Length; i++) mix[i] = AudioGain * samples[i];
        foreach (double t in beatTimes)
        {
            long start = (long)Math.Round(t * sampleRate);
            for (int i = 0; i < length && start + i < mix.Length; i++)
                if (start + i >= 0) mix[start + i] += click[i];
        }
        return mix;
    }
}
