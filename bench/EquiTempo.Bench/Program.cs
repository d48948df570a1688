using System.Diagnostics;
using BenchmarkDotNet.Running;
using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;
using EquiTempo.Training.Synthesis;
using EquiTempo.Training.Stretching;

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
if (args.Length > 0 && args[0] == "overfit")
{
    // Can the network fit a fixed batch of stretched drum-pattern pairs? A check of the gradient path.
    double lr = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1e-3;
    manual_seed(0);
    var rng = new Random(0);
    var fe = new EquiTempo.Features.LogMelFrontEnd();
    var st = new EquiTempo.Training.Stretching.TimeStretcher();
    int pairs = 8, n = 132_300;
    var vi = new List<float[]>(); var vj = new List<float[]>(); var ai = new float[pairs]; var aj = new float[pairs];
    for (int k = 0; k < pairs; k++)
    {
        var src = EquiTempo.Training.Synthesis.DrumPatternRenderer.Render(70 + 100 * rng.NextDouble(), k, new EquiTempo.Training.Synthesis.DrumRenderConfig(Seconds: 4));
        ai[k] = (float)(0.8 + 0.4 * rng.NextDouble()); aj[k] = (float)(0.8 + 0.4 * rng.NextDouble());
        vi.Add(st.Stretch(src, ai[k], 44100, n)); vj.Add(st.Stretch(src, aj[k], 44100, n));
    }
    var xi = fe.Forward(tensor(vi.SelectMany(v => v).ToArray(), new long[] { pairs, n }));
    var xj = fe.Forward(tensor(vj.SelectMany(v => v).ToArray(), new long[] { pairs, n }));
    double dropout = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0.1;
    var init = args.Length > 3 && args[3] == "pytorch" ? TcnInit.PyTorchDefault : TcnInit.SignalPreserving;
    var model = new TempoTcn(new TcnConfig(Dropout: dropout, Init: init)); model.train();
    var opt = optim.Adam(model.BackboneParameters(), lr);
    var step = new EquivariantStep(model, 2);
    for (int it = 0; it <= 200; it++)
    {
        opt.zero_grad();
        double loss = step.ForwardBackward(xi, xj, tensor(ai), tensor(aj));
        opt.step();
        if (it % 20 == 0)
        {
            using var _ = no_grad();
            model.eval();
            var zi = model.forward(xi).data<float>().ToArray(); var zj = model.forward(xj).data<float>().ToArray();
            model.train();
            Console.WriteLine($"step {it}: loss {loss:F4}  z_i {string.Join(" ", zi.Take(4).Select(v => v.ToString("F3")))}  ratio err {string.Join(" ", Enumerable.Range(0, 4).Select(k => (zi[k] / zj[k] / (ai[k] / aj[k]) - 1).ToString("F3")))}");
        }
    }
    return;
}
if (args.Length > 3 && args[0] == "embedding-probe")
{
    EquiTempo.Bench.EmbeddingProbe.Run(args[1], args[2], args[3]);
    return;
}
if (args.Length > 0 && args[0] == "estimate-speed")
{
    EquiTempo.Bench.EstimateSpeed.Run(args[1..]);
    return;
}
if (args.Length > 1 && args[0] == "devset-accuracy")
{
    // devset-accuracy INDEX [METHOD]: Acc1, Acc2 and speed of one method, file by file from the path.
    DevSetAccuracy.Measure(args[1], args.Length > 2 ? args[2] : "dsp");
    return;
}
if (args.Length > 1 && args[0] == "dsp-settings")
{
    // dsp-settings INDEX: Acc1 and Acc2 of the DSP baseline under alternative settings, for tuning.
    DevSetAccuracy.CompareDspSettings(args[1]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
