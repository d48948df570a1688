using EquiTempo.Training;

namespace EquiTempo.Tests.Training;

public class ScaleCalibrationTests
{
    [Fact]
    public void ProportionalOutputs_GiveTheExactScale()
    {
        var bpm = new double[] { 70, 90, 120, 150, 180 };
        var z = bpm.Select(b => (float)(b / 37.0)).ToArray();
        var fit = ScaleCalibration.Fit(z, bpm, "test");
        Assert.Equal(37.0, fit.Scale, 3);
        Assert.Equal(1.0, fit.Acc1);
        Assert.Equal(1.0, fit.LogCorrelation, 6);
    }

    [Fact]
    public void OctaveErrorsInTheLabels_DoNotMoveTheScale()
    {
        // Two of seven labels are double or half the tempo the outputs follow.
        var truth = new double[] { 70, 85, 100, 120, 140, 160, 180 };
        var labels = new double[] { 140, 85, 100, 60, 140, 160, 180 };
        var z = truth.Select(b => (float)(b / 2.5)).ToArray();
        var fit = ScaleCalibration.Fit(z, labels, "test");
        Assert.Equal(2.5, fit.Scale, 3);
        Assert.Equal(5.0 / 7, fit.Acc1, 3);
        Assert.Equal(1.0, fit.Acc2, 3);
    }

    [Fact]
    public void OneLabel_IsEnough()
    {
        var fit = ScaleCalibration.Fit(new[] { 4f }, new[] { 120.0 }, "one track");
        Assert.Equal(30.0, fit.Scale, 6);
    }

    [Fact]
    public void NoPositiveOutput_IsAClearError()
    {
        var e = Assert.Throws<EquiTempoException>(() => ScaleCalibration.Fit(new[] { -1f, 0f }, new[] { 100.0, 120 }, "x"));
        Assert.Contains("cannot be calibrated", e.Message);
    }
}
