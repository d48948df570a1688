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
        var m = PositiveZ(seed);
        m.Metadata.SetReadout(new ScaleReadout(scale, "test"));
        return m;
    }

    /// <summary>The same network without a readout; <paramref name="input"/> (e.g. short chunks) keeps tests fast.</summary>
    public static TempoModel PositiveZ(int seed, EquiTempo.Features.ModelInput? input = null)
    {
        manual_seed(seed);
        var m = new TempoModel(new ModelMetadata { Input = input ?? new EquiTempo.Features.ModelInput(), Network = new TcnConfig(Init: TcnInit.PyTorchDefault) });
        using (no_grad()) m.Network.named_parameters().Single(p => p.name == "output_reg.bias").parameter.fill_(1.0);
        return m;
    }
}

/// <summary>
/// Test classes that seed LibTorch's global generator (manual_seed) and then draw from it, directly or
/// by building a network or running a trainer. xunit runs classes in parallel, and a draw by another
/// class between a seed and its use changes the weights a test gets (seen in CI: a training-progress
/// test started from other weights and missed its bound). Classes in this collection run one at a time, and
/// after every other collection, alone: a class outside it that builds a network or runs dropout also draws from
/// the generator. (This did not cure the resume test's rare failure under the full suite: it failed once more in
/// five suite runs on 2026-12-03, and passes alone.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchRngCollection
{
    public const string Name = "LibTorch global RNG";
}
