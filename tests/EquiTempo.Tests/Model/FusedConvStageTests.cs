using EquiTempo.Model;
using EquiTempo.Model.Kernels;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EquiTempo.Tests.Model;

/// <summary>The hand-written conv → pool → ELU stages against LibTorch's own ops, values and all three gradients.</summary>
[Collection(LibTorchRngCollection.Name)]
public class FusedConvStageTests
{
    private static Tensor Reference(Tensor x, Tensor w, Tensor b)
    {
        long keep = (x.shape[2] - 2) / 3 * 3;
        return F.elu(F.max_pool2d(F.conv2d(x.narrow(2, 0, keep + 2), w, b), new long[] { 3, 1 }), 1.0, false);
    }

    private static (Tensor Y, Tensor Dx, Tensor Dw, Tensor Db) Run(Func<Tensor, Tensor, Tensor, Tensor> stage, Tensor x, Tensor w, Tensor b, Tensor upstream)
    {
        var xg = x.detach().clone().requires_grad_(true);
        var wg = w.detach().clone().requires_grad_(true);
        var bg = b.detach().clone().requires_grad_(true);
        var y = stage(xg, wg, bg);
        y.backward(new[] { upstream });
        return (y.detach(), xg.grad!.clone(), wg.grad!.clone(), bg.grad!.clone());
    }

    /// <summary>Within float rounding: the tolerance is relative to the largest expected value.</summary>
    internal static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = Math.Max(1e-6, expected.abs().max().item<float>());
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= 2e-5 * scale, $"{what}: max |diff| {diff:G3} against max |value| {scale:G3}");
    }

    /// <summary>Every vector width the machine accelerates (the kernels are compiled once per width).</summary>
    internal static IEnumerable<SimdWidth> Widths() =>
        new[] { SimdWidth.W128, SimdWidth.W256, SimdWidth.W512 }.Where(w => w <= SimdDispatch.Best);

    private static Func<Tensor, Tensor, Tensor, Tensor> Stage(int inChannels, SimdWidth width) =>
        inChannels == 1 ? (x, w, b) => FirstConvStage.Apply(x, w, b, width) : (x, w, b) => PooledConvStage.Apply(x, w, b, width);

    [Theory]
    [InlineData(1, 3, 81, 300)]     // first stage: the model's 81 bands (band 80 is dropped by the pool's floor mode)
    [InlineData(1, 2, 81, 1361)]    // first stage on a full 13.6 s view
    [InlineData(1, 1, 23, 13)]      // a tail shorter than one vector, bands not a multiple of 3
    [InlineData(16, 3, 26, 1359)]   // second stage on a full view
    [InlineData(16, 2, 26, 300)]
    [InlineData(16, 1, 11, 13)]
    public void Stage_MatchesLibTorch_ValuesAndGradients(int inChannels, int views, int bands, int frames)
    {
        manual_seed(11);
        using var x = randn(views, inChannels, bands, frames) * (inChannels == 1 ? 2 : 1);
        using var w = randn(16, inChannels, 3, 3) * (inChannels == 1 ? 0.5 : 0.2);
        using var b = randn(16) * 0.3;
        Assert.True(inChannels == 1 ? FirstConvStage.Supports(x, w, b) : PooledConvStage.Supports(x, w, b));
        using var upstream = randn(views, 16, (bands - 2) / 3, frames - 2);
        var expected = Run(Reference, x, w, b, upstream);
        // ELU is both above and below zero here, and the arg-max is spread over the three bands.
        Assert.True(expected.Y.lt(0).any().item<bool>() && expected.Y.gt(0).any().item<bool>());
        foreach (var width in Widths())
        {
            var actual = Run(Stage(inChannels, width), x, w, b, upstream);
            AssertClose(expected.Y, actual.Y, $"{width}: output");
            AssertClose(expected.Dx, actual.Dx, $"{width}: input gradient");
            AssertClose(expected.Dw, actual.Dw, $"{width}: weight gradient");
            AssertClose(expected.Db, actual.Db, $"{width}: bias gradient");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Ties_GoToTheFirstBand_AsLibTorchsPool(int inChannels)
    {
        // A constant input makes the three conv rows of every window equal: the whole gradient must reach
        // the first, so the input gradient is zero on the last two rows of every window.
        using var x = ones(1, inChannels, 11, 40);
        using var w = randn(16, inChannels, 3, 3);
        using var b = zeros(16);
        using var upstream = ones(1, 16, 3, 38);
        var expected = Run(Reference, x, w, b, upstream);
        foreach (var width in Widths())
        {
            var actual = Run(Stage(inChannels, width), x, w, b, upstream);
            AssertClose(expected.Dx, actual.Dx, $"{width}: input gradient");
            AssertClose(expected.Dw, actual.Dw, $"{width}: weight gradient");
        }
    }

    [Fact]
    public void Network_FusedAndLibTorchStages_GiveTheSameOutputsAndGradients()
    {
        manual_seed(5);
        using var net = new TempoTcn(new TcnConfig(Dropout: 0));
        net.train();
        using var x = randn(4, 1, 81, 400);
        Tensor Run(bool fused)
        {
            net.FusedStages = fused;
            net.zero_grad();
            using var z = net.forward(x);
            using var loss = (z * z).sum();
            loss.backward();
            return cat(net.BackboneParameters().Select(p => p.grad!.flatten()).Append(z.detach()).ToArray());
        }
        using var fused = Run(true);
        using var unfused = Run(false);
        Assert.True(allclose(fused, unfused, rtol: 1e-4, atol: 1e-5), "the fused first stage must not change outputs or gradients");
    }

    [Fact]
    public void Network_WithoutGradients_RunsTheKernelsDirectly_AndGivesTheSameOutput()
    {
        // Inference (no_grad) skips the autograd functions; the output must be the one training computes.
        manual_seed(6);
        using var net = new TempoTcn(new TcnConfig(Dropout: 0));
        net.eval();
        using var x = randn(2, 1, 81, 700);
        using var xg = x.clone().requires_grad_(true);
        using var withGrad = net.forward(xg);
        Tensor without;
        using (no_grad()) without = net.forward(x);
        using (without)
        {
            Assert.True(withGrad.requires_grad, "the reference pass must have gone through the autograd functions");
            Assert.False(without.requires_grad);
            Assert.True(allclose(withGrad.detach(), without, rtol: 1e-5, atol: 1e-6));
        }
    }
}
