namespace EquiTempo.Tests.Signals;

/// <summary>
/// Test signals whose tempo or pitch is known by construction, and the measurements that read them back.
/// </summary>
public static class TestSignals
{
    /// <summary>
    /// Clicks at (k + 0.25)·60/bpm seconds: 2 ms bursts of seeded white noise with a 0.4 ms exponential
    /// decay, over digital silence. The quarter-period lead keeps the first click off the signal's edge,
    /// where stretchers and detectors have boundary effects of their own.
    /// </summary>
    public static float[] ClickTrack(double bpm, double seconds, int sampleRate = 44100, int seed = 0)
    {
        var x = new float[(int)Math.Round(seconds * sampleRate)];
        var rng = new Random(seed);
        double period = 60.0 / bpm;
        int burst = (int)Math.Round(0.002 * sampleRate);
        double tau = 0.0004 * sampleRate;
        for (int k = 0; ; k++)
        {
            int start = (int)Math.Round((k + 0.25) * period * sampleRate);
            if (start >= x.Length) break;
            for (int j = 0; j < burst && start + j < x.Length; j++)
                x[start + j] = (float)(0.8 * (2 * rng.NextDouble() - 1) * Math.Exp(-j / tau));
        }
        return x;
    }

    public static float[] Sine(double hz, double seconds, int sampleRate = 44100, float amp = 0.5f)
    {
        var x = new float[(int)Math.Round(seconds * sampleRate)];
        for (int i = 0; i < x.Length; i++) x[i] = amp * (float)Math.Sin(2 * Math.PI * hz * i / sampleRate);
        return x;
    }

    /// <summary>
    /// Onsets as peaks of a 2 ms moving-energy envelope: the first crossing of 10 % of the envelope's
    /// maximum after at least 100 ms below it starts an onset, whose time is the envelope's peak within the
    /// next 5 ms. The 100 ms refractory span merges the echoes WSOLA can make of one transient (they fall
    /// within one segment, ≤ 82 ms) while staying under the shortest beat period tested (≈ 400 ms).
    /// </summary>
    public static double[] OnsetTimes(float[] x, int sampleRate)
    {
        int win = Math.Max(1, (int)Math.Round(0.002 * sampleRate));
        var env = new double[x.Length];
        double run = 0, max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            run += (double)x[i] * x[i];
            if (i >= win) run -= (double)x[i - win] * x[i - win];
            env[i] = Math.Max(run, 0);
            max = Math.Max(max, env[i]);
        }
        var onsets = new List<double>();
        if (max <= 0) return onsets.ToArray();

        double threshold = 0.1 * max;
        int refractory = (int)Math.Round(0.1 * sampleRate), peakSpan = (int)Math.Round(0.005 * sampleRate);
        int lastAbove = int.MinValue / 2;
        for (int i = 0; i < x.Length; i++)
        {
            if (env[i] < threshold) continue;
            bool fresh = i - lastAbove > refractory;
            lastAbove = i;
            if (!fresh) continue;
            int peak = i;
            for (int j = i; j < Math.Min(x.Length, i + peakSpan); j++)
                if (env[j] > env[peak]) peak = j;
            onsets.Add((double)peak / sampleRate);
        }
        return onsets.ToArray();
    }

    /// <summary>60 / median inter-onset interval; NaN with fewer than two onsets.</summary>
    public static double MedianBpm(double[] onsetTimes)
    {
        if (onsetTimes.Length < 2) return double.NaN;
        var ioi = new double[onsetTimes.Length - 1];
        for (int i = 0; i < ioi.Length; i++) ioi[i] = onsetTimes[i + 1] - onsetTimes[i];
        Array.Sort(ioi);
        int m = ioi.Length / 2;
        double median = ioi.Length % 2 == 1 ? ioi[m] : 0.5 * (ioi[m - 1] + ioi[m]);
        return 60.0 / median;
    }

    /// <summary>
    /// Tempo from a least-squares line through the onsets against their beat numbers (onset spacing divided
    /// by the period implied by <paramref name="approxBpm"/>, rounded, so missing beats keep their slot).
    /// Unlike <see cref="MedianBpm"/>, which returns one interval, this averages out per-onset jitter.
    /// <paramref name="maxResidual"/> is the largest distance, in seconds, of an onset from the line.
    /// </summary>
    public static double FittedBpm(double[] onsetTimes, double approxBpm, out double maxResidual)
    {
        maxResidual = double.NaN;
        int n = onsetTimes.Length;
        if (n < 2) return double.NaN;
        double period = 60.0 / approxBpm;
        var beat = new double[n];
        for (int i = 0; i < n; i++) beat[i] = Math.Round((onsetTimes[i] - onsetTimes[0]) / period);
        double mb = 0, mt = 0;
        for (int i = 0; i < n; i++) { mb += beat[i]; mt += onsetTimes[i]; }
        mb /= n; mt /= n;
        double sbt = 0, sbb = 0;
        for (int i = 0; i < n; i++) { sbt += (beat[i] - mb) * (onsetTimes[i] - mt); sbb += (beat[i] - mb) * (beat[i] - mb); }
        if (sbb == 0) return double.NaN;
        double slope = sbt / sbb;
        maxResidual = 0;
        for (int i = 0; i < n; i++)
            maxResidual = Math.Max(maxResidual, Math.Abs(onsetTimes[i] - (mt + (beat[i] - mb) * slope)));
        return 60.0 / slope;
    }

    /// <summary>
    /// Frequency from positive-going zero crossings (linearly interpolated) between sample
    /// <paramref name="from"/> and <paramref name="to"/>.
    /// </summary>
    public static double ZeroCrossingHz(float[] x, int sampleRate, int from, int to)
    {
        double first = double.NaN, last = double.NaN;
        int count = 0;
        for (int i = Math.Max(1, from); i < Math.Min(x.Length, to); i++)
        {
            if (x[i - 1] < 0 && x[i] >= 0)
            {
                double t = i - 1 + x[i - 1] / (double)(x[i - 1] - x[i]);
                if (count == 0) first = t;
                last = t;
                count++;
            }
        }
        return count < 2 ? double.NaN : (count - 1) * sampleRate / (last - first);
    }

    /// <summary>RMS in dB (20·log10) of consecutive non-overlapping windows covering [from, to).</summary>
    public static double[] WindowRmsDb(float[] x, int from, int to, int window)
    {
        var result = new List<double>();
        for (int s = from; s + window <= to; s += window)
        {
            double e = 0;
            for (int i = s; i < s + window; i++) e += (double)x[i] * x[i];
            result.Add(10 * Math.Log10(e / window + 1e-30));
        }
        return result.ToArray();
    }
}
