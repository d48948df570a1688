using EquiTempo.Features;
using EquiTempo.Inference;

namespace EquiTempo.Tests.Inference;

[Collection(LibTorchRngCollection.Name)]
public class EstimatorConfigTests
{
    public static TheoryData<EstimatorConfig, string> Invalid => new()
    {
        { new EstimatorConfig { HopSeconds = 0 }, "HopSeconds" },
        { new EstimatorConfig { HopSeconds = -1 }, "HopSeconds" },
        { new EstimatorConfig { HopSeconds = double.NaN }, "HopSeconds" },
        { new EstimatorConfig { HopSeconds = 0.1 }, "HopSeconds" },          // < 13.6 s / 100
        { new EstimatorConfig { LocalHopSeconds = 0 }, "LocalHopSeconds" },
        { new EstimatorConfig { LocalHopSeconds = double.PositiveInfinity }, "LocalHopSeconds" },
        { new EstimatorConfig { BatchChunks = 0 }, "BatchChunks" },
        { new EstimatorConfig { SilenceDbfs = 3 }, "SilenceDbfs" },
        { new EstimatorConfig { SilenceDbfs = double.NegativeInfinity }, "SilenceDbfs" },
        { new EstimatorConfig { Tolerance = 0 }, "Tolerance" },
        { new EstimatorConfig { Tolerance = 0.5 }, "Tolerance" },
        { new EstimatorConfig { Tolerance = double.NaN }, "Tolerance" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void OutOfRange_IsAnInvalidSettingNamingIt(EstimatorConfig config, string setting)
    {
        var e = Assert.ThrowsAny<EquiTempoException>(() => config.Validated());
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Contains(setting, e.Subject);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void Defaults_AndAnyHopFromAHundredthOfAChunk_AreValid()
    {
        var config = new EstimatorConfig();
        Assert.Same(config, config.Validated());
        new EstimatorConfig { HopSeconds = new ModelInput().ChunkSeconds / 100, SilenceDbfs = 0, Tolerance = 0.01 }.Validated();
        new EstimatorConfig { HopSeconds = 0.1 }.Validated(new ModelInput(ChunkSamples: 44100));   // a 1 s chunk
    }

    [Fact]
    public void TheEstimator_ChecksItsConfig()
    {
        using var model = TestModels.Scaled(100, seed: 11);
        var e = Assert.ThrowsAny<EquiTempoException>(() => new TempoEstimator(model, new EstimatorConfig { BatchChunks = 0 }));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
    }
}
