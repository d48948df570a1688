using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Cli;

/// <summary>The files the log-tempo CLI cases use: audio, an uncalibrated and a truncated log-tempo model.</summary>
public sealed class LogTempoCliFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("eq-logtempo-cli-").FullName;
    public string Audio => Path.Combine(Dir, "clicks.wav");
    public string Raw => Path.Combine(Dir, "raw.eqtm");
    public string Truncated => Path.Combine(Dir, "truncated.eqtm");
    public string Labels => Path.Combine(Dir, "labels.tsv");

    public LogTempoCliFiles()
    {
        WavWriter.WriteMono16(Audio, TestSignals.ClickTrack(120, 8, 22050), 22050);
        File.WriteAllLines(Labels, new[] { "path\tbpm", $"{Audio}\t120" });
        // Weights as built (the class is in the RNG collection, so building draws from no other test's seed); no test
        // here depends on their values, only on the file's family and readout.
        using (var m = new LogTempoModel(new ModelMetadata { Input = new ModelInput(ChunkSamples: 4 * 44100) })) m.Save(Raw);
        var bytes = File.ReadAllBytes(Raw);
        File.WriteAllBytes(Truncated, bytes[..(bytes.Length - 100)]);
    }

    public void Dispose() { try { Directory.Delete(Dir, true); } catch { } }
}

/// <summary>Bad input to the log-tempo family through the CLI: exit code, one "error:" line naming the option or file.</summary>
[Collection(LibTorchRngCollection.Name)]
public class LogTempoCliTests(LogTempoCliFiles files) : IClassFixture<LogTempoCliFiles>
{
    private void AssertError(int expected, string[] args, params string[] parts)
    {
        var (exit, stdout, stderr) = CliTests.Run(args);
        Assert.True(exit == expected, $"exit {exit}, expected {expected}; stderr: {stderr}");
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("error", stdout, StringComparison.OrdinalIgnoreCase);
        foreach (var p in parts) Assert.Contains(p, stderr);
    }

    private string Out => Path.Combine(files.Dir, $"run-{Guid.NewGuid():N}");

    [Fact] public void UnknownFamily() => AssertError(2, new[] { "train", "--family", "logtempo", "--audio", files.Dir, "--out", Out }, "--family", "logtempo");
    [Fact] public void FeatureStretch() => AssertError(2, new[] { "train", "--family", "log-tempo", "--stretch", "features", "--audio", files.Dir, "--out", Out }, "--stretch");
    [Fact] public void InitFrom() => AssertError(2, new[] { "train", "--family", "log-tempo", "--init-from", files.Raw, "--audio", files.Dir, "--out", Out }, "--init-from");
    [Fact] public void EstimateWithAnUncalibratedModel() => AssertError(1, new[] { "estimate", "--model", files.Raw, files.Audio }, files.Raw, "not calibrated");
    [Fact] public void EstimateWithATruncatedModel() => AssertError(1, new[] { "estimate", "--model", files.Truncated, files.Audio }, files.Truncated, "truncated");
    [Fact] public void FinetuneALogTempoModelWithFreeze() => AssertError(1, new[] { "finetune", "--model", files.Raw, "--freeze", "--labels", files.Labels, "--out", Out }, files.Raw, "log-tempo", "no separate head");
    [Fact] public void PriorNarrowerThanHalfAnOctave() => AssertError(2, new[] { "calibrate", "--model", files.Raw, "--min-prior-octaves", "0.1", "--out", Out + ".eqtm" }, "--min-prior-octaves");
    [Fact] public void CalibrateWithLabels() => AssertError(1, new[] { "calibrate", "--model", files.Raw, "--labels", files.Labels, "--out", Out + ".eqtm" }, "--labels", "renders only");
}
