using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EquiTempo.Training.Stretching;

/// <summary>
/// WSOLA settings in milliseconds, with SoX's meaning: each output step copies one segment of input, the
/// segment's start is chosen within a window of <see cref="SearchMs"/> around its nominal place, and
/// consecutive segments are cross-faded linearly over <see cref="OverlapMs"/>.
/// </summary>
/// <remarks>
/// The defaults (82 / 14.68 / 12 ms) are SoX's <c>tempo</c> defaults without a profile option
/// (segment 82 ms, overlap = segment / 6.833, search = segment / 5.587). SoX's <c>tempo -m</c> (music)
/// profile differs slightly and depends on the factor; <see cref="SoxMusic"/> gives it.
/// </remarks>
public sealed record TimeStretchConfig(double SegmentMs = 82, double SearchMs = 14.68, double OverlapMs = 12)
{
    /// <summary>
    /// SoX 14.4 <c>tempo -m</c>: segment = max(10, 82 / max(alpha, 1)) ms, search = segment / 6,
    /// overlap = segment / 7. For alpha ≤ 1 that is 82 / 13.67 / 11.71 ms; for alpha = 1.2 it is
    /// 68.3 / 11.39 / 9.76 ms. Shorter segments when speeding up keep transients from being dropped.
    /// </summary>
    public static TimeStretchConfig SoxMusic(double alpha)
    {
        double segment = Math.Max(10, 82 / Math.Max(alpha, 1));
        return new TimeStretchConfig(segment, segment / 6, Math.Min(segment / 7, segment / 2));
    }
}

/// <summary>
/// Pitch-preserving time stretch by WSOLA, following the SoX <c>tempo</c> effect: fixed-length segments,
/// least-squares waveform matching over the cross-fade region, linear cross-fade.
/// </summary>
/// <remarks>
/// Hand-written rather than NWaves 0.9.6's <c>Wsola</c>: measured on this project's machine, NWaves took
/// ~330 ms for one 600,000-sample training view (FFT-based correlation, allocations per frame), its output
/// length is not exact (602,560 instead of 600,000), and it always stretches the whole input. Here the
/// output can be requested at an exact length and processing stops as soon as it is filled, the only
/// allocation is the result (none with the span overload), and the search is a SIMD dot product.
/// Thread-safe: an instance holds only its immutable configuration; scratch comes from
/// <see cref="ArrayPool{T}.Shared"/> per call.
/// </remarks>
public sealed class TimeStretcher
{
    public const double MinAlpha = 0.25, MaxAlpha = 4.0;

    public TimeStretchConfig Config { get; }

    public TimeStretcher(TimeStretchConfig? config = null)
    {
        Config = config ?? new TimeStretchConfig();
        if (!(Config.SegmentMs > 0) || double.IsInfinity(Config.SegmentMs))
            throw new ArgumentOutOfRangeException(nameof(config), "SegmentMs must be positive and finite.");
        if (!(Config.SearchMs >= 0) || double.IsInfinity(Config.SearchMs))
            throw new ArgumentOutOfRangeException(nameof(config), "SearchMs must be non-negative and finite.");
        if (!(Config.OverlapMs >= 0) || double.IsInfinity(Config.OverlapMs))
            throw new ArgumentOutOfRangeException(nameof(config), "OverlapMs must be non-negative and finite.");
    }

    /// <summary>Output length SoX gives for <paramref name="inputLength"/> samples: round(n / alpha).</summary>
    public static int NaturalLength(int inputLength, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        long length = NaturalLengthLong(inputLength, alpha);
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(inputLength), $"Stretched length {length} exceeds the largest array.");
        return (int)length;
    }

    private static long NaturalLengthLong(int inputLength, double alpha)
    {
        ValidateAlpha(alpha);
        return (long)(inputLength / alpha + 0.5);
    }

    /// <summary>
    /// Tempo factor alpha: alpha &gt; 1 plays faster (output length ≈ input length / alpha, tempo × alpha),
    /// pitch unchanged. Valid range (0.25, 4]. alpha == 1 returns a copy.
    /// </summary>
    public float[] Stretch(ReadOnlySpan<float> mono, double alpha, int sampleRate)
        => Stretch(mono, alpha, sampleRate, NaturalLength(mono.Length, alpha));

    /// <summary>
    /// Same, but produces exactly <paramref name="outputLength"/> samples: zero past round(n / alpha), and
    /// only as much input is processed as those samples need.
    /// </summary>
    public float[] Stretch(ReadOnlySpan<float> mono, double alpha, int sampleRate, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outputLength);
        var output = new float[outputLength];
        Stretch(mono, alpha, sampleRate, output);
        return output;
    }

    /// <summary>
    /// Allocation-free form for callers that reuse buffers: fills all of <paramref name="destination"/>,
    /// zero past round(n / alpha).
    /// </summary>
    public void Stretch(ReadOnlySpan<float> mono, double alpha, int sampleRate, Span<float> destination)
    {
        ValidateAlpha(alpha);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);

        int n = mono.Length;
        int valid = (int)Math.Min(destination.Length, NaturalLengthLong(n, alpha));
        destination[valid..].Clear();
        if (valid == 0) return;

        if (alpha == 1.0)
        {
            mono[..valid].CopyTo(destination);
            return;
        }

        var p = Plan(sampleRate);
        int segment = p.Segment, overlap = p.Overlap, search = p.Search;
        int hop = segment - overlap;
        int half = search / 2;
        int windowLength = segment + search - 1;   // every candidate start within the search, plus one segment

        float[] scratchArray = ArrayPool<float>.Shared.Rent(windowLength + overlap);
        try
        {
            Span<float> scratch = scratchArray.AsSpan(0, windowLength);
            Span<float> tail = scratchArray.AsSpan(windowLength, overlap);

            for (long k = 0; k * hop < valid; k++)
            {
                // Nominal input position rounded from the cumulative product, as SoX does, so the
                // long-run rate is exactly alpha rather than drifting with per-segment rounding.
                long skip = (long)(alpha * (k * hop) + 0.5);
                long start = skip - half;   // first candidate position (SoX pre-pads search/2 zeros)

                ReadOnlySpan<float> window;
                if (start >= 0 && start + windowLength <= n)
                    window = mono.Slice((int)start, windowLength);
                else
                {
                    CopyZeroExtended(mono, start, scratch);
                    window = scratch;
                }

                int offset = k == 0 ? half : BestOffset(window, tail, search);

                int outStart = (int)(k * hop);
                int count = Math.Min(hop, valid - outStart);
                Span<float> dst = destination.Slice(outStart, count);
                ReadOnlySpan<float> seg = window.Slice(offset, segment);

                int fade = Math.Min(overlap, count);
                if (k == 0)
                    seg[..fade].CopyTo(dst);
                else
                {
                    float step = 1f / overlap;
                    for (int j = 0; j < fade; j++)
                    {
                        float fadeIn = step * j;
                        dst[j] = tail[j] * (1f - fadeIn) + seg[j] * fadeIn;
                    }
                }
                if (count > overlap)
                    seg[overlap..count].CopyTo(dst[overlap..]);

                seg[hop..].CopyTo(tail);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratchArray);
        }
    }

    internal readonly record struct SamplePlan(int Segment, int Search, int Overlap);

    /// <summary>SoX's millisecond → sample rounding, so results line up with <c>sox tempo</c>.</summary>
    internal SamplePlan Plan(int sampleRate)
    {
        int segment = Math.Max(2, (int)(sampleRate * Config.SegmentMs / 1000 + 0.5));
        int search = Math.Max(1, (int)(sampleRate * Config.SearchMs / 1000 + 0.5));
        int overlap = Math.Max((int)(sampleRate * Config.OverlapMs / 1000 + 4.5), 16) & ~7;
        if (overlap * 2 > segment) overlap -= 8;
        // At very low rates SoX's minimum of 16 can still exceed half a segment; keep a positive hop.
        overlap = Math.Clamp(overlap, 1, segment / 2);
        return new SamplePlan(segment, search, overlap);
    }

    private static void ValidateAlpha(double alpha)
    {
        if (!(alpha > MinAlpha && alpha <= MaxAlpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"Tempo factor must be in ({MinAlpha}, {MaxAlpha}].");
    }

    /// <summary>Edge segments read before the start or past the end: SoX pre-pads and flushes with zeros.</summary>
    private static void CopyZeroExtended(ReadOnlySpan<float> src, long start, Span<float> dst)
    {
        dst.Clear();
        long from = Math.Max(0, start), to = Math.Min(src.Length, start + dst.Length);
        if (to > from)
            src.Slice((int)from, (int)(to - from)).CopyTo(dst[(int)(from - start)..]);
    }

    /// <summary>
    /// argmin over i of Σ (w[i+j] − tail[j])², SoX's least-squares match. Summed directly rather than
    /// expanded into energy − 2·correlation: the expansion is no faster here, and its rounding turns exact
    /// ties into noise.
    /// </summary>
    /// <remarks>
    /// One deliberate departure from SoX: exact ties go to the lag nearest the nominal position, where SoX
    /// takes the earliest. Ties are exact over digital silence, and there SoX's rule pulls every segment
    /// search/2 back, so a transient arriving after silence tends to fall in the input skipped between
    /// segments: on a 120 BPM track of 2 ms clicks stretched by 1.1, a third of the clicks vanished with the
    /// earliest-lag rule and none with this one. Wherever the signal is not silent the result is SoX's.
    /// </remarks>
    private static int BestOffset(ReadOnlySpan<float> window, ReadOnlySpan<float> tail, int search)
    {
        int overlap = tail.Length, half = search / 2;
        ref float w = ref MemoryMarshal.GetReference(window);
        ref float t = ref MemoryMarshal.GetReference(tail);

        int best = 0;
        float bestScore = float.PositiveInfinity;
        int i = 0;
        // Four lags per pass share each load of the tail, which is what bounds this loop.
        for (; i + 4 <= search; i += 4)
        {
            Ssd4(ref Unsafe.Add(ref w, i), ref t, overlap, out float d0, out float d1, out float d2, out float d3);
            Consider(d0, i, half, ref best, ref bestScore);
            Consider(d1, i + 1, half, ref best, ref bestScore);
            Consider(d2, i + 2, half, ref best, ref bestScore);
            Consider(d3, i + 3, half, ref best, ref bestScore);
        }
        for (; i < search; i++)
        {
            float d = Ssd(ref Unsafe.Add(ref w, i), ref t, overlap);
            Consider(d, i, half, ref best, ref bestScore);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Consider(float score, int lag, int half, ref int best, ref float bestScore)
    {
        if (score < bestScore || (score == bestScore && Math.Abs(lag - half) < Math.Abs(best - half)))
        {
            bestScore = score;
            best = lag;
        }
    }

    private static float Ssd(ref float a, ref float b, int n)
    {
        int width = Vector<float>.Count;
        var acc = Vector<float>.Zero;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var d = Vector.LoadUnsafe(ref a, (nuint)j) - Vector.LoadUnsafe(ref b, (nuint)j);
            acc = Vector.MultiplyAddEstimate(d, d, acc);
        }
        float sum = Vector.Sum(acc);
        for (; j < n; j++)
        {
            float d = Unsafe.Add(ref a, j) - Unsafe.Add(ref b, j);
            sum += d * d;
        }
        return sum;
    }

    private static void Ssd4(ref float a, ref float b, int n, out float s0, out float s1, out float s2, out float s3)
    {
        int width = Vector<float>.Count;
        Vector<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var bv = Vector.LoadUnsafe(ref b, (nuint)j);
            var d0 = Vector.LoadUnsafe(ref a, (nuint)j) - bv;
            var d1 = Vector.LoadUnsafe(ref a, (nuint)(j + 1)) - bv;
            var d2 = Vector.LoadUnsafe(ref a, (nuint)(j + 2)) - bv;
            var d3 = Vector.LoadUnsafe(ref a, (nuint)(j + 3)) - bv;
            acc0 = Vector.MultiplyAddEstimate(d0, d0, acc0);
            acc1 = Vector.MultiplyAddEstimate(d1, d1, acc1);
            acc2 = Vector.MultiplyAddEstimate(d2, d2, acc2);
            acc3 = Vector.MultiplyAddEstimate(d3, d3, acc3);
        }
        s0 = Vector.Sum(acc0); s1 = Vector.Sum(acc1); s2 = Vector.Sum(acc2); s3 = Vector.Sum(acc3);
        for (; j < n; j++)
        {
            float bj = Unsafe.Add(ref b, j), e0 = Unsafe.Add(ref a, j) - bj, e1 = Unsafe.Add(ref a, j + 1) - bj,
                  e2 = Unsafe.Add(ref a, j + 2) - bj, e3 = Unsafe.Add(ref a, j + 3) - bj;
            s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3;
        }
    }
}
