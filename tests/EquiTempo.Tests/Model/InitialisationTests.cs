using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training.Synthesis;
using EquiTempo.Training;
using static TorchSharp.torch;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Tests.Model;

/// <summary>Why the network starts from the signal-preserving initialisation: with PyTorch's defaults the
/// fresh TCN gives the same z for every input, and the ratio loss has nothing to pull on.</summary>
[Collection(LibTorchRngCollection.Name)]
public class InitialisationTests
{
    private static Tensor Inputs(LogMelFrontEnd fe, int count, int samples, out float[] rates)
    {
        var st = new TimeStretcher();
        var rng = new Random(0);
        rates = new float[count];
        var flat = new List<float>();
        for (int k = 0; k < count; k++)
        {
            var src = DrumPatternRenderer.Render(70 + 100 * rng.NextDouble(), k, new DrumRenderConfig(Seconds: (double)samples / 44100 * 1.3));
            rates[k] = (float)(0.8 + 0.4 * rng.NextDouble());
            flat.AddRange(st.Stretch(src, rates[k], 44100, samples));
        }
        return fe.Forward(tensor(flat.ToArray(), new long[] { count, samples }));
    }

    private static double RelativeSpread(TcnInit init, Tensor x)
    {
        manual_seed(0);
        using var net = new TempoTcn(new TcnConfig(Init: init));
        net.eval();
        using var _ = no_grad();
        var z = net.forward(x).data<float>().ToArray();
        double mean = z.Average();
        return Math.Sqrt(z.Average(v => (v - mean) * (v - mean))) / Math.Abs(mean);
    }

    [Fact]
    public void DefaultInit_GivesNearlyConstantZ_SignalPreservingDoesNot()
    {
        using var fe = new LogMelFrontEnd();
        using var x = Inputs(fe, 6, 88_200, out _);
        Assert.True(RelativeSpread(TcnInit.PyTorchDefault, x) < 0.02, "PyTorch-default TCN output varies little across inputs");
        Assert.True(RelativeSpread(TcnInit.SignalPreserving, x) > 0.05, "signal-preserving TCN output must depend on the input");
    }

    [Fact]
    public void Training_ReducesTheLossOnAFixedBatch()
    {
        using var fe = new LogMelFrontEnd();
        manual_seed(1);
        using var xi = Inputs(fe, 4, 88_200, out var ai);
        var rng = new Random(5);
        // j-views: the same sources at other rates.
        var st = new TimeStretcher();
        var aj = new float[4];
        var flat = new List<float>();
        var srcRng = new Random(0);
        for (int k = 0; k < 4; k++)
        {
            var src = DrumPatternRenderer.Render(70 + 100 * srcRng.NextDouble(), k, new DrumRenderConfig(Seconds: 88_200 / 44100.0 * 1.3));
            srcRng.NextDouble();
            aj[k] = (float)(0.8 + 0.4 * rng.NextDouble());
            flat.AddRange(st.Stretch(src, aj[k], 44100, 88_200));
        }
        using var xj = fe.Forward(tensor(flat.ToArray(), new long[] { 4, 88_200 }));
        using var net = new TempoTcn(new TcnConfig(Dropout: 0));
        net.train();
        var opt = optim.Adam(net.BackboneParameters(), 1e-3);
        var step = new EquivariantStep(net, 2);
        using var tai = tensor(ai); using var taj = tensor(aj);
        double first = 0, last = 0;
        for (int it = 0; it < 60; it++)
        {
            opt.zero_grad();
            double loss = step.ForwardBackward(xi, xj, tai, taj);
            opt.step();
            if (it == 0) first = loss;
            last = loss;
        }
        Assert.True(last < 0.6 * first, $"loss went from {first:F4} to {last:F4} in 60 steps");
    }
}
