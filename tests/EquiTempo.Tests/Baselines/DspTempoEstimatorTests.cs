using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Inference;
using EquiTempo.Training.Synthesis;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Tests.Baselines;

/// <summary>The signal-processing baseline on audio whose tempo is known by construction.</summary>
public class DspTempoEstimatorTests : IDisposable
{
    private const int Sr = 44100;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-dsp-{Guid.NewGuid():N}");
    private static readonly DspTempoEstimator Estimator = new();

    public DspTempoEstimatorTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>Within 4 % of the tempo, or of half or double it (the metrical-level ambiguity Acc2 forgives).</summary>
    private static void AssertTempoOrOctave(double expected, double estimated)
    {
        double octaves = Math.Log2(estimated / expected);
        double nearest = Math.Round(octaves);
        Assert.True(Math.Abs(nearest) <= 1 && Math.Abs(estimated / (expected * Math.Pow(2, nearest)) - 1) <= 0.04,
            $"estimated {estimated:F2} BPM for {expected} BPM");
    }

    [Theory]
    [InlineData(70.0)]
    [InlineData(88.0)]
    [InlineData(103.0)]
    [InlineData(120.0)]
    [InlineData(137.0)]
    [InlineData(156.0)]
    [InlineData(180.0)]
    public void ClickTrack_GivesItsTempo(double bpm)
    {
        var r = Estimator.Estimate(TestSignals.ClickTrack(bpm, 20), Sr);
        AssertTempoOrOctave(bpm, r.Bpm);
        Assert.Equal(20, r.DurationSeconds, 2);
        Assert.Equal("dsp", Estimator.Name);
    }

    [Fact]
    public void Confidence_IsHighForASteadyTempo_AndLowWhenItChanges()
    {
        var steady = Estimator.Estimate(TestSignals.ClickTrack(118, 40), Sr);
        Assert.True(steady.Confidence > 0.9, $"steady: confidence {steady.Confidence:F2}");
        // Half the track at each tempo: at most the windows of one half (and a few across the change) agree.
        var changing = Estimator.Estimate(TestSignals.ClickTrack(100, 20).Concat(TestSignals.ClickTrack(140, 20)).ToArray(), Sr);
        Assert.True(changing.Confidence < 0.65, $"changing: confidence {changing.Confidence:F2}");
    }

    [Theory]
    [InlineData(72.0, 1)]
    [InlineData(85.0, 2)]
    [InlineData(97.0, 3)]
    [InlineData(112.0, 4)]
    [InlineData(126.0, 5)]
    [InlineData(143.0, 6)]
    [InlineData(161.0, 7)]
    [InlineData(178.0, 8)]
    public void DrumPattern_GivesItsTempo(double bpm, int seed)
    {
        var r = Estimator.Estimate(DrumPatternRenderer.Render(bpm, seed), Sr);
        AssertTempoOrOctave(bpm, r.Bpm);
    }

    [Theory]
    [InlineData(0.85)]
    [InlineData(1.18)]
    public void TimeStretchedCopy_MovesTheEstimateByTheStretchFactor(double alpha)
    {
        var original = DrumPatternRenderer.Render(104, seed: 21, new DrumRenderConfig(Seconds: 20));
        var stretched = new TimeStretcher().Stretch(original, alpha, Sr);
        double before = Estimator.Estimate(original, Sr).Bpm, after = Estimator.Estimate(stretched, Sr).Bpm;
        Assert.InRange(after / before / alpha, 0.96, 1.04);
    }

    [Fact]
    public void SecondTempo_IsAMetricalRelative_AndSalienceFavoursTheFirst()
    {
        var r = Estimator.Estimate(DrumPatternRenderer.Render(96, seed: 3), Sr);
        double ratio = r.Bpm2 / r.Bpm;
        Assert.True(TempoRange.MetricalRatios.Any(k => Math.Abs(ratio / k - 1) <= 0.04), $"Bpm {r.Bpm:F1}, Bpm2 {r.Bpm2:F1}");
        Assert.InRange(r.Salience, 0.5, 1.0);
    }

    [Theory]
    [InlineData(60.0)]
    [InlineData(100.0)]
    [InlineData(150.0)]
    public void SecondTempo_OfAClickTrack_IsWithinToleranceOfAMetricalRelative(double bpm)
    {
        var r = Estimator.Estimate(TestSignals.ClickTrack(bpm, 20, 22050), 22050);
        Assert.True(TempoRange.MetricalRatios.Any(k => Math.Abs(r.Bpm2 / (r.Bpm * k) - 1) <= 0.04), $"Bpm {r.Bpm:F1}, Bpm2 {r.Bpm2:F1}");
    }

    [Fact]
    public void TempoRange_HoldsTheAnswer_TheSecondTempo_AndTheCurve()
    {
        var clicks = TestSignals.ClickTrack(120, 30);
        using var slow = (DspTempoEstimator)TempoMethods.Create("dsp", config: new EstimatorConfig { MinBpm = 40, MaxBpm = 90 });
        var r = slow.Estimate(clicks, Sr, localCurve: true);
        Assert.InRange(r.Bpm, 59.4, 60.6);                  // the clicks' half tempo: 120 lies above the range
        Assert.InRange(r.Bpm2, 40, 90);
        Assert.All(r.Curve!, p => Assert.InRange(p.Bpm, 40, 90));
        using var fast = (DspTempoEstimator)TempoMethods.Create("dsp", config: new EstimatorConfig { MinBpm = 150, MaxBpm = 300 });
        Assert.InRange(fast.Estimate(clicks, Sr).Bpm, 225, 255);   // the double; lags are 1/43 s apart, 6 % at 240 BPM
    }

    [Fact]
    public void Silence_IsAnErrorNamingTheFile()
    {
        var path = Path.Combine(_dir, "silence.wav");
        WavWriter.WriteMono16(path, new float[Sr * 5], Sr);
        var e = Assert.Throws<NoTempoException>(() => Estimator.Estimate(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("silent", e.Message);
    }

    [Fact]
    public void SteadyTone_HasNoTempo_RatherThanThePriorsGuess()
    {
        var e = Assert.Throws<NoTempoException>(() => Estimator.Estimate(TestSignals.Sine(440, 10), Sr, name: "tone"));
        Assert.Contains("tone", e.Message);
        Assert.Contains("too few onsets", e.Message);
    }

    [Fact]
    public void CorruptFile_IsAnAudioErrorNamingTheFile()
    {
        var path = Path.Combine(_dir, "corrupt.wav");
        File.WriteAllText(path, "RIFF but not really");
        var e = Assert.Throws<AudioFormatException>(() => Estimator.Estimate(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ShortInput_GivesTheTempo_FromTwoSecondsOn()
    {
        var r = Estimator.Estimate(TestSignals.ClickTrack(120, 2.5), Sr);
        AssertTempoOrOctave(120, r.Bpm);
        var e = Assert.Throws<NoTempoException>(() => Estimator.Estimate(TestSignals.ClickTrack(120, 1.5), Sr, name: "clip"));
        Assert.Contains("too short: 1.5 s", e.Message);
        Assert.Throws<AudioFormatException>(() => Estimator.Estimate(Array.Empty<float>(), Sr));
    }

    [Fact]
    public void File_GivesTheSameAsItsSamples_AtAnyRate()
    {
        var path = Path.Combine(_dir, "clicks.wav");
        var x = TestSignals.ClickTrack(131, 20, sampleRate: 48000);
        WavWriter.WriteMono16(path, x, 48000);
        var fromFile = Estimator.Estimate(path);
        var fromSamples = Estimator.Estimate(x, 48000);
        Assert.Equal(path, fromFile.File);
        Assert.Equal(fromSamples.Bpm, fromFile.Bpm, 1);
        AssertTempoOrOctave(131, fromFile.Bpm);
    }

    [Fact]
    public void LocalCurve_FollowsATempoChange()
    {
        var x = TestSignals.ClickTrack(100, 24).Concat(TestSignals.ClickTrack(140, 24)).ToArray();
        var r = Estimator.Estimate(x, Sr, localCurve: true);
        var curve = r.Curve!;
        Assert.InRange(curve.Count, 20, 25);   // one point per 2 s
        Assert.True(curve.Zip(curve.Skip(1)).All(p => p.Second.TimeSeconds > p.First.TimeSeconds));
        foreach (var p in curve.Where(p => p.TimeSeconds < 16)) AssertTempoOrOctave(100, p.Bpm);
        foreach (var p in curve.Where(p => p.TimeSeconds > 32)) AssertTempoOrOctave(140, p.Bpm);
        Assert.Null(Estimator.Estimate(x, Sr).Curve);
    }

    [Fact]
    public void TempoMethods_CreatesTheBaselineByName_AndRefusesAModelFile()
    {
        Assert.Contains("dsp", TempoMethods.Names);
        using var m = TempoMethods.Create("DSP", config: new EstimatorConfig { LocalHopSeconds = 5 });
        var dsp = Assert.IsType<DspTempoEstimator>(m);
        Assert.Equal(5, dsp.Config.LocalHopSeconds);
        var e = Assert.Throws<EquiTempoException>(() => TempoMethods.Create("dsp", modelPath: "some.eqtm"));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Equal(ErrorReason.InvalidSetting, Assert.Throws<EquiTempoException>(() => TempoMethods.Create("nope")).Reason);
    }
}
