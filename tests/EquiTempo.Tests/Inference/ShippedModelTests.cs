using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Training;

namespace EquiTempo.Tests.Inference;

/// <summary>The model in models/ (copied beside the binaries) and the example clip in examples/.</summary>
public class ShippedModelTests
{
    private static string Example([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "examples", "traveling_minstrels-excerpt.ogg"));

    [Fact]
    public void ShippedModel_LoadsWithALabelFreeReadout()
    {
        Assert.True(File.Exists(TempoEstimator.DefaultModelPath), $"{TempoEstimator.DefaultModelPath} missing");
        var meta = TempoModel.ReadMetadata(TempoEstimator.DefaultModelPath);
        Assert.NotNull(meta.Readout.Scale);
        Assert.Contains("no human labels", meta.Readout.ScaleSource);
        using var est = TempoEstimator.Load();
        var r = est.Estimate(Example());
        Assert.True(r.Bpm > 0 && double.IsFinite(r.Bpm));
        Assert.Equal(20, r.DurationSeconds, 0);
    }

    [Fact]
    public void ShippedModel_OutputGrowsWithTheStretchRate()
    {
        // Within one excerpt, z must follow the stretch: the self-supervised property (measured slope 0.58 on held-out music).
        using var model = TempoModel.Load(TempoEstimator.DefaultModelPath);
        using var fe = new LogMelFrontEnd(model.Metadata.FrontEnd);
        var x = AudioDecoder.DecodeMono(Example()).Samples;
        var st = new TimeStretcher();
        var views = new[] { 0.8, 1.0, 1.2 }.Select(a => st.Stretch(x, a, 44100, fe.Config.ExcerptSamples)).ToList();
        var z = ScaleCalibration.OutputsOf(model.Network, fe, views);
        Assert.True(z[0] < z[1] && z[1] < z[2], $"z at α 0.8 / 1.0 / 1.2: {z[0]:F3} / {z[1]:F3} / {z[2]:F3}");
    }
}
