using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using EquiTempo.Model;
using EquiTempo.Training;
using static TorchSharp.torch;

namespace EquiTempo.Bench;

/// <summary>
/// One self-supervised optimiser step (forward + backward + Adam) at the paper's batch: 32 pairs = 64 views
/// of (1, 81, 1361). Divide 64 by the mean time for views per second. Variants show what each change buys.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class TrainStepBenchmark
{
    public enum Variant { ReferenceOrderFullBatch, ReorderedFullBatch, ReorderedMicro1, ReorderedMicro2, ReorderedMicro4, ReorderedMicro8 }

    [Params(Variant.ReferenceOrderFullBatch, Variant.ReorderedFullBatch, Variant.ReorderedMicro2, Variant.ReorderedMicro4, Variant.ReorderedMicro8)]
    public Variant Mode { get; set; }

    public const int Pairs = 32;
    private TempoTcn _net = null!;
    private TorchSharp.Modules.Adam _opt = null!;
    private Tensor _xi = null!, _xj = null!, _ai = null!, _aj = null!;

    [GlobalSetup]
    public void Setup()
    {
        manual_seed(0);
        _net = new TempoTcn { ReferenceOrder = Mode == Variant.ReferenceOrderFullBatch };
        _net.train();
        _opt = optim.Adam(_net.BackboneParameters(), 1e-3);
        _xi = randn(Pairs, 1, 81, 1361); _xj = randn(Pairs, 1, 81, 1361);
        _ai = rand(Pairs) * 0.4 + 0.8; _aj = rand(Pairs) * 0.4 + 0.8;
    }

    [Benchmark(Description = "train step, 32 pairs (64 views)")]
    public double Step()
    {
        _opt.zero_grad();
        double loss;
        int micro = Mode switch { Variant.ReorderedMicro1 => 1, Variant.ReorderedMicro2 => 2, Variant.ReorderedMicro4 => 4, Variant.ReorderedMicro8 => 8, _ => 0 };
        if (micro == 0)
        {
            using var scope = NewDisposeScope();
            var l = EquivariantRatioLoss.Compute(_net.forward(_xi), _net.forward(_xj), _ai, _aj);
            l.backward();
            loss = l.item<float>();
        }
        else loss = new EquivariantStep(_net, micro).ForwardBackward(_xi, _xj, _ai, _aj);
        _opt.step();
        return loss;
    }
}
