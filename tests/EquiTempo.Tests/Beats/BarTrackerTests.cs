using EquiTempo.Audio;
using EquiTempo.Beats;
using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Beats;

/// <summary>The bar tracker on downbeat activations built with a known meter and phase, so each beat's number is
/// known by construction.</summary>
public class BarTrackerTests
{
    internal const double Fps = 100, BeatSeconds = 0.5, FirstBeat = 0.3;

    internal static double[] BeatTimes(int count) => Enumerable.Range(0, count).Select(k => FirstBeat + k * BeatSeconds).ToArray();

    /// <summary>The number of beat k in bars of <paramref name="meter"/> when beat 0 is number <paramref name="first"/>.</summary>
    private static int Number(int k, int meter, int first) => (k + first - 1) % meter + 1;

    /// <summary>A frame-wise downbeat activation: noise in [0, <paramref name="noise"/>) everywhere, and at each
    /// beat numbered 1 a peak in [0.5, 1) up to two frames off the beat, as a head's peaks wander.</summary>
    internal static float[] DownbeatActivation(IReadOnlyList<double> beats, IReadOnlyList<int> numbers, double seconds, double noise, int seed)
    {
        var rng = new Random(seed);
        var a = new float[(int)(seconds * Fps)];
        for (int f = 0; f < a.Length; f++) a[f] = (float)(noise * rng.NextDouble());
        for (int k = 0; k < beats.Count; k++)
            if (numbers[k] == 1) a[(int)Math.Round(beats[k] * Fps) + rng.Next(-2, 3)] = (float)(0.5 + 0.5 * rng.NextDouble());
        return a;
    }

    private static BarTrack TrackBars(int[] numbers, double noise, int seed, BarTrackerConfig? config = null)
    {
        var beats = BeatTimes(numbers.Length);
        var downbeats = DownbeatActivation(beats, numbers, beats[^1] + 1, noise, seed);
        var activation = new BeatActivation(new float[downbeats.Length], Fps) { Downbeats = downbeats };
        return new BarTracker(config).Track(beats, activation);
    }

    [Theory]
    [InlineData(3, 1, 0.3, 1)]
    [InlineData(3, 2, 0.4, 2)]
    [InlineData(4, 1, 0.3, 3)]
    [InlineData(4, 3, 0.4, 4)]
    [InlineData(4, 4, 0.45, 5)]
    public void KnownMeterAndPhase_InNoise_GiveEveryBeatsNumber(int meter, int first, double noise, int seed)
    {
        var expected = Enumerable.Range(0, 40).Select(k => Number(k, meter, first)).ToArray();
        var bars = TrackBars(expected, noise, seed);
        Assert.Equal(expected, bars.Numbers);
        Assert.All(bars.Meters, m => Assert.Equal(meter, m));
        Assert.Equal(meter, bars.BeatsPerBar);
    }

    /// <summary>A change costs log 1e-7 = −16: in this noise a bar read in the wrong meter gives about 1 of evidence a
    /// beat, so 8 bars of 3 are not enough (the whole track decodes in 4) and 16 are.</summary>
    [Theory]
    [InlineData(16, true)]
    [InlineData(8, false)]
    public void MeterChangeMidTrack_IsFollowed_FromTheBarItChangesAt_GivenEnoughBars(int barsOfThree, bool followed)
    {
        var expected = Enumerable.Range(0, 3 * barsOfThree).Select(k => Number(k, 3, 1)).Concat(Enumerable.Range(0, 64).Select(k => Number(k, 4, 1))).ToArray();
        var bars = TrackBars(expected, 0.3, 7);
        if (!followed)
        {
            Assert.All(bars.Meters, m => Assert.Equal(4, m));
            return;
        }
        Assert.Equal(expected, bars.Numbers);
        Assert.Equal(Enumerable.Repeat(3, 3 * barsOfThree).Concat(Enumerable.Repeat(4, 64)), bars.Meters);
        Assert.Equal(4, bars.BeatsPerBar);
    }

    /// <summary>madmom's density off the downbeat, (1 − a) / 99, would decode this 4/4 track in 2 once 2 is allowed
    /// (see <see cref="BarTracker"/>); 1 − a keeps it in 4, and a 6/8 track felt in two-beat bars decodes in 2.</summary>
    [Fact]
    public void WithTwoAllowed_FourFourStaysInFour_AndSixEightFeltInTwoIsTwo()
    {
        var config = new BarTrackerConfig { BeatsPerBar = [2, 3, 4] };
        var four = Enumerable.Range(0, 32).Select(k => Number(k, 4, 2)).ToArray();
        var perBeat = four.Select(n => n == 1 ? 0.9 : 0.05).ToArray();
        Assert.Equal(four, new BarTracker(config).Decode(perBeat).Numbers);
        var two = Enumerable.Range(0, 32).Select(k => Number(k, 2, 1)).ToArray();
        var bars = TrackBars(two, 0.3, 11, config);
        Assert.Equal(two, bars.Numbers);
        Assert.Equal(2, bars.BeatsPerBar);
    }

    [Fact]
    public void Synchronise_ReadsThePeakWithinAQuarterBeatOfEachBeat_AndNothingOfItsNeighbours()
    {
        var beats = BeatTimes(4);
        var a = new float[300];
        a[(int)(beats[1] * Fps) + 10] = 0.8f;    // 0.1 s after beat 1: within ¼ of 0.5 s
        a[(int)(beats[2] * Fps) + 20] = 0.6f;    // 0.2 s after beat 2: beyond ¼ of it, and 0.3 s before beat 3
        var values = new BarTracker().Synchronise(beats, a, Fps);
        Assert.Equal(new[] { 0, 0.8, 0, 0 }, values.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Track_RefusesAnActivationWithoutDownbeats_OrWithDownbeatsOnOtherFrames()
    {
        var tracker = new BarTracker();
        Assert.Throws<ArgumentException>(() => tracker.Track(BeatTimes(4), new BeatActivation(new float[300], Fps)));
        Assert.Throws<ArgumentException>(() => tracker.Track(BeatTimes(4), new BeatActivation(new float[300], Fps) { Downbeats = new float[299] }));
        Assert.Empty(tracker.Track([], new BeatActivation(new float[300], Fps) { Downbeats = new float[300] }).Numbers);
    }

    [Theory]
    [InlineData(new int[0], 1e-7, 0.25)]
    [InlineData(new[] { 3, 3 }, 1e-7, 0.25)]
    [InlineData(new[] { 0, 4 }, 1e-7, 0.25)]
    [InlineData(new[] { 3, 4 }, 1.0, 0.25)]
    [InlineData(new[] { 3, 4 }, 1e-7, 0.75)]
    public void InvalidSettings_AreRefused_NamingTheSetting(int[] meters, double change, double window)
    {
        var e = Assert.Throws<ArgumentException>(() => new BarTracker(new BarTrackerConfig { BeatsPerBar = meters, MeterChangeProbability = change, WindowBeats = window }));
        Assert.Contains("bar-tracker settings", e.Message);
        Assert.Throws<ArgumentException>(() => new BeatTracker(config: new BeatTrackerConfig { Bars = new BarTrackerConfig { BeatsPerBar = meters, MeterChangeProbability = change, WindowBeats = window } }));
    }

    /// <summary>An activation source that answers one activation whatever the audio: impulses on the beats of
    /// <see cref="BeatTimes"/> (120 BPM), with a downbeat activation when given one.</summary>
    internal sealed class ConstructedActivation(float[]? downbeats, double seconds) : IBeatActivationSource
    {
        public string Name => "constructed";
        public int SampleRate => 8000;

        public BeatActivation Compute(IEnumerable<float[]> blocks, CancellationToken ct = default)
        {
            foreach (var _ in blocks) { }
            var values = new float[(int)(seconds * Fps)];
            foreach (var t in BeatTimes((int)((seconds - FirstBeat) / BeatSeconds) + 1)) values[(int)Math.Round(t * Fps)] = 1;
            return new BeatActivation(values, Fps) { Downbeats = downbeats };
        }

        public void Dispose() { }
    }

    [Fact]
    public void BeatTracker_NumbersTheBeats_OnlyWhereTheActivationHasDownbeats()
    {
        const double seconds = 20;
        var reference = BeatTimes(40);
        var numbers = reference.Select((_, k) => Number(k, 4, 3)).ToArray();
        var audio = new AudioBuffer(new float[(int)(seconds * 8000)], 8000);
        using var plain = new BeatTracker(activation: new ConstructedActivation(null, seconds));
        using var barred = new BeatTracker(activation: new ConstructedActivation(DownbeatActivation(reference, numbers, seconds, 0.3, 13), seconds));
        var without = plain.Track(audio, 120, "x");
        var with = barred.Track(audio, 120, "x");

        Assert.Null(without.Numbers);
        Assert.Null(without.BeatsPerBar);
        Assert.Null(without.DownbeatTimes);
        Assert.Equal(without.Times, with.Times);
        Assert.Equal(1, BeatMetrics.FMeasure(reference, with.Times, 0.011));
        Assert.Equal(numbers, with.Numbers);
        Assert.Equal(4, with.BeatsPerBar);
        Assert.Equal(1, BeatMetrics.FMeasure(reference.Where((_, k) => numbers[k] == 1).ToList(), with.DownbeatTimes!, 0.011));
        // Numbered lines only where there are numbers: the .beats output of a track without downbeats is as before.
        Assert.Equal(without.Times.Select(t => t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)), BeatAnnotation.Of(without).Lines());
    }
}
