using System.Diagnostics;
using BenchmarkDotNet.Running;
using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "quick-train")
{
    // Stopwatch harness for fast iteration; the BenchmarkDotNet classes give the reported figures.
    int pairs = args.Length > 1 ? int.Parse(args[1]) : 16;
    foreach (var mbArg in args.Skip(2).DefaultIfEmpty("0"))
    {
        int mb = int.Parse(mbArg);
        manual_seed(0);
        var model = new TempoTcn { ReferenceOrder = mb < 0 }; model.train();
        var opt = optim.Adam(model.BackboneParameters(), 1e-3);
        var xi = randn(pairs, 1, 81, 1361); var xj = randn(pairs, 1, 81, 1361);
        var ai = rand(pairs) * 0.4 + 0.8; var aj = rand(pairs) * 0.4 + 0.8;
        var times = new List<double>();
        for (int it = 0; it < 4; it++)
        {
            var sw = Stopwatch.StartNew();
            opt.zero_grad();
            if (mb <= 0)
            {
                using var sc = NewDisposeScope();
                var loss = EquivariantRatioLoss.Compute(model.forward(xi), model.forward(xj), ai, aj);
                loss.backward();
            }
            else new EquivariantStep(model, mb).ForwardBackward(xi, xj, ai, aj);
            opt.step();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        double med = times[times.Count / 2];
        Console.WriteLine($"pairs={pairs} microbatch={(mb < 0 ? "full, reference order" : mb == 0 ? "full" : mb.ToString())}: median step {med:F2} s, {2 * pairs / med:F1} views/s (threads {get_num_threads()})");
    }
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
