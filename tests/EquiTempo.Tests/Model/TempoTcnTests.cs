using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Model;

[Collection(LibTorchRngCollection.Name)]
public class TempoTcnTests
{
    [Fact]
    public void ParameterCount_MatchesThePaperArchitecture()
    {
        using var net = new TempoTcn();
        // BN(1): 2; conv1 1→16 3×3: 160; conv2 16→16 3×3: 2,320; conv3 16→16 8×1: 2,064;
        // 10 blocks × (dilated 16·16·5+16 + 1×1 272 + residual 1×1 272 = 1,840); dense 272; scalar 17.
        long backbone = 2 + 160 + 2320 + 2064 + 10 * 1840 + 272 + 17;
        Assert.Equal(23_235, backbone);
        Assert.Equal(backbone, net.ParameterCount(includeClassHead: false));
        Assert.Equal(backbone + 16 * 300 + 300, net.ParameterCount());   // ≈ 28k with the 300-class head
    }

    [Fact]
    public void Stages_HaveThePaperShapes()
    {
        manual_seed(1);
        using var net = new TempoTcn();
        net.eval();
        using var x = randn(2, 1, 81, 1361);
        using var xn = net.Normalize(x);
        using var feats = net.Features(xn);
        Assert.Equal(new long[] { 2, 16, 1357 }, feats.shape);        // bands 81→79→26→24→8→1, time 1361→1357
        using var emb = net.EmbedNormalized(xn);
        Assert.Equal(new long[] { 2, 16 }, emb.shape);
        using var z = net.ScalarFromEmbedding(emb);
        Assert.Equal(new long[] { 2 }, z.shape);
        using var logits = net.ClassLogitsFromEmbedding(emb);
        Assert.Equal(new long[] { 2, 300 }, logits.shape);
        Assert.Equal(8, TempoTcn.FoldedBands(81));
    }

    [Fact]
    public void FastStageOrder_IsTheSameFunctionAndGradient()
    {
        manual_seed(2);
        using var net = new TempoTcn(new TcnConfig(Dropout: 0));
        net.train();
        using var x = randn(3, 1, 81, 300);
        Tensor Run(bool reference)
        {
            net.ReferenceOrder = reference;
            net.zero_grad();
            using var z = net.forward(x);
            using var loss = (z * z).sum();
            loss.backward();
            return cat(net.BackboneParameters().Select(p => p.grad!.flatten()).Append(z.detach()).ToArray());
        }
        using var fast = Run(false);
        using var reference = Run(true);
        Assert.True(allclose(fast, reference, rtol: 1e-4, atol: 1e-5), "reordered ELU/pool must not change outputs or gradients");
    }

    [Fact]
    public void MicroBatchedStep_GivesTheFullBatchGradient()
    {
        manual_seed(3);
        using var net = new TempoTcn(new TcnConfig(Dropout: 0));
        net.train();
        // Keep z away from zero: ratios of near-zero outputs would amplify float rounding of any summation order.
        using (no_grad()) net.named_parameters().Single(p => p.name == "output_reg.bias").parameter.fill_(3.0);
        using var xi = randn(4, 1, 81, 200) * 3 + 1;
        using var xj = randn(4, 1, 81, 200) * 3 + 1;
        using var ai = tensor(new float[] { 0.8f, 0.9f, 1.1f, 1.2f });
        using var aj = tensor(new float[] { 1.2f, 1.0f, 0.85f, 0.95f });

        net.zero_grad();
        using (var loss = EquivariantRatioLoss.Compute(net.forward(xi), net.forward(xj), ai, aj)) loss.backward();
        var full = net.BackboneParameters().Select(p => p.grad!.clone()).ToList();

        net.zero_grad();
        new EquivariantStep(net, microBatchPairs: 1).ForwardBackward(xi, xj, ai, aj);
        var micro = net.BackboneParameters().Select(p => p.grad!.clone()).ToList();

        // Float32 sums in another order: compare each gradient against the network's largest gradient.
        double scale = full.Max(g => g.abs().max().item<float>());
        for (int k = 0; k < full.Count; k++)
        {
            double diff = (full[k] - micro[k]).abs().max().item<float>();
            Assert.True(diff <= 1e-3 * scale + 1e-7, $"parameter {k}: max |Δgrad| {diff:G3} vs largest |grad| {scale:G3}");
        }
    }
}
