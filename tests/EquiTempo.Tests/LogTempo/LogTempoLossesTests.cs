using EquiTempo.Training.LogTempo;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

public class LogTempoLossesTests
{
    private const int Bins = 72;

    /// <summary>Log of a Gaussian distribution over the bins centred at <paramref name="centre"/> (used as logits).</summary>
    private static Tensor LogBump(double centre, double width = 2)
    {
        var p = Enumerable.Range(0, Bins).Select(k => Math.Exp(-0.5 * Math.Pow((k - centre) / width, 2)) + 1e-9).ToArray();
        double s = p.Sum();
        return tensor(p.Select(v => (float)Math.Log(v / s)).ToArray(), new long[] { 1, Bins });
    }

    private static double Value(Tensor t) { using (t) return t.item<float>(); }

    [Fact]
    public void ShiftedCrossEntropy_IsLowestWhenBIsAShiftedByDelta()
    {
        using var a = LogBump(30);
        var losses = Enumerable.Range(0, 11).Select(s => { using var b = LogBump(30 + s); return Value(LogTempoLosses.ShiftedCrossEntropy(a, b, new long[] { 5 })); }).ToArray();
        Assert.Equal(5, Array.IndexOf(losses, losses.Min()));
        // At the minimum it equals the entropy of the bump (0.5·ln(2πe σ²) for σ = 2 bins), not zero.
        Assert.InRange(losses[5], 2.11 - 0.02, 2.11 + 0.02);
    }

    [Fact]
    public void ShiftedCrossEntropy_OfAFlatDistribution_IsLogBins()
    {
        using var flat = zeros(1, Bins);
        Assert.InRange(Value(LogTempoLosses.ShiftedCrossEntropy(flat, flat, new long[] { 3 })), Math.Log(Bins) - 1e-3, Math.Log(Bins) + 1e-3);
    }

    [Fact]
    public void Shift_MovesMassAndRenormalisesWhatStaysInside()
    {
        using var p = tensor(new float[] { 0.5f, 0.25f, 0.25f, 0f }, new long[] { 1, 4 });
        using var right = LogTempoLosses.Shift(p, new long[] { 1 });
        Assert.Equal(new float[] { 0, 0.5f, 0.25f, 0.25f }, right.data<float>().ToArray());
        using var left = LogTempoLosses.Shift(p, new long[] { -1 });
        Assert.Equal(new float[] { 0.5f, 0.5f, 0, 0 }, left.data<float>().ToArray());   // 0.5 fell out; the rest renormalised
    }

    [Fact]
    public void Invariance_IsLowestForEqualDistributions()
    {
        using var a = LogBump(30);
        using var same = LogBump(30);
        using var moved = LogBump(33);
        Assert.True(Value(LogTempoLosses.Invariance(a, same)) < Value(LogTempoLosses.Invariance(a, moved)));
    }

    [Fact]
    public void ExpectedRatio_IsNearZeroForTheRightShift_AndGrowsAwayFromIt()
    {
        using var a = LogBump(30);
        using var b = LogBump(36);
        double right = Value(LogTempoLosses.ExpectedRatio(a, b, new long[] { 6 }, 24));
        double wrong = Value(LogTempoLosses.ExpectedRatio(a, b, new long[] { 0 }, 24));
        Assert.True(right < 1e-3, $"{right}");
        // 6 bins at 24 an octave is a ratio 2^(1/4) = 1.189: ½(|1.189 − 1| + |1/1.189 − 1|) = 0.174.
        Assert.InRange(wrong, 0.17, 0.18);
    }
}
