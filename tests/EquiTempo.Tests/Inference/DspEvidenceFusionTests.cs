using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Inference;

/// <summary>The log-tempo model's distribution fused with the DSP baseline's tempo evidence (issue 12), of the onset
/// envelope or of a learnt beat head's activation (issue 11).</summary>
public class DspEvidenceFusionTests
{
    private const int Rate = 44100;
    private static readonly LogTempogramConfig Grid = new();   // 30·2^(k/24) BPM, 96 bins

    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));

    private static BeatActivation Onsets(float[] audio)
    {
        using var onsets = new OnsetStrength(OnsetStrengthConfig.AtRate(Rate));
        return new BeatActivation(onsets.Compute(audio), onsets.Config.FramesPerSecond);
    }

    private static LogTempoChunkReadout Readout() => new(new LogTempoReadout(0, null, null, "test"), Grid, 0.04);

    /// <summary>Two bumps (σ = 1 bin) at bins a and b with heights ha and hb: a model torn between two tempi a
    /// fourth apart (×4/3, the confusion the MIDI set shows), which no octave rule can settle.</summary>
    private static double[] TwoPeaks(int a, double ha, int b, double hb)
    {
        var p = new double[Grid.Bins];
        for (int k = 0; k < p.Length; k++)
            p[k] = ha * Math.Exp(-0.5 * (k - a) * (k - a)) + hb * Math.Exp(-0.5 * (k - b) * (k - b)) + 1e-4;
        double s = p.Sum();
        return p.Select(v => v / s).ToArray();
    }

    [Theory]
    [InlineData(42, 52)]   // clicks at 100.9 BPM; the model prefers 134.5 (×4/3)
    [InlineData(52, 42)]   // clicks at 134.5 BPM; the model prefers 100.9 (×3/4)
    public void Fusion_PicksTheClickTempo_WhereTheModelAloneIsWrong(int clickBin, int wrongBin)
    {
        var readout = Readout();
        double clickBpm = Grid.BpmAt(clickBin), wrongBpm = Grid.BpmAt(wrongBin);
        var p = TwoPeaks(clickBin, 0.8, wrongBin, 1.0);
        var alone = readout.Read(p, withPrior: true)!;
        Assert.InRange(alone.Bpm / wrongBpm, 0.96, 1.04);   // the constructed model is wrong on its own

        var env = Onsets(TestSignals.ClickTrack(clickBpm, 30, Rate));
        var fusion = new DspEvidenceFusion(new DspFusionConfig());
        var fused = readout.Read(p, withPrior: true, fusion.Weights(env, readout.BinBpms(p.Length)))!;
        Assert.InRange(fused.Bpm / clickBpm, 0.96, 1.04);

        // Weight 0 is the model alone, to the bit.
        var none = new DspEvidenceFusion(new DspFusionConfig { Weight = 0 });
        Assert.Equal(alone, readout.Read(p, withPrior: true, none.Weights(env, readout.BinBpms(p.Length))));
    }

    [Theory]
    [InlineData(75.0)]
    [InlineData(100.0)]
    [InlineData(160.0)]
    public void Evidence_OnAClickTrack_PeaksAtItsTempo_AndIsLowBetweenItsRelatives(double bpm)
    {
        var env = Onsets(TestSignals.ClickTrack(bpm, 30, Rate));
        var bins = Readout().BinBpms(Grid.Bins);
        var e = new DspEvidenceFusion(new DspFusionConfig()).Evidence(env, bins);
        int top = Array.IndexOf(e, e.Max());
        Assert.InRange(bins[top] / bpm, 0.96, 1.04);
        // ×1.2 is no metrical relative of the beat: its lag multiples fall between the clicks.
        int between = Enumerable.Range(0, bins.Length).MinBy(k => Math.Abs(Math.Log(bins[k] / (1.2 * bpm))));
        Assert.True(e[between] < 0.5 * e[top], $"evidence at {bins[between]:F1} BPM is {e[between]:F3}, at the beat {e[top]:F3}");
    }

    [Theory]
    [InlineData(90.0)]
    [InlineData(140.0)]
    public void Estimator_WithTheShippedLogTempoModel_Fused_ReadsAClickTrackUpToItsOctave(double bpm)
    {
        // The metrical level stays the model's prior's: the DSP pulse train (1–4 periods) is nearly as strong at half
        // the beat as at the beat, and on these clicks the shipped model alone already answers half (55.1 at 110,
        // 69.5 at 140 BPM). So the fused answer must be the clicks' tempo times a power of two, within ±4 %.
        var config = new EstimatorConfig { Fusion = new DspFusionConfig() };
        using var estimator = TempoEstimator.Load(RepoFile(Path.Combine("models", "equitempo-logtempo.eqtm")), config);
        Assert.Equal("model:log-tempo+dsp", estimator.Name);
        var r = estimator.Estimate(TestSignals.ClickTrack(bpm, 30, Rate), Rate);
        double octaves = Math.Log2(r.Bpm / bpm);
        Assert.InRange(Math.Abs(octaves - Math.Round(octaves)), 0, Math.Log2(1.04));
        Assert.InRange(Math.Round(octaves), -1, 1);
    }

    private static readonly Lazy<ModelBeatActivation> BeatHead = new(() => ModelBeatActivation.Load(ShippedModels.Beats));

    [Theory]
    [InlineData(90.0)]
    [InlineData(140.0)]
    public void BeatEvidence_OfTheShippedBeatHead_OnAClickTrack_PeaksAtTheClickTempoAndItsMultiples(double bpm)
    {
        // The head's activation (100 frames/s, not the onset envelope's rate) read by the same tempogram and pulse train.
        var activation = BeatHead.Value.Compute(new[] { TestSignals.ClickTrack(bpm, 30, Rate) });
        Assert.Equal(100, activation.FramesPerSecond, 9);
        var bins = Readout().BinBpms(Grid.Bins);
        var fusion = new DspEvidenceFusion(new DspFusionConfig { Evidence = FusionEvidence.BeatActivation });
        var e = fusion.Evidence(activation, bins);
        double At(double tempo) => e[Enumerable.Range(0, bins.Length).MinBy(k => Math.Abs(Math.Log(bins[k] / tempo)))];
        double top = e.Max();
        Assert.InRange(bins[Array.IndexOf(e, top)] / bpm, 0.96, 1.04);   // the top is the clicks' tempo
        // Its octaves and a third of it (at least one in two of their pulse train's lags falls on a click) keep more than half
        // the top (0.54–0.88 measured at 90 and 140 BPM; the longer lags lose to the window's taper); ×1.2, ×0.8, ×1.5 and
        // ×0.75 (one lag in four on a click, or none) keep less than 0.4 (0.03–0.28 measured).
        foreach (double relative in new[] { 2, 0.5, 1.0 / 3 })
            Assert.True(At(relative * bpm) > 0.5 * top, $"evidence at {relative * bpm:F1} BPM is {At(relative * bpm):F3}, the top {top:F3}");
        foreach (double off in new[] { 1.2, 0.8, 1.5, 0.75 })
            Assert.True(At(off * bpm) < 0.4 * top, $"evidence at {off * bpm:F1} BPM is {At(off * bpm):F3}, the top {top:F3}");
    }

    [Theory]
    [InlineData(90.0)]
    [InlineData(140.0)]
    public void Estimator_FusedWithTheBeatHead_ReadsAClickTrackUpToItsOctave_AndAtWeight0IsTheModelAlone(double bpm)
    {
        var clicks = TestSignals.ClickTrack(bpm, 30, Rate);
        var fused = new EstimatorConfig { Fusion = new DspFusionConfig { Evidence = FusionEvidence.BeatActivation } };
        using var estimator = TempoEstimator.LoadShipped(ShippedModels.Default, fused, BeatHead.Value);
        Assert.Equal("model:log-tempo+beats", estimator.Name);
        var r = estimator.Estimate(clicks, Rate);
        Assert.NotNull(r.BeatHeadActivation);
        double octaves = Math.Log2(r.Bpm / bpm);
        Assert.InRange(Math.Abs(octaves - Math.Round(octaves)), 0, Math.Log2(1.04));
        Assert.InRange(Math.Round(octaves), -1, 1);

        using var alone = TempoEstimator.LoadShipped(ShippedModels.Default, beatHead: BeatHead.Value);
        using var none = TempoEstimator.LoadShipped(ShippedModels.Default, fused with { Fusion = fused.Fusion with { Weight = 0 } }, BeatHead.Value);
        Assert.Equal(alone.Estimate(clicks, Rate), none.Estimate(clicks, Rate));
    }

    [Fact]
    public void Estimator_FusedWithTheBeatHead_ReadsTheHeadsActivationAtItsOwnRate()
    {
        // The estimator's answer is the model's mean distribution weighed by the evidence of the beat head's activation
        // (100 frames/s), built here from the parts; the onset evidence of the same clicks gives another answer, so the
        // equality says which signal, at which rate, the estimator read.
        var clicks = TestSignals.ClickTrack(120, 30, Rate);
        var config = new DspFusionConfig { Evidence = FusionEvidence.BeatActivation, Weight = 10 };
        using var estimator = TempoEstimator.LoadShipped(ShippedModels.Default, new EstimatorConfig { Fusion = config }, BeatHead.Value);
        var r = estimator.Estimate(clicks, Rate);

        using var model = ShippedModels.LoadLogTempo(ShippedModels.Default);
        using var mel = model.CreateFrontEnd();
        using var tempogram = model.CreateTempogram();
        var outputs = new LogTempoChunkNetwork(model, mel, tempogram, 1).Run(new SilenceGate(-70).Mark(Chunker.WithHop(model.Metadata.Input, null).Cut(clicks)));
        var readout = new LogTempoChunkReadout(model.Readout!, tempogram.Config, 0.04);
        var activation = BeatHead.Value.Compute(new[] { clicks });
        var beats = new DspEvidenceFusion(config);
        var expected = readout.Summarise(outputs, bins => beats.Weights(activation, bins))!;
        Assert.Equal((expected.Bpm, expected.Salience, expected.Confidence), (r.Bpm, r.Salience, r.Confidence));

        var env = Onsets(clicks);
        var onsets = new DspEvidenceFusion(config with { Evidence = FusionEvidence.Onsets });
        var other = readout.Summarise(outputs, bins => onsets.Weights(env, bins))!;
        Assert.NotEqual((expected.Bpm, expected.Salience, expected.Confidence), (other.Bpm, other.Salience, other.Confidence));
    }

    [Fact]
    public void Select_TakesTheSignalTheConfigNames_AndRefusesBeatEvidenceWithoutTheHeadsActivation()
    {
        var onsets = new BeatActivation(new float[10], 43.07);
        var head = new BeatActivation(new float[20], 100);
        Assert.Same(onsets, new DspEvidenceFusion(new DspFusionConfig()).Select(onsets, head));
        var beats = new DspEvidenceFusion(new DspFusionConfig { Evidence = FusionEvidence.BeatActivation });
        Assert.Same(head, beats.Select(onsets, head));
        Assert.Throws<InvalidOperationException>(() => beats.Select(onsets, null));
    }

    [Fact]
    public void BeatEvidence_WithoutABeatHead_IsRefusedNamingTheProblem()
    {
        var config = new EstimatorConfig { Fusion = new DspFusionConfig { Evidence = FusionEvidence.BeatActivation } };
        var e = Assert.Throws<EquiTempoException>(() => TempoEstimator.LoadShipped(ShippedModels.Default, config));
        Assert.Equal("estimator Fusion", e.Subject);
        Assert.Contains("needs a beat head", e.Problem);
        // The onset evidence needs none.
        using var onsets = TempoEstimator.LoadShipped(ShippedModels.Default, config with { Fusion = new DspFusionConfig() });
        Assert.Equal("model:log-tempo+dsp", onsets.Name);
    }

    [Fact]
    public void Fusion_IsRefusedForThePapersModel()
    {
        using var model = TestModels.Scaled(1.0, 1);
        var e = Assert.Throws<EquiTempoException>(() => new TempoEstimator(model, new EstimatorConfig { Fusion = new DspFusionConfig() }));
        Assert.Equal("estimator Fusion", e.Subject);
        Assert.Contains("log-tempo", e.Problem);
    }

    [Fact]
    public void Evidence_NotASource_IsNamed()
    {
        var config = new EstimatorConfig { Fusion = new DspFusionConfig { Evidence = (FusionEvidence)7 } };
        var e = Assert.Throws<EquiTempoException>(() => config.Validated());
        Assert.Equal("fusion Evidence", e.Subject);
        Assert.Contains("BeatActivation", e.Problem);
    }

    [Theory]
    [InlineData(-0.5, 0.05, 0.04, "fusion Weight")]
    [InlineData(1.0, 0.0, 0.04, "fusion Floor")]
    [InlineData(1.0, 0.05, 0.6, "fusion BandTolerance")]
    public void Settings_OutOfRange_AreNamed(double weight, double floor, double band, string subject)
    {
        var config = new EstimatorConfig { Fusion = new DspFusionConfig { Weight = weight, Floor = floor, BandTolerance = band } };
        Assert.Equal(subject, Assert.Throws<EquiTempoException>(() => config.Validated()).Subject);
    }
}
