namespace EquiTempo.Tests.Signals;

/// <summary>
/// Inputs that have no tempo by construction, each with the reason a <c>NoTempoException</c> must give: steady or
/// sweeping tones, DC, noise at several levels, isolated clicks, randomly timed clicks of random loudness, and
/// inputs too short for a few beats. Seeded, so every run sees the same samples.
/// </summary>
public static class NonMusic
{
    public const int Rate = 22050;

    /// <summary>Kind name → (samples at <see cref="Rate"/>, a substring of the refusal).</summary>
    public static IReadOnlyDictionary<string, (Func<float[]> Make, string Reason)> Kinds { get; } = new Dictionary<string, (Func<float[]>, string)>
    {
        ["noise -60 dBFS"] = (() => Noise(-60, 30), "no periodic onsets"),
        ["noise -40 dBFS"] = (() => Noise(-40, 30), "no periodic onsets"),
        ["noise -20 dBFS"] = (() => Noise(-20, 30), "no periodic onsets"),
        ["noise full scale"] = (() => Noise(0, 30), "no periodic onsets"),
        ["sine 440 Hz"] = (() => TestSignals.Sine(440, 30, Rate), "too few onsets"),
        ["sine 55 Hz"] = (() => TestSignals.Sine(55, 30, Rate), "too few onsets"),
        ["sine 3 kHz"] = (() => TestSignals.Sine(3000, 30, Rate), "too few onsets"),
        ["chirp up"] = (() => Chirp(100, 5000, 30), "too few onsets"),
        ["chirp down"] = (() => Chirp(8000, 50, 30), "too few onsets"),
        ["DC offset"] = (() => Enumerable.Repeat(0.3f, 30 * Rate).ToArray(), "too few onsets"),
        ["one click"] = (() => Clicks(30, 5.0), "too few onsets"),
        ["two clicks"] = (() => Clicks(30, 5.0, 9.0), "too few onsets"),
        ["noise burst in silence"] = (() => new float[5 * Rate].Concat(Noise(-6, 1)).Concat(new float[24 * Rate]).ToArray(), "too few onsets"),
        ["random clicks 1/s"] = (() => RandomClicks(1, 30), "no periodic onsets"),
        ["random clicks 3/s"] = (() => RandomClicks(3, 30), "no periodic onsets"),
        ["random clicks 8/s"] = (() => RandomClicks(8, 30), "no periodic onsets"),
        ["0.1 s noise"] = (() => Noise(-6, 0.1), "too short: 0.1 s"),
        ["0.5 s of clicks"] = (() => TestSignals.ClickTrack(120, 0.5, Rate), "too short: 0.5 s"),
        ["1.5 s of clicks"] = (() => TestSignals.ClickTrack(120, 1.5, Rate), "too short: 1.5 s"),
    };

    public static float[] Noise(double dbfs, double seconds, int seed = 1)
    {
        var rng = new Random(seed);
        double amp = Math.Pow(10, dbfs / 20) * Math.Sqrt(3);   // uniform noise of this RMS
        var x = new float[(int)Math.Round(seconds * Rate)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amp * (2 * rng.NextDouble() - 1));
        return x;
    }

    /// <summary>An exponential sweep from <paramref name="fromHz"/> to <paramref name="toHz"/>.</summary>
    public static float[] Chirp(double fromHz, double toHz, double seconds)
    {
        var x = new float[(int)Math.Round(seconds * Rate)];
        double phase = 0;
        for (int i = 0; i < x.Length; i++)
        {
            phase += 2 * Math.PI * fromHz * Math.Pow(toHz / fromHz, (double)i / x.Length) / Rate;
            x[i] = (float)(0.5 * Math.Sin(phase));
        }
        return x;
    }

    public static float[] Clicks(double seconds, params double[] times) =>
        Place(seconds, times.Select(t => (t, 0.8)), new Random(2));

    /// <summary>Clicks at Poisson times (<paramref name="perSecond"/> on average) with uniformly random amplitudes.</summary>
    public static float[] RandomClicks(double perSecond, double seconds, int seed = 3)
    {
        var rng = new Random(seed);
        var clicks = new List<(double, double)>();
        for (double t = 0; ; )
        {
            t += -Math.Log(1 - rng.NextDouble()) / perSecond;
            if (t >= seconds) break;
            clicks.Add((t, rng.NextDouble()));
        }
        return Place(seconds, clicks, rng);
    }

    // The click of TestSignals.ClickTrack: 2 ms of noise with a 0.4 ms decay.
    private static float[] Place(double seconds, IEnumerable<(double Time, double Amp)> clicks, Random rng)
    {
        var x = new float[(int)Math.Round(seconds * Rate)];
        int burst = (int)Math.Round(0.002 * Rate);
        double tau = 0.0004 * Rate;
        foreach (var (time, amp) in clicks)
        {
            int start = (int)Math.Round(time * Rate);
            for (int j = 0; j < burst && start + j < x.Length; j++)
                x[start + j] += (float)(amp * (2 * rng.NextDouble() - 1) * Math.Exp(-j / tau));
        }
        return x;
    }
}
