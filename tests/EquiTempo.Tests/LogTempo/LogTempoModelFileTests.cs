using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.LogTempo;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

[Collection(LibTorchRngCollection.Name)]
public class LogTempoModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-logtempo-file-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private static readonly ModelInput TinyInput = new(ChunkSamples: 6 * 44100);

    [Fact]
    public void RoundTrip_KeepsFamilyOffsetPriorAndWeights()
    {
        manual_seed(11);
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput });
        model.Metadata.SetReadout(new LogTempoReadout(-3.25, 110, 0.75, "test"));
        var path = Path.Combine(_dir, "lt.eqtm");
        model.Save(path);
        using var back = LogTempoModel.Load(path);
        Assert.Equal(LogTempoModel.FamilyName, back.Metadata.Family);
        Assert.Equal(TinyInput, back.Metadata.Input);
        Assert.Equal(new LogTempoReadout(-3.25, 110, 0.75, "test"), back.Readout);
        Assert.Equal(model.Architecture, back.Architecture);
        foreach (var (name, t) in model.Network.state_dict())
            Assert.Equal(t.data<float>().ToArray(), back.Network.state_dict()[name].data<float>().ToArray());
        Assert.True(LogTempoModel.IsLogTempoFile(path));
    }

    [Fact]
    public void BothTempogramKinds_RoundTripWithEightInputRows_AndAFileSilentOnTheKindReadsAutocorrelation()
    {
        var arch = new LogTempoArchitecture(new LogTempogramConfig(Kind: TempogramKind.Both), new LogTempoNetworkConfig());
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput, LogTempo = arch });
        Assert.Equal(8, model.Network.Bands);
        var path = Path.Combine(_dir, "both.eqtm");
        model.Save(path);
        using var back = LogTempoModel.Load(path);
        Assert.Equal(TempogramKind.Both, back.Architecture.Tempogram.Kind);
        Assert.Equal(8, back.Network.Bands);
        var json = System.Text.Json.JsonSerializer.Serialize(new LogTempogramConfig(), TempoModel.Json);
        Assert.Contains("\"Kind\": \"Autocorrelation\"", json);
        var silent = System.Text.Json.JsonSerializer.Deserialize<LogTempogramConfig>(json.Replace(",\n  \"Kind\": \"Autocorrelation\"", ""), TempoModel.Json)!;
        Assert.DoesNotContain("Kind", json.Replace(",\n  \"Kind\": \"Autocorrelation\"", ""));
        Assert.Equal(TempogramKind.Autocorrelation, silent.Kind);
        Assert.Equal(new LogTempogramConfig(), silent);
    }

    [Fact]
    public void PaperLoader_RefusesALogTempoFile_AndOldFilesStayPaperFamily()
    {
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput });
        var path = Path.Combine(_dir, "lt.eqtm");
        model.Save(path);
        var e = Assert.Throws<ModelFileException>(() => TempoModel.Load(path));
        Assert.Contains("log-tempo", e.Message);
        Assert.Contains(path, e.Message);
        using var shipped = ShippedModels.Load(ShippedModels.TcnDefault);
        Assert.Null(shipped.Metadata.Family);
        Assert.Null(shipped.Metadata.LogTempo);
    }

    [Fact]
    public void UncalibratedModel_IsRefusedByTheEstimator()
    {
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput });
        var path = Path.Combine(_dir, "raw.eqtm");
        model.Save(path);
        var e = Assert.Throws<ModelFileException>(() => TempoEstimator.Load(path));
        Assert.Contains("not calibrated", e.Message);
    }

    /// <summary>
    /// Holds by construction: a one-layer network whose conv averages the bands (×30, so the softmax is sharp) and whose
    /// Toeplitz layer is the identity gives softmax(30 · tempogram). A click track's autocorrelation peaks only at its
    /// period and whole multiples of it (120, 60, 40, 30 BPM); the offset fitted on renders moves the peak by a fraction
    /// of a bin, and the prior is fitted to read renders of 60–200 BPM at their tempo, which excludes 30 and 40.
    /// </summary>
    [Fact]
    public void CalibratedIdentityModel_ReadsAClickTrackAt120AsAMetricalRelativeOf120()
    {
        using var model = new LogTempoModel(new ModelMetadata { Input = TinyInput, LogTempo = new LogTempoArchitecture(new LogTempogramConfig(), new LogTempoNetworkConfig(Layers: 1, KernelSize: 1)) });
        using (no_grad())
            foreach (var (name, p) in model.Network.named_parameters())
                if (name.StartsWith("convs")) { if (name.EndsWith("weight")) p.fill_(30.0 / 4); else p.zero_(); }
        var fit = LogTempoCalibrator.Fit(model, new LogTempoCalibrationConfig(Examples: 12));
        Assert.InRange(Math.Abs(fit.Readout.OffsetBins), 0, 1.5);
        model.Metadata.SetReadout(fit.Readout);
        var path = Path.Combine(_dir, "identity.eqtm");
        model.Save(path);
        using var estimator = TempoEstimator.Load(path);
        var r = estimator.Estimate(TestSignals.ClickTrack(120, 20), 44100);
        Assert.Equal("log-tempo", r.Readout);
        Assert.True(new[] { 60.0, 120, 240 }.Any(t => Math.Abs(r.Bpm / t - 1) <= 0.04), $"{r.Bpm:F1} BPM");
        Assert.InRange(r.Confidence, 0, 1);
    }
}
