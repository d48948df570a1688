using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace EquiTempo.Bench;

/// <summary>profile-step VIEWS...: forward and backward time of each stage of the TCN at a given
/// micro-batch size (median of 7), so a change to one stage can be judged by its share of the step.</summary>
public static class StepProfile
{
    public static void Run(string[] args)
    {
        var sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : new[] { 4 };
        var c1 = nn.Conv2d(1, 16, (3, 3)); var c2 = nn.Conv2d(16, 16, (3, 3)); var c3 = nn.Conv2d(16, 16, (8, 1));
        var convs = Enumerable.Range(0, 10).Select(i => (nn.Conv1d(16, 16, 5, dilation: 1 << i, padding: 2 << i), nn.Conv1d(16, 16, 1), nn.Conv1d(16, 16, 1))).ToArray();
        Tensor Elu(Tensor x) => F.elu(x, 1.0, false);
        Tensor Mm(TorchSharp.Modules.Conv1d c, Tensor x) => matmul(c.weight!.squeeze(-1), x) + c.bias!.unsqueeze(-1);
        Tensor Dil(TorchSharp.Modules.Conv1d c, Tensor x)
        {
            long d = c.dilation[0], t = x.shape[2];
            var xp = F.pad(x, new long[] { 2 * d, 2 * d });
            var y = c.bias!.unsqueeze(-1).expand(16, t);
            for (int k = 0; k < 5; k++) y = y + matmul(c.weight![.., .., k], xp.narrow(2, k * d, t));
            return y;
        }
        var stages = new (string Name, Func<long, Tensor> Input, Func<Tensor, Tensor> Fn)[]
        {
            ("conv1 (78 bands) -> pool -> ELU", v => randn(v, 1, 80, 1361), x => Elu(F.max_pool2d(c1.forward(x), new long[] { 3, 1 }))),
            ("conv1 -> pool -> ELU, fused kernel", v => randn(v, 1, 81, 1361), x => EquiTempo.Model.Kernels.FirstConvStage.Apply(x, c1.weight!, c1.bias!)),
            ("conv2 -> pool -> ELU", v => randn(v, 16, 26, 1359), x => Elu(F.max_pool2d(c2.forward(x), new long[] { 3, 1 }))),
            ("conv2 -> pool -> ELU, fused kernel", v => randn(v, 16, 26, 1359), x => EquiTempo.Model.Kernels.PooledConvStage.Apply(x, c2.weight!, c2.bias!)),
            ("conv3 -> ELU", v => randn(v, 16, 8, 1357), x => Elu(c3.forward(x)).squeeze(2)),
            ("10 residual blocks", v => randn(v, 16, 1357), x => { foreach (var (a, b, r) in convs) x = r.forward(x) + b.forward(Elu(a.forward(x))); return x; }),
            ("10 residual blocks, fused kernel", v => randn(v, 16, 1357), x => { foreach (var (a, b, r) in convs) x = EquiTempo.Model.Kernels.ResidualBlockKernel.Apply(x, a.weight!, a.bias!, b.weight!, b.bias!, r.weight!, r.bias!, (int)a.dilation[0], null); return x; }),
            ("10 residual blocks, 1x1 as matmul", v => randn(v, 16, 1357), x => { foreach (var (a, b, r) in convs) x = Mm(r, x) + Mm(b, Elu(a.forward(x))); return x; }),
            ("10 residual blocks, only the k=5 convs", v => randn(v, 16, 1357), x => { foreach (var (a, b, r) in convs) x = Elu(a.forward(x)); return x; }),
            ("10 residual blocks, k=5 as 5 shifted matmuls", v => randn(v, 16, 1357), x => { foreach (var (a, b, r) in convs) x = Elu(Dil(a, x)); return x; }),
        };
        foreach (int v in sizes)
        {
            double totF = 0, totB = 0;
            int threads = get_num_threads();
            foreach (var (name, input, fn) in stages)
            {
                // The fused kernels are timed as training runs them: LibTorch on one thread (no OpenMP team
                // spinning beside them), the kernels on all threads.
                bool fused = name.Contains("fused");
                if (fused) set_num_threads(1);
                using var kernelThreads = EquiTempo.Model.Kernels.KernelThreads.Use(threads);
                var tf = new List<double>(); var tb = new List<double>(); var cf = new List<double>(); var cb = new List<double>();
                var proc = System.Diagnostics.Process.GetCurrentProcess();
                for (int r = 0; r < 7; r++)
                {
                    using var scope = NewDisposeScope();
                    var x = input(v).requires_grad_(true);
                    proc.Refresh(); var cpu0 = proc.TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    var y = fn(x);
                    tf.Add(sw.Elapsed.TotalMilliseconds);
                    proc.Refresh(); var cpu1 = proc.TotalProcessorTime;
                    var g = ones_like(y);
                    proc.Refresh(); var cpu2 = proc.TotalProcessorTime;
                    sw.Restart();
                    y.backward(new[] { g });
                    tb.Add(sw.Elapsed.TotalMilliseconds);
                    proc.Refresh(); var cpu3 = proc.TotalProcessorTime;
                    cf.Add((cpu1 - cpu0).TotalMilliseconds); cb.Add((cpu3 - cpu2).TotalMilliseconds);
                }
                tf.Sort(); tb.Sort(); cf.Sort(); cb.Sort();
                if (fused) set_num_threads(threads);
                if (fused || name.StartsWith("conv3")) { totF += tf[3] / v; totB += tb[3] / v; }
                Console.WriteLine($"views={v,3} threads={threads} {name,-34} forward {tf[3] / v,7:F2} ms/view  backward {tb[3] / v,7:F2} ms/view  (CPU time {cf[3] / v,6:F2} + {cb[3] / v,6:F2} ms/view)");
            }
            Console.WriteLine($"views={v,3} threads={get_num_threads()} total (fused stages) forward {totF:F2} + backward {totB:F2} = {totF + totB:F2} ms/view -> {1000 / (totF + totB):F1} views/s");
        }
    }
}
