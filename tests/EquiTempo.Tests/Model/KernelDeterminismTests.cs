using System.Buffers;
using EquiTempo.Model;
using EquiTempo.Model.Kernels;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Model;

/// <summary>
/// The hand-written kernels give the same bits whatever the thread pool does: the same output and gradients
/// on one worker or two, and with the shared array pool full of NaN beforehand (a kernel reading memory it never
/// wrote would show it). A resumed training run can only equal the uninterrupted one if this holds.
/// </summary>
[Collection(LibTorchRngCollection.Name)]
public class KernelDeterminismTests
{
    private static void DirtyTheArrayPool()
    {
        // On several threads: the shared pool keeps per-core stacks and per-thread caches.
        Parallel.For(0, 8, _ =>
        {
            var held = new List<float[]>();
            for (int size = 16; size <= 1 << 23; size *= 2)
                for (int k = 0; k < 3; k++) { var a = ArrayPool<float>.Shared.Rent(size); a.AsSpan().Fill(float.NaN); held.Add(a); }
            foreach (var a in held) ArrayPool<float>.Shared.Return(a);
        });
    }

    /// <summary>z, the input gradient and every parameter gradient of one forward and backward in training mode.</summary>
    private static List<float[]> ForwardBackward(TempoTcn net, Tensor x, int workers)
    {
        using var _ = KernelThreads.Use(workers);
        net.zero_grad();
        manual_seed(5);   // the same dropout masks
        using var xg = x.detach().clone().requires_grad_(true);
        using var emb = net.Embed(xg);
        using var z = net.ScalarFromEmbedding(emb);
        z.sum().backward();
        var r = new List<float[]> { z.detach().data<float>().ToArray(), xg.grad!.data<float>().ToArray() };
        r.AddRange(net.parameters().Where(p => p.grad is not null).Select(p => p.grad!.data<float>().ToArray()));
        return r;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void ForwardAndBackward_SameBitsOnOneWorkerOrTwo_AndAfterThePoolIsDirtied(int views)
    {
        manual_seed(1);
        using var net = new TempoTcn();
        net.train();
        using var x = randn(views, 1, 81, 400);
        var one = ForwardBackward(net, x, 1);
        Assert.True(one.Count > 10, "the gradients of the network's parameters");
        for (int rep = 0; rep < 3; rep++)
        {
            DirtyTheArrayPool();
            var two = ForwardBackward(net, x, 2);
            for (int i = 0; i < one.Count; i++) Assert.True(one[i].SequenceEqual(two[i]), $"repeat {rep}: tensor {i} differs between one worker and two");
        }
    }
}
