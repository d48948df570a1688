using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Training;

/// <summary>
/// The paper's symmetric L1 ratio loss: ½ [ mean|z_i/z_j − α_i/α_j| + mean|z_j/z_i − α_j/α_i| ].
/// A constant output has loss ½ mean(|1 − r| + |1 − 1/r|) > 0 for r = α_i/α_j ≠ 1, and an output
/// proportional to α has zero loss, so collapse is penalised without negatives.
/// </summary>
public static class EquivariantRatioLoss
{
    /// <param name="sumInsteadOfMean">Sum over pairs (for micro-batches whose sums are divided by the full batch size).</param>
    public static Tensor Compute(Tensor zi, Tensor zj, Tensor alphaI, Tensor alphaJ, bool sumInsteadOfMean = false)
    {
        using var scope = NewDisposeScope();
        // `+` and 0.5 as held Scalars (each would otherwise be a Scalar nothing keeps alive: see HeldScalars);
        // tensor − tensor takes no Scalar in TorchSharp.
        var a = (zi / zj - alphaI / alphaJ).abs();
        var b = (zj / zi - alphaJ / alphaI).abs();
        var per = a.add(b, HeldScalars.One).mul(HeldScalars.Of(0.5));
        return (sumInsteadOfMean ? per.sum() : per.mean()).MoveToOuterDisposeScope();
    }

    /// <summary>Plain-array form for analysis and tests.</summary>
    public static double Compute(ReadOnlySpan<float> zi, ReadOnlySpan<float> zj, ReadOnlySpan<float> alphaI, ReadOnlySpan<float> alphaJ)
    {
        double s = 0;
        for (int k = 0; k < zi.Length; k++)
            s += 0.5 * (Math.Abs(zi[k] / zj[k] - alphaI[k] / alphaJ[k]) + Math.Abs(zj[k] / zi[k] - alphaJ[k] / alphaI[k]));
        return s / zi.Length;
    }
}
