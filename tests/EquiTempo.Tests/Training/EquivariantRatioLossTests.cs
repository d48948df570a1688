using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Training;

public class EquivariantRatioLossTests
{
    private static readonly float[] Ai = { 0.8f, 1.2f, 1.0f, 0.9f };
    private static readonly float[] Aj = { 1.2f, 0.8f, 1.1f, 0.9f };

    [Fact]
    public void OutputProportionalToRate_HasZeroLoss()
    {
        var zi = Ai.Select(a => 37.5f * a).ToArray();
        var zj = Aj.Select(a => 37.5f * a).ToArray();
        Assert.Equal(0, EquivariantRatioLoss.Compute(zi, zj, Ai, Aj), 6);
        using var t = EquivariantRatioLoss.Compute(tensor(zi), tensor(zj), tensor(Ai), tensor(Aj));
        Assert.Equal(0, t.item<float>(), 5);
    }

    [Fact]
    public void ConstantOutput_HasLargeLoss()
    {
        var c = new float[] { 5, 5, 5, 5 };
        // ½(|1 − r| + |1 − 1/r|) per pair, r = α_i/α_j: 1.5 → 0.4167, 0.667 → 0.4167, 0.909 → 0.0955, 1 → 0.
        double expected = (0.41667 + 0.41667 + 0.5 * (1 - 1 / 1.1 + 1.1 - 1) + 0) / 4;
        double loss = EquivariantRatioLoss.Compute(c, c, Ai, Aj);
        Assert.Equal(expected, loss, 3);
        Assert.True(loss > 0.2);
    }

    [Fact]
    public void Loss_IsSymmetricInTheTwoViews()
    {
        var zi = new float[] { 1, 2, 3, 4 };
        var zj = new float[] { 2, 1, 5, 3 };
        Assert.Equal(EquivariantRatioLoss.Compute(zi, zj, Ai, Aj), EquivariantRatioLoss.Compute(zj, zi, Aj, Ai), 6);
        using var a = EquivariantRatioLoss.Compute(tensor(zi), tensor(zj), tensor(Ai), tensor(Aj));
        Assert.Equal(EquivariantRatioLoss.Compute(zi, zj, Ai, Aj), a.item<float>(), 4);
    }
}
