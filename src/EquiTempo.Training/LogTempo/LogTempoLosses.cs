using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Training.LogTempo;

/// <summary>
/// The log-tempo objective's losses on distributions over log-tempo bins (rows of (N, bins)).
/// Shifted cross-entropy: view B is view A moved by Δ bins (its stretch and crop offset are known), so A's distribution
/// moved by Δ is B's target and B's moved by −Δ is A's: ½[H(shift(p_A, Δ), p_B) + H(shift(p_B, −Δ), p_A)], each target
/// renormalised over the bins that stay inside the crop. Minimal (it equals the target's entropy) when p_B is p_A shifted
/// by Δ, and lowest of all for a sharp peak, so a flat distribution, which satisfies any shift, still costs log(bins).
/// Invariance: the same without a shift, between a view and an augmented copy (noise, EQ, gain).
/// Expected-value ratio: the paper's ratio loss on z = Σ p_k 2^(k / bins per octave), whose ratio between the views must be
/// 2^(Δ / bins per octave); it penalises mass pushed against the crop's edges, where a shift would carry it out of view.
/// </summary>
public static class LogTempoLosses
{
    /// <summary>ρ_n(k) = p_n(k − Δ_n), zero where k − Δ_n is outside the bins, renormalised (a row with no mass left stays 0).</summary>
    public static Tensor Shift(Tensor p, long[] shifts)
    {
        using var scope = NewDisposeScope();
        long n = p.shape[0], w = p.shape[1];
        var idx = new long[n * w];
        var mask = new float[n * w];
        for (long r = 0; r < n; r++)
            for (long k = 0; k < w; k++)
            {
                long src = k - shifts[r];
                bool inside = src >= 0 && src < w;
                idx[r * w + k] = inside ? src : 0;
                mask[r * w + k] = inside ? 1 : 0;
            }
        var shifted = p.gather(1, tensor(idx, new[] { n, w })).mul(tensor(mask, new[] { n, w }));
        var mass = shifted.sum(new long[] { 1 }, keepdim: true).clamp_min(HeldScalars.Of(1e-8));
        return shifted.div(mass).MoveToOuterDisposeScope();
    }

    /// <summary>Mean over rows of −Σ_k target_k · logQ_k.</summary>
    public static Tensor CrossEntropy(Tensor target, Tensor logQ)
    {
        using var scope = NewDisposeScope();
        return target.mul(logQ).sum(new long[] { 1 }).mean().neg().MoveToOuterDisposeScope();
    }

    /// <summary>Symmetric shifted cross-entropy between the logits of views A and B, B being A moved by <paramref name="shifts"/> bins.</summary>
    public static Tensor ShiftedCrossEntropy(Tensor logitsA, Tensor logitsB, long[] shifts)
    {
        using var scope = NewDisposeScope();
        var logA = logitsA.log_softmax(1);
        var logB = logitsB.log_softmax(1);
        var back = shifts.Select(s => -s).ToArray();
        var ab = CrossEntropy(Shift(logA.exp(), shifts), logB);
        var ba = CrossEntropy(Shift(logB.exp(), back), logA);
        return ab.add(ba, HeldScalars.One).mul(HeldScalars.Of(0.5)).MoveToOuterDisposeScope();
    }

    /// <summary>Symmetric cross-entropy between two views of the same tempo (no shift).</summary>
    public static Tensor Invariance(Tensor logitsA, Tensor logitsA2) => ShiftedCrossEntropy(logitsA, logitsA2, new long[logitsA.shape[0]]);

    /// <summary>z = Σ p_k 2^(k / binsPerOctave) per row.</summary>
    public static Tensor Expected(Tensor logits, int binsPerOctave)
    {
        using var scope = NewDisposeScope();
        long w = logits.shape[1];
        var powers = tensor(Enumerable.Range(0, (int)w).Select(k => (float)Math.Pow(2, (double)k / binsPerOctave)).ToArray());
        return logits.softmax(1).mul(powers).sum(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>The paper's ratio loss on the expected values: z_B / z_A should be 2^(Δ / binsPerOctave).</summary>
    public static Tensor ExpectedRatio(Tensor logitsA, Tensor logitsB, long[] shifts, int binsPerOctave)
    {
        using var scope = NewDisposeScope();
        var za = Expected(logitsA, binsPerOctave);
        var zb = Expected(logitsB, binsPerOctave);
        var ones = ones_like(za);
        var ratio = tensor(shifts.Select(s => (float)Math.Pow(2, (double)s / binsPerOctave)).ToArray());
        return EquivariantRatioLoss.Compute(za, zb, ones, ratio).MoveToOuterDisposeScope();
    }
}
