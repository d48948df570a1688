using EquiTempo.Audio;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Signals;
using Xunit.Abstractions;

namespace EquiTempo.Tests.Beats;

/// <summary>The beat tracker on click tracks, whose beats are known by construction.</summary>
public class BeatTrackerTests(ITestOutputHelper output) : IDisposable
{
    private const int Sr = 22050;
    private const double Seconds = 30;
    private static readonly BeatTracker Tracker = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-beats-{Guid.NewGuid():N}");

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>The click times of <see cref="TestSignals.ClickTrack"/>: (k + 0.25) · 60 / bpm.</summary>
    internal static double[] ClickTimes(double bpm, double seconds) =>
        Enumerable.Range(0, (int)(seconds * bpm / 60) + 1).Select(k => (k + 0.25) * 60 / bpm).Where(t => t < seconds).ToArray();

    /// <summary>A tempo method that answers one tempo: the tracker's beat placement measured apart from tempo estimation.</summary>
    internal sealed class KnownTempo(double bpm) : ITempoMethod
    {
        public string Name => "known";
        private TempoEstimate Answer(string? name) => new(name, bpm, bpm, 1, 1, Seconds, 1, "known");
        public TempoEstimate Estimate(string path, bool localCurve = false, CancellationToken ct = default) => Answer(path);
        public TempoEstimate Estimate(Stream audio, string name, bool localCurve = false, CancellationToken ct = default) => Answer(name);
        public TempoEstimate Estimate(float[] samples, int sampleRate, bool localCurve = false, string? name = null, CancellationToken ct = default) => Answer(name);
        public void Dispose() { }
    }

    private BeatScores AssertOnTheClicks(BeatTrack track, double bpm)
    {
        var clicks = ClickTimes(bpm, Seconds);
        var scores = BeatMetrics.Evaluate(clicks, track.Times);
        var errors = BeatMetrics.Trim(track.Times).Select(t => t - clicks.MinBy(c => Math.Abs(c - t))).ToArray();
        output.WriteLine($"{bpm} BPM ({track.TempoSource}): tracked at {track.Bpm:F2}, {track.Times.Length} beats, F {scores.FMeasure:F3}, " +
            $"CMLt {scores.CmlT:F3}, AMLt {scores.AmlT:F3}, beat − click {errors.Average() * 1000:F1} ms on average, {errors.Min() * 1000:F1} to {errors.Max() * 1000:F1} ms");
        Assert.Null(track.NoBeatsReason);
        Assert.All(errors, e => Assert.True(Math.Abs(e) <= BeatMetrics.FMeasureWindowSeconds, $"a beat {e * 1000:F0} ms from its click"));
        return scores;
    }

    [Theory]
    [InlineData(60.0)]
    [InlineData(90.0)]
    [InlineData(120.0)]
    [InlineData(150.0)]
    [InlineData(200.0)]
    public void ClickTrack_AtItsTempo_BeatsFallOnTheClicks(double bpm)
    {
        using var tracker = new BeatTracker(new KnownTempo(bpm));
        var track = tracker.Track(new AudioBuffer(TestSignals.ClickTrack(bpm, Seconds, Sr), Sr), "clicks");
        var scores = AssertOnTheClicks(track, bpm);
        Assert.True(scores.FMeasure >= 0.95, $"F {scores.FMeasure:F3} at {bpm} BPM");
        Assert.True(scores.CmlT >= 0.95, $"CMLt {scores.CmlT:F3} at {bpm} BPM");
    }

    /// <summary>With no tempo method the tempo is the DSP tempogram's, which may take another metrical level (at 200
    /// BPM its prior around 120 BPM prefers 100): AMLt forgives that, F only at the clicks' own level.</summary>
    [Theory]
    [InlineData(60.0, true)]
    [InlineData(90.0, true)]
    [InlineData(120.0, true)]
    [InlineData(150.0, true)]
    [InlineData(200.0, false)]
    public void ClickTrack_AtTheTempogramsTempo_BeatsFallOnTheClicks(double bpm, bool sameLevel)
    {
        var track = Tracker.Track(new AudioBuffer(TestSignals.ClickTrack(bpm, Seconds, Sr), Sr), "clicks");
        var scores = AssertOnTheClicks(track, bpm);
        Assert.True(scores.AmlT >= 0.95, $"AMLt {scores.AmlT:F3} at {bpm} BPM");
        if (sameLevel) Assert.True(scores.FMeasure >= 0.95, $"F {scores.FMeasure:F3} at {bpm} BPM");
        Assert.Equal(BeatTracker.TempogramSource, track.TempoSource);
    }

    [Theory]
    [InlineData(120.0, 0.8)]
    [InlineData(100.0, 1.25)]
    public void ClicksAtAlphaTimesTheTempo_MoveTheBeatsByAlpha(double bpm, double alpha)
    {
        var slow = Tracker.Track(new AudioBuffer(TestSignals.ClickTrack(bpm, Seconds, Sr), Sr));
        var fast = Tracker.Track(new AudioBuffer(TestSignals.ClickTrack(bpm * alpha, Seconds, Sr), Sr));
        Assert.True(Math.Abs(fast.Bpm / slow.Bpm / alpha - 1) < 0.02, $"tempo ratio {fast.Bpm / slow.Bpm:F3}, expected {alpha}");
        // Beat k of the stretched copy lies at (k + 0.25) · period / α: each beat time scaled by 1/α, within the 70 ms window.
        // (only where the slower copy has clicks too: the faster one holds α times as many).
        foreach (var t in BeatMetrics.Trim(fast.Times).Where(t => t * alpha < Seconds - 1))
        {
            double scaledBack = t * alpha;
            Assert.Contains(slow.Times, s => Math.Abs(s - scaledBack) <= BeatMetrics.FMeasureWindowSeconds * Math.Max(1, alpha) + 0.03);
        }
        AssertOnTheClicks(fast, bpm * alpha);
    }

    [Fact]
    public void SilentAudio_HasNoBeats_AndNoError()
    {
        var silent = Tracker.Track(new AudioBuffer(new float[Sr * 10], Sr), "silence");
        Assert.Empty(silent.Times);
        Assert.Equal(0, silent.Bpm);
        Assert.NotNull(silent.NoBeatsReason);
        Assert.Equal(10, silent.DurationSeconds, 3);
    }

    [Fact]
    public void SilentAudio_WithATempoMethodThatRefusesIt_HasNoBeats()
    {
        using var dsp = new EquiTempo.Baselines.DspTempoEstimator();
        using var tracker = new BeatTracker(dsp);
        var x = new float[Sr * 10];
        var rng = new Random(1);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(1e-3 * (rng.NextDouble() - 0.5));   // faint noise: onsets, but no tempo
        var track = tracker.Track(new AudioBuffer(x, Sr), "noise");
        Assert.Empty(track.Times);
        Assert.Contains("no", track.NoBeatsReason);
    }

    [Fact]
    public void File_IsTrackedAsItsSamplesAre_AndABadFileNamesItself()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "clicks.wav");
        var clicks = TestSignals.ClickTrack(120, 20, 44100);
        WavWriter.WriteMono16(path, clicks, 44100);
        var fromFile = Tracker.Track(path);
        var fromSamples = Tracker.Track(new AudioBuffer(clicks, 44100), path);
        Assert.Equal(path, fromFile.File);
        Assert.Equal(fromSamples.Times.Length, fromFile.Times.Length);
        Assert.All(fromFile.Times.Zip(fromSamples.Times), p => Assert.True(Math.Abs(p.First - p.Second) < 0.03));
        using (var stream = File.OpenRead(path))
            Assert.Equal(fromFile.Times.Length, Tracker.Track(stream, "<stdin>").Times.Length);

        var corrupt = Path.Combine(_dir, "corrupt.wav");
        File.WriteAllText(corrupt, "RIFF but not really");
        var e = Assert.ThrowsAny<EquiTempoException>(() => Tracker.Track(corrupt));
        Assert.StartsWith(corrupt, e.Message);
    }

    [Fact]
    public void ImpulseActivation_BeatsAreTheImpulses()
    {
        var activation = new float[400];
        for (int f = 10; f < 400; f += 20) activation[f] = 1;
        var frames = new DynamicProgrammingBeatTracker().TrackFrames(activation, 20);
        Assert.Equal(string.Join(" ", Enumerable.Range(0, 20).Select(k => 10 + 20 * k)), string.Join(" ", frames));
        Assert.Empty(new DynamicProgrammingBeatTracker().TrackFrames(new float[400], 20));
    }

    [Fact]
    public void InvalidSettings_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new DynamicProgrammingBeatTracker(new BeatTrackerConfig { Tightness = 0 }));
        Assert.Throws<ArgumentException>(() => new DynamicProgrammingBeatTracker(new BeatTrackerConfig { ShortestIntervalPeriods = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicProgrammingBeatTracker().Track(new BeatActivation(new float[10], 43), 0));
    }
}
