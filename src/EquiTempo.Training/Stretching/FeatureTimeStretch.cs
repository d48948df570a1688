using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Training.Stretching;

/// <summary>
/// Time stretch in the feature domain: resample a (log-mel) spectrogram's frame axis by linear
/// interpolation. Much cheaper than a waveform stretch per training view; unlike WSOLA it also stretches
/// each note's envelope and smears transients, which is the accepted price of the shortcut.
/// </summary>
/// <remarks>
/// Output frame t reads input position t·alpha, interpolated between frames ⌊t·alpha⌋ and ⌊t·alpha⌋+1.
/// The input is taken as continued by frames of <c>padValue</c>, so the last real frame fades into padding
/// over one frame and everything later is padding, which is what a stretched, silence-padded waveform
/// would give. Both overloads compute positions and weights the same way so they agree to float rounding.
/// </remarks>
public static class FeatureTimeStretch
{
    /// <summary>
    /// spec: (bands, frames) row-major. Output frame t samples input frame t·alpha (linear interpolation);
    /// positions past the last frame give <paramref name="padValue"/>. Returns bands × outFrames, row-major.
    /// </summary>
    public static float[] Stretch(ReadOnlySpan<float> spec, int bands, int frames, double alpha, int outFrames, float padValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bands);
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(outFrames);
        ValidateAlpha(alpha);
        if ((long)bands * frames != spec.Length)
            throw new ArgumentException($"spec has {spec.Length} values, expected bands × frames = {(long)bands * frames}.", nameof(spec));

        var result = new float[bands * outFrames];
        if (outFrames == 0 || bands == 0) return result;

        // Positions are shared by all bands: compute them once, then every band is a gather + lerp.
        var i0 = new int[outFrames];
        var w = new float[outFrames];
        Positions(frames, alpha, i0, w);

        for (int b = 0; b < bands; b++)
        {
            ReadOnlySpan<float> row = spec.Slice(b * frames, frames);
            Span<float> dst = result.AsSpan(b * outFrames, outFrames);
            for (int t = 0; t < outFrames; t++)
            {
                int k = i0[t];
                float a = k < frames ? row[k] : padValue;
                float c = k + 1 < frames ? row[k + 1] : padValue;
                // Same expression as torch.lerp, so the two overloads round alike.
                dst[t] = a + w[t] * (c - a);
            }
        }
        return result;
    }

    /// <summary>
    /// Batched version: spec (B, C, bands, frames), one alpha per item; returns (B, C, bands, outFrames)
    /// on the same device and dtype. Implemented as two gathers and a lerp.
    /// </summary>
    public static Tensor Stretch(Tensor spec, double[] alphas, int outFrames, float padValue)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentOutOfRangeException.ThrowIfNegative(outFrames);
        if (spec.dim() != 4)
            throw new ArgumentException($"spec must be (B, C, bands, frames); got {spec.dim()} dimensions.", nameof(spec));
        long batch = spec.shape[0], channels = spec.shape[1], bands = spec.shape[2], framesL = spec.shape[3];
        if (alphas.Length != batch)
            throw new ArgumentException($"{alphas.Length} alphas for a batch of {batch}.", nameof(alphas));
        if (framesL > int.MaxValue - 1)
            throw new ArgumentException("Too many frames.", nameof(spec));
        foreach (double a in alphas) ValidateAlpha(a);
        int frames = (int)framesL;

        using var scope = NewDisposeScope();

        var idx = new long[batch * outFrames];
        var wts = new float[batch * outFrames];
        var i0 = new int[outFrames];
        var w = new float[outFrames];
        for (int b = 0; b < batch; b++)
        {
            Positions(frames, alphas[b], i0, w);
            for (int t = 0; t < outFrames; t++)
            {
                // Index `frames` is the padding column appended below; clamping there covers everything later.
                idx[b * outFrames + t] = Math.Min(i0[t], frames);
                wts[b * outFrames + t] = w[t];
            }
        }

        var device = spec.device;
        var padColumn = full(new long[] { batch, channels, bands, 1 }, padValue, dtype: spec.dtype, device: device);
        var padded = cat(new[] { spec, padColumn }, dim: 3);                                   // (B, C, bands, frames+1)

        var index0 = tensor(idx, new long[] { batch, 1, 1, outFrames }, device: device);
        var index1 = clamp_max(index0 + 1, frames);
        var shape = new long[] { batch, channels, bands, outFrames };
        var lo = padded.gather(3, index0.expand(shape));
        var hi = padded.gather(3, index1.expand(shape));
        var weight = tensor(wts, new long[] { batch, 1, 1, outFrames }, device: device).to_type(spec.dtype);

        var result = lo.lerp(hi, weight.expand(shape));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Source frame and fractional weight for each output frame. Positions are computed in double from t·alpha
    /// (not accumulated), so long outputs do not drift, and positions at or beyond the padding are pinned to
    /// it with weight 0.
    /// </summary>
    private static void Positions(int frames, double alpha, Span<int> i0, Span<float> w)
    {
        for (int t = 0; t < i0.Length; t++)
        {
            double pos = t * alpha;
            if (pos >= frames)
            {
                i0[t] = frames;
                w[t] = 0f;
                continue;
            }
            int k = (int)Math.Floor(pos);
            i0[t] = k;
            w[t] = (float)(pos - k);
        }
    }

    private static void ValidateAlpha(double alpha)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Tempo factor must be positive and finite.");
    }
}
