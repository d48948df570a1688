using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Inference;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Baselines;

/// <summary>The "no tempo" decision: inputs without a tempo by construction are refused with the reason by both methods,
/// and music keeps its answer.</summary>
public class TempoEvidenceGateTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-evidence-{Guid.NewGuid():N}");
    private static readonly Lazy<TempoEstimator> Model = new(() => TempoEstimator.Load());
    private static readonly DspTempoEstimator Dsp = new();

    public TempoEvidenceGateTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    public static TheoryData<string, string> NonMusicByMethod()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in NonMusic.Kinds.Keys)
            foreach (var method in new[] { "model", "dsp" }) data.Add(kind, method);
        return data;
    }

    private static ITempoMethod Method(string name) => name == "dsp" ? Dsp : Model.Value;

    [Theory]
    [MemberData(nameof(NonMusicByMethod))]
    public void NonMusic_HasNoTempo_AndTheErrorSaysWhy(string kind, string method)
    {
        var (make, reason) = NonMusic.Kinds[kind];
        var e = Assert.Throws<NoTempoException>(() => Method(method).Estimate(make(), NonMusic.Rate, name: kind));
        Assert.Equal(ErrorReason.NoTempo, e.Reason);
        Assert.StartsWith($"{kind}: ", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData(60.0, "model")]
    [InlineData(75.0, "dsp")]
    [InlineData(95.0, "model")]
    [InlineData(95.0, "dsp")]
    [InlineData(140.0, "model")]
    [InlineData(140.0, "dsp")]
    [InlineData(200.0, "model")]
    [InlineData(200.0, "dsp")]
    public void ClickTracks_KeepTheirTempo(double bpm, string method)
    {
        var r = Method(method).Estimate(TestSignals.ClickTrack(bpm, 20), 44100);
        AssertMetricallyRelated(bpm, r.Bpm);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("dsp")]
    public void ExampleClip_KeepsItsAnswer(string method)
    {
        var r = Method(method).Estimate(RepoFile(Path.Combine("examples", "traveling_minstrels-excerpt.ogg")));
        Assert.InRange(r.Bpm, 30, 300);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("dsp")]
    public void RenderedSong_KeepsItsTempo(string method)
    {
        var song = MidiSongComposer.Compose(112, seed: 77, new SongConfig(Seconds: 20, NoDrumsProbability: 0));
        string midi = Path.Combine(_dir, "song.mid"), wav = Path.Combine(_dir, "song.wav");
        File.WriteAllBytes(midi, song.Midi);
        new FluidSynthRenderer().Render(midi, wav);
        AssertMetricallyRelated(112, Method(method).Estimate(wav).Bpm);
    }

    [Fact]
    public void Model_TempoRange_HoldsTheAnswer_TheSecondTempo_AndTheCurve()
    {
        var clicks = TestSignals.ClickTrack(120, 30);
        using var slow = TempoEstimator.Load(config: new EstimatorConfig { MinBpm = 40, MaxBpm = 90 });
        var r = slow.Estimate(clicks, 44100, localCurve: true);
        Assert.InRange(r.Bpm, 57.6, 62.4);                 // the clicks' half tempo: 120 lies above the range
        Assert.InRange(r.Bpm2, 40, 90);
        Assert.NotEmpty(r.Curve!);
        Assert.All(r.Curve!, p => Assert.InRange(p.Bpm, 40, 90));
        using var unrestricted = TempoEstimator.Load();
        Assert.InRange(unrestricted.Estimate(clicks, 44100).Bpm, 115.2, 124.8);
    }

    [Fact]
    public void Evidence_OfAClickTrack_IsPeriodicAtItsBeatOrABarOfIt()
    {
        using var onsets = new OnsetStrength();
        var gate = new TempoEvidenceGate();
        var e = gate.Measure(onsets.Compute(TestSignals.ClickTrack(100, 20, 22050)), onsets.Config.FramesPerSecond, 20);
        Assert.InRange(e.Onsets, 32, 34);                  // 33 clicks in 20 s
        Assert.InRange(e.Periodicity, 0.5, 1.0);
        AssertMetricallyRelated(100, e.PeriodBpm);
        Assert.Null(gate.Refusal(e));
    }

    [Fact]
    public void Thresholds_AreSettings_ThatCanAdmitWhatTheDefaultsRefuse()
    {
        var lenient = new TempoEvidenceGate(new TempoEvidenceConfig { MinSeconds = 1, MinOnsets = 2, MinPeriodicityZ = 1 });
        using var onsets = new OnsetStrength();
        var e = lenient.Measure(onsets.Compute(TestSignals.ClickTrack(120, 1.5, 22050)), onsets.Config.FramesPerSecond, 1.5);
        Assert.Null(lenient.Refusal(e));
        Assert.Contains("too short", new TempoEvidenceGate().Refusal(e));
    }

    [Theory]
    [InlineData(nameof(TempoEvidenceConfig.MinSeconds))]
    [InlineData(nameof(TempoEvidenceConfig.MinOnsets))]
    [InlineData(nameof(TempoEvidenceConfig.MinPeriodicity))]
    [InlineData(nameof(TempoEvidenceConfig.DetrendSeconds))]
    public void InvalidSettings_AreRefused_NamingTheSetting(string setting)
    {
        var bad = setting switch
        {
            nameof(TempoEvidenceConfig.MinSeconds) => new TempoEvidenceConfig { MinSeconds = double.NaN },
            nameof(TempoEvidenceConfig.MinOnsets) => new TempoEvidenceConfig { MinOnsets = -1 },
            nameof(TempoEvidenceConfig.MinPeriodicity) => new TempoEvidenceConfig { MinPeriodicity = 1.5 },
            _ => new TempoEvidenceConfig { DetrendSeconds = 0 },
        };
        var e = Assert.ThrowsAny<EquiTempoException>(() => new TempoEvidenceGate(bad));
        Assert.Equal(ErrorReason.InvalidSetting, e.Reason);
        Assert.Contains(setting, e.Message);
        Assert.ThrowsAny<EquiTempoException>(() => new EstimatorConfig { Evidence = bad }.Validated());   // what both methods check
    }

    /// <summary>Within 4 % of the tempo or of a metrical relative (×2, ½, ×3, ⅓, ×3/2, ×⅔, ×4, ¼).</summary>
    private static void AssertMetricallyRelated(double expected, double estimated)
    {
        var ratios = TempoRange.MetricalRatios.Append(1).Append(4).Append(0.25);
        Assert.True(ratios.Any(k => Math.Abs(estimated / (expected * k) - 1) <= 0.04), $"estimated {estimated:F2} BPM for {expected} BPM");
    }

    private static string RepoFile(string relative, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", relative));
}
