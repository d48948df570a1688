using EquiTempo.Training;

namespace EquiTempo.Tests.Training;

public class ConfigValidationTests
{
    public static TheoryData<string, TrainingConfig> BadTraining => new()
    {
        { "Epochs", new TrainingConfig { Epochs = 0 } },
        { "BatchPairs", new TrainingConfig { BatchPairs = 0 } },
        { "MicroBatchPairs", new TrainingConfig { MicroBatchPairs = 0 } },
        { "ExcerptsPerFile", new TrainingConfig { ExcerptsPerFile = 0 } },
        { "PrefetchBatches", new TrainingConfig { PrefetchBatches = 0 } },
        { "MaxStepsPerEpoch", new TrainingConfig { MaxStepsPerEpoch = -1 } },
        { "EndMarginSamples", new TrainingConfig { EndMarginSamples = -1 } },
        { "LearningRate", new TrainingConfig { LearningRate = 0 } },
        { "LearningRate", new TrainingConfig { LearningRate = double.NaN } },
        { "LearningRate", new TrainingConfig { LearningRate = double.PositiveInfinity } },
        { "ValidationFraction", new TrainingConfig { ValidationFraction = 1 } },
        { "ValidationFraction", new TrainingConfig { ValidationFraction = -0.1 } },
        { "MinRate", new TrainingConfig { MinRate = 0 } },
        { "MinRate", new TrainingConfig { MinRate = 1.3, MaxRate = 1.2 } },
        { "MaxRate", new TrainingConfig { MaxRate = double.NaN } },
        { "MinFileSeconds", new TrainingConfig { MinFileSeconds = -1 } },
        { "LibTorchThreads", new TrainingConfig { LibTorchThreads = 0 } },
    };

    [Theory, MemberData(nameof(BadTraining))]
    public void BadTrainingSetting_IsAnInvalidSettingNamingIt(string setting, TrainingConfig cfg)
    {
        var e = Assert.Throws<EquiTempoException>(() => cfg.Validated());
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Equal(setting, e.Subject);
        Assert.DoesNotContain("--", e.Message);
    }

    public static TheoryData<string, FineTuneConfig> BadFineTune => new()
    {
        { "Epochs", new FineTuneConfig { Epochs = 0 } },
        { "BatchSize", new FineTuneConfig { BatchSize = 0 } },
        { "MicroBatch", new FineTuneConfig { MicroBatch = 0 } },
        { "Patience", new FineTuneConfig { Patience = -1 } },
        { "ExcerptsPerTrack", new FineTuneConfig { ExcerptsPerTrack = 0 } },
        { "ValidationExcerptsPerTrack", new FineTuneConfig { ValidationExcerptsPerTrack = 0 } },
        { "PrefetchBatches", new FineTuneConfig { PrefetchBatches = 0 } },
        { "MaxStepsPerEpoch", new FineTuneConfig { MaxStepsPerEpoch = -1 } },
        { "LearningRate", new FineTuneConfig { LearningRate = -1e-3 } },
        { "ValidationFraction", new FineTuneConfig { ValidationFraction = 1.5 } },
        { "MinRate", new FineTuneConfig { MinRate = -1 } },
        { "MinRate", new FineTuneConfig { MinRate = 1.2, MaxRate = 1.1 } },
        { "Tolerance", new FineTuneConfig { Tolerance = 0 } },
        { "LabelSigma", new FineTuneConfig { LabelSigma = -0.01 } },
        { "TrainingExcerptSamples", new FineTuneConfig { TrainingExcerptSamples = 15 * 441 } },
    };

    [Theory, MemberData(nameof(BadFineTune))]
    public void BadFineTuneSetting_IsAnInvalidSettingNamingIt(string setting, FineTuneConfig cfg)
    {
        var e = Assert.Throws<EquiTempoException>(() => cfg.Validated(hopSamples: 441));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Equal(setting, e.Subject);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.NotNull(new TrainingConfig().Validated());
        Assert.NotNull(new FineTuneConfig().Validated(441));
        Assert.NotNull(new FineTuneConfig { TrainingExcerptSamples = 16 * 441 }.Validated(441));
    }
}
