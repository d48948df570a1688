using EquiTempo.Model.Kernels;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EquiTempo.Tests.Model;

/// <summary>The hand-written residual block against LibTorch's ops with the same dropout mask: the output and
/// the gradients of the input, the three weights and the three biases.</summary>
[Collection(LibTorchRngCollection.Name)]
public class ResidualBlockKernelTests
{
    private sealed record Weights(Tensor W, Tensor B, Tensor W2, Tensor B2, Tensor Wr, Tensor Br);

    private static Tensor Reference(Tensor x, Weights p, int d, Tensor? mask)
    {
        var a = F.elu(F.conv1d(x, p.W, p.B, dilation: d, padding: 2 * d), 1.0, false);
        if (mask is not null) a = a * mask.unsqueeze(-1);
        return F.conv1d(x, p.Wr, p.Br) + F.conv1d(a, p.W2, p.B2);
    }

    private static Tensor[] Run(Func<Tensor, Weights, Tensor> block, Tensor x, Weights p, Tensor upstream)
    {
        var leaves = new[] { x, p.W, p.B, p.W2, p.B2, p.Wr, p.Br }.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        var y = block(leaves[0], new Weights(leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6]));
        y.backward(new[] { upstream });
        return leaves.Select(l => l.grad!.clone()).Prepend(y.detach()).ToArray();
    }

    private static readonly string[] Names = { "output", "input gradient", "conv weight gradient", "conv bias gradient",
        "1x1 weight gradient", "1x1 bias gradient", "residual weight gradient", "residual bias gradient" };

    [Theory]
    [InlineData(1, 1357, false)]
    [InlineData(2, 1357, true)]
    [InlineData(512, 1357, false)]
    [InlineData(512, 1357, true)]
    [InlineData(1, 13, true)]
    [InlineData(2, 13, false)]
    [InlineData(512, 13, true)]     // the dilation far beyond the frames: only the centre tap sees the input
    [InlineData(4, 1, true)]        // a single frame
    public void Block_MatchesLibTorch_ValuesAndGradients(int dilation, int frames, bool masked)
    {
        manual_seed(17);
        const int views = 3;
        using var x = randn(views, 16, frames);
        var p = new Weights(randn(16, 16, 5) * 0.2, randn(16) * 0.3, randn(16, 16, 1) * 0.3, randn(16) * 0.3, randn(16, 16, 1) * 0.3, randn(16) * 0.3);
        // Channel scales of a dropout with p = 0.25: 0 or 4/3, with both present.
        using var mask = masked ? (rand(views, 16) > 0.25).to(ScalarType.Float32) / 0.75 : null;
        if (mask is not null) Assert.True(mask.eq(0).any().item<bool>() && mask.gt(0).any().item<bool>());
        Assert.True(ResidualBlockKernel.Supports(x, p.W, p.B, p.W2, p.B2, p.Wr, p.Br, dilation));
        using var upstream = randn(views, 16, frames);
        var expected = Run((xi, w) => Reference(xi, w, dilation, mask), x, p, upstream);
        foreach (var width in FusedConvStageTests.Widths())
        {
            var actual = Run((xi, w) => ResidualBlockKernel.Apply(xi, w.W, w.B, w.W2, w.B2, w.Wr, w.Br, dilation, mask, width), x, p, upstream);
            for (int i = 0; i < Names.Length; i++) FusedConvStageTests.AssertClose(expected[i], actual[i], $"{width}: {Names[i]}");
        }
    }

    [Fact]
    public void Block_InTraining_DropsWholeChannelsWithLibTorchsRng()
    {
        // Seeded alike, the fused block must draw a mask of the same kind as Dropout1d: whole channels of a
        // view zero, the rest scaled by 1/(1 − p); with a zero 1×1 residual conv, the output is then exactly
        // the 1×1 conv of the masked activation, so a dropped channel with w1x1 = identity reads as zero.
        manual_seed(3);
        using var block = new EquiTempo.Model.ResidualBlock("b", 16, 16, 5, 4, 0.5);
        block.train();
        using (no_grad())
        {
            foreach (var (name, param) in block.named_parameters())
            {
                if (name == "conv1x1.weight") { param.zero_(); for (int i = 0; i < 16; i++) param[i, i, 0] = 1f; }
                else if (name != "conv.weight") param.zero_();
            }
        }
        using var x = randn(8, 16, 50);
        using var y = block.forward(x);
        using var channelMax = y.abs().amax(new long[] { 2 });
        var dropped = channelMax.eq(0);
        long nDropped = dropped.sum().item<long>();
        Assert.InRange(nDropped, 32, 96);          // about half of 128 channels
        block.eval();
        using var yEval = block.forward(x);
        using var kept = (y / yEval).masked_select(channelMax.gt(0).unsqueeze(-1).expand_as(y) & yEval.abs().gt(1e-3));
        Assert.True(kept.sub(2).abs().max().item<float>() < 1e-4, "kept channels must be scaled by 1/(1 − p)");
    }
}
