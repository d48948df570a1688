using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training;

namespace EquiTempo.Tests.Training;

[Collection(LibTorchRngCollection.Name)]
public class ScaleCalibratorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("eq-calib-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private string SmallModel(bool half)
    {
        using var m = TestModels.PositiveZ(3, new ModelInput(ChunkSamples: 88_200));
        var path = Path.Combine(_dir, half ? "half.eqtm" : "full.eqtm");
        m.Save(path, half);
        return path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Calibrate_LeavesTheInputAlone_AndKeepsItsPrecision(bool half)
    {
        var input = SmallModel(half);
        var before = File.ReadAllBytes(input);
        var output = Path.Combine(_dir, "calibrated.eqtm");
        var r = ScaleCalibrator.Calibrate(input, output, new CalibrationOptions { Examples = 4 });
        Assert.Equal(before, File.ReadAllBytes(input));
        Assert.Equal(half, r.HalfPrecision);
        using var back = TempoModel.Load(output);
        Assert.Equal(half, back.HalfPrecision);
        var readout = Assert.Single(back.Metadata.Readouts.OfType<ScaleReadout>());
        Assert.Equal(r.Fit.Scale, readout.Scale, 6);
        Assert.True(back.Metadata.Training.ContainsKey("calibration_log_correlation"));
        // An untrained network barely follows tempo: the result says so, the library prints nothing.
        if (r.Fit.LogCorrelation < ScaleCalibrator.PoorLogCorrelation) Assert.NotNull(r.Warning);
        else Assert.Null(r.Warning);
    }
}
