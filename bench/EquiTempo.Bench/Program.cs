using System.Diagnostics;
using BenchmarkDotNet.Running;
using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;
using EquiTempo.Training.Synthesis;
using EquiTempo.Training.Stretching;

if (args.Length > 0 && args[0] == "fusion-sweep") { EquiTempo.Bench.FusionSweep.Run(args.Skip(1).ToArray()); return; }
if (args.Length > 0 && args[0] == "octave-errors") { EquiTempo.Bench.OctaveErrors.Run(args.Skip(1).ToArray()); return; }
if (args.Length > 0 && args[0] == "profile-step") { EquiTempo.Bench.StepProfile.Run(args.Skip(1).ToArray()); return; }
if (args.Length > 0 && args[0] == "front-stages")
{
    // front-stages [VIEWS]: the front end's parts on one 13.6 s view at a time (median of 5 rounds), so the
    // largest can be found: framing + FFT (stft), magnitude, mel, log.
    int count = args.Length > 1 ? int.Parse(args[1]) : 16;
    var input = new EquiTempo.Features.ModelInput();
    var fe = new EquiTempo.Features.LogMelFrontEnd(input);
    var rng = new Random(1);
    var wave = randn(count, input.ChunkSamples) * 0.1;
    using var window = hann_window(2048, periodic: true);
    double Time(Action<Tensor> a)
    {
        var t = new List<double>();
        for (int round = 0; round < 6; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int k = 0; k < count; k++) { using var sc = NewDisposeScope(); a(wave.narrow(0, k, 1)); }
            t.Add(sw.Elapsed.TotalMilliseconds / count);
        }
        t.Sort(); return t[3];
    }
    Tensor Stft(Tensor w) => stft(w, 2048, hop_length: 441, win_length: 2048, window: window, center: true, pad_mode: TorchSharp.PaddingModes.Reflect, onesided: true, return_complex: true);
    double tStft = Time(w => Stft(w));
    double tMag = Time(w => { var sp = Stft(w); (sp.real.square() + sp.imag.square()).sqrt_().contiguous(); });
    double tAll = Time(w => fe.Forward(w));
    using var frames = randn(1361, 2048);
    double tFft = Time(_ => fft.rfft(frames, dim: 1));
    using var frames64 = randn(64, 2048);
    double tFft64 = Time(_ => { for (int b = 0; b < 1361; b += 64) fft.rfft(frames64, dim: 1); });
    Console.WriteLine($"rfft alone of 1361 frames: {tFft:F2} ms/view; in blocks of 64 frames: {tFft64:F2} ms/view");
    Console.WriteLine($"threads {get_num_threads()}: stft {tStft:F2} ms/view, + magnitude {tMag:F2}, whole front end {tAll:F2}");
    return;
}
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
if (args.Length > 0 && args[0] == "quick-data")
{
    // quick-data [PAIRS]: the data side of one step, stage by stage (median of 5): WSOLA of the pairs on one
    // thread (the loader's share) and the front end of all views on LibTorch's threads (the training thread's share).
    int pairs = args.Length > 1 ? int.Parse(args[1]) : 32;
    var input = new EquiTempo.Features.ModelInput();
    var fe = new EquiTempo.Features.LogMelFrontEnd(input);
    var st = new TimeStretcher();
    int n = input.ChunkSamples, srcLen = (int)Math.Ceiling(n * 1.2) + input.SampleRate / 10;
    var src = DrumPatternRenderer.Render(120, 3, new DrumRenderConfig(Seconds: (double)srcLen / input.SampleRate + 0.1)).Take(srcLen).ToArray();
    var rng = new Random(0);
    var views = new List<float[]>();
    double Median(Action a) { var t = new List<double>(); for (int r = 0; r < 5; r++) { var sw = Stopwatch.StartNew(); a(); t.Add(sw.Elapsed.TotalSeconds); } t.Sort(); return t[2]; }
    double wsola = Median(() => { views.Clear(); for (int k = 0; k < 2 * pairs; k++) views.Add(st.Stretch(src, 0.8 + 0.4 * rng.NextDouble(), input.SampleRate, n)); });
    Median(() => { using var x = fe.Forward(views, n); });   // warm-up: lets the JIT reach its optimised tier
    double front = Median(() => { using var x = fe.Forward(views, n); });
    using (var wave = tensor(views.SelectMany(v => v).ToArray(), new long[] { 2 * pairs, n }))
    using (var window = hann_window(2048, periodic: true))
    using (var basis = tensor(EquiTempo.Features.LogMelFrontEnd.MelFilterbank(input.SampleRate, 2048, 81, 30, 17000), new long[] { 1025, 81 }))
    using (var basisT = basis.t().contiguous())
    {
        Tensor Stft(Tensor w) => stft(w, 2048, hop_length: 441, win_length: 2048, window: window, center: true, pad_mode: TorchSharp.PaddingModes.Reflect, onesided: true, return_complex: true);
        var variants = new (string Name, Func<Tensor, Tensor> Mel)[]
        {
            ("shipped: abs, mag^T @ basis", w => matmul(Stft(w).abs().transpose(1, 2), basis).transpose(1, 2)),
            ("abs, basisT @ mag", w => matmul(basisT, Stft(w).abs())),
            ("real^2+imag^2 sqrt, basisT @ mag", w => { var sp = Stft(w); return matmul(basisT, (sp.real.square() + sp.imag.square()).sqrt_()); }),
        };
        var chunks = new[] { 64, 8, 2, 1 };
        var times = new Dictionary<string, List<double>>();
        using (var refMel = variants[0].Mel(wave))
            foreach (var v in variants.Skip(1)) { using var m = v.Mel(wave); Console.WriteLine($"  {v.Name}: max |diff| / max {((m - refMel).abs().max() / refMel.max()).item<float>():E2}"); }
        for (int round = 0; round < 5; round++)
            foreach (var v in variants)
                foreach (int chunk in chunks)
                {
                    var sw = Stopwatch.StartNew();
                    for (int s0 = 0; s0 < 2 * pairs; s0 += chunk) { using var sc = NewDisposeScope(); v.Mel(wave.narrow(0, s0, Math.Min(chunk, 2 * pairs - s0))); }
                    string key = $"{v.Name}, chunks of {chunk}";
                    if (!times.TryGetValue(key, out var list)) times[key] = list = new List<double>();
                    list.Add(sw.Elapsed.TotalSeconds);
                }
        double reference = 0;
        foreach (var (key, list) in times)
        {
            list.Sort(); double med = list[list.Count / 2];
            if (reference == 0) reference = med;
            Console.WriteLine($"  {key}: median {med:F2} s, {2 * pairs / med:F1} views/s, x{reference / med:F2}");
        }
    }
    Console.WriteLine($"pairs={pairs}: WSOLA {wsola:F2} s (1 thread), front end {front:F2} s ({get_num_threads()} threads) for {2 * pairs} views");
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
