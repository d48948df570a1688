using EquiTempo.Audio;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Training.Synthesis;
using EquiTempo.Tests.Signals;
using EquiTempo.Training;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Tests.Inference;

/// <summary>The models in models/ (embedded in the EquiTempo assembly) and the example clip in examples/.</summary>
public class ShippedModelTests
{
    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));

    private static string Example() => RepoFile(Path.Combine("examples", "traveling_minstrels-excerpt.ogg"));

    [Fact]
    public void ShippedModels_HaveTrainedReadouts_SayWhatLabelsTheySaw_AndAreSmall()
    {
        foreach (var name in ShippedModels.Names)
        {
            var meta = ShippedModels.ReadMetadata(name);
            // The log-tempo files read their own fine-tuned softmax at its peak (offset 0, no prior); the paper's use the class head.
            if (name is ShippedModels.Default or ShippedModels.LabelFree)
                Assert.Equal(new LogTempoReadout(0, null, null, meta.PreferredReadout!.Source), meta.PreferredReadout);
            else
                Assert.IsType<ClassHeadReadout>(meta.PreferredReadout);
            using var s = ShippedModels.Open(name);
            Assert.InRange(s.Length, 5_000, 99_000);   // kilobytes: 2k parameters (log-tempo), 28k as float16 (paper's)
        }
        Assert.Contains("human-set BPM labels", ShippedModels.ReadMetadata(ShippedModels.Default).PreferredReadout!.Source);
        Assert.Contains("no human labels", ShippedModels.ReadMetadata(ShippedModels.LabelFree).PreferredReadout!.Source);
        Assert.Contains("human-set BPM labels", ShippedModels.ReadMetadata(ShippedModels.TcnDefault).PreferredReadout!.Source);
        Assert.Contains("no human labels", ShippedModels.ReadMetadata(ShippedModels.TcnLabelFree).PreferredReadout!.Source);
        using var est = TempoEstimator.Load();
        var r = est.Estimate(Example());
        Assert.InRange(r.Bpm, 30, 300);
        Assert.InRange(r.Confidence, 0, 1);
        Assert.Equal(20, r.DurationSeconds, 0);
    }

    [Fact]
    public void EmbeddedModels_AreTheFilesInModels_AndLoadByName()
    {
        foreach (var name in ShippedModels.Names)
        {
            using var s = ShippedModels.Open(name);
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            Assert.True(File.ReadAllBytes(RepoFile(Path.Combine("models", $"equitempo-{name}.eqtm"))).AsSpan().SequenceEqual(copy.ToArray()), $"{name}: embedded model differs from models/");
        }
        using (var byFile = TempoEstimator.Load(RepoFile(Path.Combine("models", "equitempo-labelfree.eqtm"))))
        using (var byName = TempoEstimator.LoadShipped("LabelFree"))
        using (var byMethod = TempoMethods.Create("model", ShippedModels.LabelFree))
        {
            Assert.Equal(byFile.Metadata.PreferredReadout, byName.Metadata.PreferredReadout);
            Assert.Equal(byFile.Metadata.PreferredReadout, ((TempoEstimator)byMethod).Metadata.PreferredReadout);
        }
        var e = Assert.Throws<ArgumentException>(() => TempoEstimator.LoadShipped("nosuch"));
        Assert.Contains("labelfree", e.Message);
        Assert.Contains("tcn-default", e.Message);
    }

    internal static bool WithinOrOctave(double estimate, double bpm) =>
        new[] { 1, 2, 0.5 }.Any(f => Math.Abs(estimate / (bpm * f) - 1) <= 0.04);

    [Theory]
    [InlineData(70.0)]
    [InlineData(84.0)]
    [InlineData(100.0)]
    [InlineData(118.0)]
    [InlineData(135.0)]
    [InlineData(157.0)]
    [InlineData(180.0)]
    public void ShippedModels_ClickTrackAndDrumPattern_WithinFourPercentOrAnOctave(double bpm)
    {
        // Clicks: noise bursts, a timbre the models never trained on; drums: the renderer with seeds outside its training draw.
        foreach (var name in ShippedModels.Names)
            ClickTrackAndDrumPattern(name, bpm);
    }

    private static void ClickTrackAndDrumPattern(string model, double bpm)
    {
        using var est = TempoEstimator.LoadShipped(model);
        var clicks = est.Estimate(TestSignals.ClickTrack(bpm, 30, 44100, seed: 9), 44100);
        var drums = est.Estimate(DrumPatternRenderer.Render(bpm, seed: 900_000 + (int)bpm, new DrumRenderConfig(Seconds: 30)), 44100);
        Assert.True(WithinOrOctave(clicks.Bpm, bpm), $"{model}: click track at {bpm} BPM: estimated {clicks.Bpm:F1}");
        Assert.True(WithinOrOctave(drums.Bpm, bpm), $"{model}: drum pattern at {bpm} BPM: estimated {drums.Bpm:F1}");
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.25)]
    public void ShippedModel_StretchedCopy_MovesTheEstimateByTheStretchFactor(double alpha)
    {
        using var est = TempoEstimator.Load();
        var x = DrumPatternRenderer.Render(110, seed: 4242, new DrumRenderConfig(Seconds: 40));
        var stretched = new TimeStretcher().Stretch(x, alpha, 44100, (int)(x.Length / alpha));
        double before = est.Estimate(x, 44100).Bpm, after = est.Estimate(stretched, 44100).Bpm;
        Assert.True(Math.Abs(after / before / alpha - 1) <= 0.04, $"α {alpha}: {before:F1} → {after:F1} BPM (ratio {after / before:F3})");
    }
}
