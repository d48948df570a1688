namespace EquiTempo.Beats;

/// <summary>
/// Beats made audible for checking by ear: a click at each beat time, a 1 kHz sine burst (librosa's click frequency)
/// decaying exponentially (10 ms time constant, 60 ms long: shorter than librosa's 100 ms, so that clicks at 300 BPM
/// stay apart), mixed into the audio. The audio is
/// lowered by 6 dB and the clicks peak at −6 dBFS, so the mix stays within [−1, 1]. Given the beats' numbers in their
/// bars, a downbeat (number 1) clicks an octave higher (2 kHz), so the bar can be checked by ear too.
/// </summary>
public static class BeatSonifier
{
    public const double ClickHz = 1000, DownbeatClickHz = 2000, ClickSeconds = 0.06, DecaySeconds = 0.01;
    private const float AudioGain = 0.5f, ClickGain = 0.5f;

    /// <summary>The mix of <paramref name="samples"/> (mono, at <paramref name="sampleRate"/>) with a click at each time of
    /// <paramref name="beatTimes"/> (seconds), the higher click where <paramref name="numbers"/> (one per beat, 1 =
    /// downbeat; null for none) says downbeat; the input is not changed.</summary>
    public static float[] Mix(float[] samples, int sampleRate, IReadOnlyList<double> beatTimes, IReadOnlyList<int>? numbers = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(beatTimes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        if (numbers is not null && numbers.Count != beatTimes.Count)
            throw new ArgumentException($"{numbers.Count} beat numbers for {beatTimes.Count} beats", nameof(numbers));
        float[] beat = Click(ClickHz, sampleRate), downbeat = Click(DownbeatClickHz, sampleRate);
        var mix = new float[samples.Length];
        for (int i = 0; i < mix.Length; i++) mix[i] = AudioGain * samples[i];
        for (int b = 0; b < beatTimes.Count; b++)
        {
            var click = numbers?[b] == 1 ? downbeat : beat;
            long start = (long)Math.Round(beatTimes[b] * sampleRate);
            for (int i = 0; i < click.Length && start + i < mix.Length; i++)
                if (start + i >= 0) mix[start + i] += click[i];
        }
        return mix;
    }

    private static float[] Click(double hz, int sampleRate)
    {
        var click = new float[(int)Math.Round(ClickSeconds * sampleRate)];
        for (int i = 0; i < click.Length; i++)
            click[i] = ClickGain * (float)(Math.Sin(2 * Math.PI * hz * i / sampleRate) * Math.Exp(-(double)i / (DecaySeconds * sampleRate)));
        return click;
    }
}
