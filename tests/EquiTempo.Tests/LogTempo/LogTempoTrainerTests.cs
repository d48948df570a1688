using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training;
using EquiTempo.Training.LogTempo;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.LogTempo;

/// <summary>Tiny log-tempo runs: 4 s chunks (two periods of 30 BPM), five rendered drum patterns, four steps an epoch.</summary>
[Collection(LibTorchRngCollection.Name)]
public class LogTempoTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-logtempo-").FullName;
    private string AudioDir => Path.Combine(_dir, "audio");
    private static readonly ModelInput TinyInput = new(ChunkSamples: 4 * 44100);

    public LogTempoTrainerTests()
    {
        Directory.CreateDirectory(AudioDir);
        int k = 0;
        foreach (var bpm in new[] { 84.0, 100, 117, 133, 152 })
            WavWriter.WriteMono16(Path.Combine(AudioDir, $"rhythm{k}.wav"), DrumPatternRenderer.Render(bpm, k++, new DrumRenderConfig(22050, 5)), 22050);
    }

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private TrainingConfig Tiny(int epochs) => new()
    {
        DecodeCacheDirectory = Path.Combine(_dir, "decoded"), Epochs = epochs, BatchPairs = 4, ExcerptsPerFile = 4, LearningRate = 1e-2,
        EndMarginSamples = 0, ValidationFraction = 0.2, Seed = 5, PrefetchBatches = 1,
    };

    private static double[] TrainLosses(string run) =>
        File.ReadAllLines(Path.Combine(run, "epochs.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void TinyRun_LowersTheLoss_AndResumesToTheSameEpochs()
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        var result = new LogTempoTrainer(Tiny(3), input: TinyInput).Run(new[] { AudioDir }, whole);
        Assert.Equal(3, result.EpochsCompleted);
        var losses = TrainLosses(whole);
        Assert.True(losses[^1] < 0.9 * losses[0], $"train loss {string.Join(", ", losses)}");
        using (var model = LogTempoModel.Load(result.ModelPath))
        {
            Assert.Equal(LogTempoModel.FamilyName, model.Metadata.Family);
            Assert.Contains("validation_peak_shift_agreement", model.Metadata.Training.Keys);
        }

        // Two epochs, then a resumed run to three: the third epoch sees the same data and starts from the same weights.
        new LogTempoTrainer(Tiny(2), input: TinyInput).Run(new[] { AudioDir }, split);
        var resumed = new LogTempoTrainer(Tiny(3), input: TinyInput).Run(new[] { AudioDir }, split, resume: true);
        Assert.Equal(3, resumed.EpochsCompleted);
        var again = TrainLosses(split);
        Assert.Equal(3, again.Length);
        Assert.Equal(losses[2], again[2], 3);
    }

    [Fact]
    public void FeatureDomainStretch_IsRefused()
    {
        var e = Assert.Throws<EquiTempoException>(() => new LogTempoTrainer(Tiny(1) with { Stretch = StretchDomain.Features }, input: TinyInput));
        Assert.Contains("waveform", e.Message);
    }
}
