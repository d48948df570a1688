using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

[Collection(LibTorchRngCollection.Name)]
public class LogTempoNetworkTests
{
    /// <summary>A tempogram that is zero except for random values in bins [from, from + 20).</summary>
    private static Tensor Bump(int from, int seed)
    {
        var rng = new Random(seed);
        var x = new float[4 * 96];
        for (int b = 0; b < 4; b++) for (int k = from; k < from + 20; k++) x[b * 96 + k] = (float)rng.NextDouble();
        return tensor(x, new long[] { 1, 4, 96 });
    }

    /// <summary>Without biases a zero input stays zero through every layer, so the zero padding at the edges adds
    /// nothing and shifting the input by s shifts the logits by s exactly, wherever both lie inside.</summary>
    [Theory]
    [InlineData(7)]
    [InlineData(-11)]
    public void ShiftedInput_GivesShiftedLogits(int shift)
    {
        manual_seed(3);
        using var net = new LogTempoNetwork();
        using (no_grad())
        {
            foreach (var (name, p) in net.named_parameters())
                if (name.EndsWith("bias")) p.zero_();
                else if (name.StartsWith("toeplitz")) p.copy_(randn_like(p));   // a random Toeplitz kernel, not the identity it starts as
        }
        net.eval();
        using var a = Bump(40, 1);
        using var b = Bump(40 + shift, 1);
        var la = net.forward(a).data<float>().ToArray();
        var lb = net.forward(b).data<float>().ToArray();
        double maxAbs = la.Max(Math.Abs);
        Assert.True(maxAbs > 1e-3, "the network must not be zero");
        for (int k = 0; k < 96; k++)
            if (k - shift is >= 0 and < 96) Assert.True(Math.Abs(lb[k] - la[k - shift]) < 1e-4 * Math.Max(1, maxAbs), $"bin {k}: {lb[k]} vs {la[k - shift]}");
    }

    [Fact]
    public void DefaultNetwork_IsSmall_AndMapsBinsToBins()
    {
        using var net = new LogTempoNetwork();
        Assert.InRange(net.ParameterCount, 1000, 10_000);   // a few kB: the tempogram carries the tempo
        using var x = randn(2, 4, 72);
        using var y = net.forward(x);
        Assert.Equal(new long[] { 2, 72 }, y.shape);
    }
}
