using EquiTempo.Model;
using static TorchSharp.torch;

namespace EquiTempo.Tests;

/// <summary>Untrained models with a scale readout, for tests of the plumbing around the network.</summary>
internal static class TestModels
{
    /// <summary>The reference init gives a near-constant z, and a positive output bias keeps it > 0,
    /// so the scale readout has something to scale.</summary>
    public static TempoModel Scaled(double scale, int seed)
    {
        manual_seed(seed);
        var m = new TempoModel(new ModelMetadata { Network = new TcnConfig(Init: TcnInit.PyTorchDefault) });
        m.Metadata.Readout.Scale = scale;
        using (no_grad()) m.Network.named_parameters().Single(p => p.name == "output_reg.bias").parameter.fill_(1.0);
        return m;
    }
}
