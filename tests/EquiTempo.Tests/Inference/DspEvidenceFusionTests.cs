using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Features;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Inference;

/// <summary>The log-tempo model's distribution fused with the DSP baseline's tempo evidence (issue 12).</summary>
public class DspEvidenceFusionTests
{
    private const int Rate = 44100;
    private static readonly LogTempogramConfig Grid = new();   // 30·2^(k/24) BPM, 96 bins

    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));

    private static (float[] Envelope, double Fps) Onsets(float[] audio)
    {
        using var onsets = new OnsetStrength(OnsetStrengthConfig.AtRate(Rate));
        return (onsets.Compute(audio), onsets.Config.FramesPerSecond);
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

        var (env, fps) = Onsets(TestSignals.ClickTrack(clickBpm, 30, Rate));
        var fusion = new DspEvidenceFusion(new DspFusionConfig(), fps);
        var fused = readout.Read(p, withPrior: true, fusion.Weights(env, readout.BinBpms(p.Length)))!;
        Assert.InRange(fused.Bpm / clickBpm, 0.96, 1.04);

        // Weight 0 is the model alone, to the bit.
        var none = new DspEvidenceFusion(new DspFusionConfig { Weight = 0 }, fps);
        Assert.Equal(alone, readout.Read(p, withPrior: true, none.Weights(env, readout.BinBpms(p.Length))));
    }

    [Theory]
    [InlineData(75.0)]
    [InlineData(100.0)]
    [InlineData(160.0)]
    public void Evidence_OnAClickTrack_PeaksAtItsTempo_AndIsLowBetweenItsRelatives(double bpm)
    {
        var (env, fps) = Onsets(TestSignals.ClickTrack(bpm, 30, Rate));
        var bins = Readout().BinBpms(Grid.Bins);
        var e = new DspEvidenceFusion(new DspFusionConfig(), fps).Evidence(env, bins);
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

    [Fact]
    public void Fusion_IsRefusedForThePapersModel()
    {
        using var model = TestModels.Scaled(1.0, 1);
        var e = Assert.Throws<EquiTempoException>(() => new TempoEstimator(model, new EstimatorConfig { Fusion = new DspFusionConfig() }));
        Assert.Equal("estimator Fusion", e.Subject);
        Assert.Contains("log-tempo", e.Problem);
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
