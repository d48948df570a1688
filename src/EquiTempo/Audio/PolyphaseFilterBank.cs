using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EquiTempo.Audio;

/// <summary>
/// Kaiser-windowed sinc low-pass sampled at the L phases of a rational L/M rate change.
/// Row p holds the taps for an output that falls p/L of an input sample after an input sample,
/// so each output is a single dot product with contiguous input (vectorisable, no interpolation).
/// </summary>
internal sealed class PolyphaseFilterBank
{
    /// <summary>Passband edge as a fraction of the lower of the two Nyquist frequencies (20 kHz at 44.1 kHz output).</summary>
    public const double PassbandEdge = 0.91;

    /// <summary>Stopband starts at the lower Nyquist frequency, so nothing above it can alias back in band.</summary>
    public const double StopbandEdge = 1.0;

    /// <summary>Kaiser design attenuation: below 16-bit quantisation noise, and well past the 60 dB the analysis needs.</summary>
    public const double StopbandAttenuationDb = 96;

    /// <summary>Ratios needing more phases than this (unusual rates such as 44101 Hz) use an interpolated table instead.</summary>
    public const int MaxExactPhases = 4096;

    /// <summary>Rows of the interpolated table; linear interpolation between rows keeps coefficient error near 1e-7.</summary>
    public const int InterpolatedPhases = 1024;

    private static readonly ConcurrentDictionary<(int From, int To), PolyphaseFilterBank> Cache = new();

    /// <summary>Upsampling factor of toRate/fromRate in lowest terms; output positions advance in steps of M/L input samples.</summary>
    public int L { get; }

    /// <summary>Downsampling factor: each output advances M/L input samples.</summary>
    public int M { get; }

    /// <summary>Half the filter length in input samples; output at input position t uses inputs floor(t)-HalfTaps+1 .. floor(t)+HalfTaps.</summary>
    public int HalfTaps { get; }

    public int Taps => 2 * HalfTaps;

    /// <summary>
    /// Number of table rows spanning one input sample: L when exact; otherwise <see cref="InterpolatedPhases"/>, with one
    /// extra row (the kernel a whole sample later) so that interpolation never wraps.
    /// </summary>
    public int Phases { get; }

    /// <summary>True when outputs interpolate between two rows because L is too large for a row per phase.</summary>
    public bool Interpolated { get; }

    /// <summary>Row-major (Phases [+1]) x Taps coefficients.</summary>
    public float[] Coefficients { get; }

    private PolyphaseFilterBank(int l, int m)
    {
        L = l;
        M = m;
        double minRatio = Math.Min(1.0, (double)l / m);
        // Frequencies in cycles per input sample.
        double lowerNyquist = 0.5 * minRatio;
        double cutoff = lowerNyquist * (PassbandEdge + StopbandEdge) / 2;
        double transition = lowerNyquist * (StopbandEdge - PassbandEdge);
        // Kaiser's estimates for filter length and window shape at a given attenuation and transition width.
        double a = StopbandAttenuationDb;
        double beta = a > 50 ? 0.1102 * (a - 8.7) : 0.5842 * Math.Pow(a - 21, 0.4) + 0.07886 * (a - 21);
        int length = (int)Math.Ceiling((a - 7.95) / (14.36 * transition)) + 1;
        // Round up so rows are a multiple of 8 floats: full AVX vectors with no scalar tail.
        HalfTaps = (length / 2 + 3) / 4 * 4;
        int taps = Taps;
        Interpolated = l > MaxExactPhases;
        Phases = Interpolated ? InterpolatedPhases : l;
        int rows = Interpolated ? Phases + 1 : Phases;
        Coefficients = new float[rows * taps];
        double i0Beta = BesselI0(beta);
        double halfWidth = HalfTaps;
        var row = new double[taps];
        for (int p = 0; p < rows; p++)
        {
            double frac = (double)p / Phases;
            double sum = 0;
            for (int j = 0; j < taps; j++)
            {
                double t = frac + HalfTaps - 1 - j; // distance from the output instant to input j of the window
                double x = t / halfWidth;
                double w = Math.Abs(x) >= 1 ? 0 : BesselI0(beta * Math.Sqrt(1 - x * x)) / i0Beta;
                double v = 2 * cutoff * Sinc(2 * cutoff * t) * w;
                row[j] = v;
                sum += v;
            }
            // Per-phase normalisation makes DC gain exactly 1 for every phase, so a constant input
            // does not pick up a ripple at the phase-cycle rate.
            for (int j = 0; j < taps; j++) Coefficients[p * taps + j] = (float)(row[j] / sum);
        }
    }

    /// <summary>Returns the (cached) bank for a rate change; rates must be positive and different.</summary>
    public static PolyphaseFilterBank For(int fromRate, int toRate)
    {
        return Cache.GetOrAdd((fromRate, toRate), static key =>
        {
            var (l, m) = Ratio(key.From, key.To);
            return new PolyphaseFilterBank(l, m);
        });
    }

    /// <summary>
    /// One output sample: <paramref name="window"/> holds the <see cref="Taps"/> inputs around the output instant,
    /// which lies <paramref name="phase"/>/L of an input sample after window[HalfTaps - 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Evaluate(int phase, ReadOnlySpan<float> window)
    {
        int taps = Taps;
        if (!Interpolated) return Dot(Coefficients.AsSpan(phase * taps, taps), window);
        double position = (double)phase * Phases / L;
        int row = (int)position;
        float f = (float)(position - row), a = Dot(Coefficients.AsSpan(row * taps, taps), window);
        return a + f * (Dot(Coefficients.AsSpan((row + 1) * taps, taps), window) - a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b[..a.Length]);
            var acc = Vector<float>.Zero;
            for (int k = 0; k < va.Length; k++) acc += va[k] * vb[k];
            sum = Vector.Sum(acc);
            i = va.Length * Vector<float>.Count;
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>toRate/fromRate in lowest terms.</summary>
    internal static (int L, int M) Ratio(int fromRate, int toRate)
    {
        int g = Gcd(fromRate, toRate);
        return (toRate / g, fromRate / g);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    /// <summary>Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used).</summary>
    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, halfX = x / 2;
        for (int k = 1; k < 200; k++)
        {
            term *= halfX / k;
            double t2 = term * term;
            sum += t2;
            if (t2 < sum * 1e-17) break;
        }
        return sum;
    }
}
