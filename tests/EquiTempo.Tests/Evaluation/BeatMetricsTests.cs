using EquiTempo.Evaluation;

namespace EquiTempo.Tests.Evaluation;

/// <summary>mir_eval.beat's scores on sequences whose answers are worked out by hand (reference: a beat every 0.5 s
/// from 0 to 30 s, so 51 beats from 5 s on, where the trimming leaves them).</summary>
public class BeatMetricsTests
{
    private static readonly double[] Reference = Enumerable.Range(0, 61).Select(k => 0.5 * k).ToArray();
    private static double[] Midpoints(double[] beats) => beats.Zip(beats.Skip(1), (a, b) => 0.5 * (a + b)).ToArray();

    [Fact]
    public void IdenticalSequences_ScoreOne()
    {
        Assert.Equal(new BeatScores(1, 1, 1, 1, 1), BeatMetrics.Evaluate(Reference, Reference));
    }

    [Fact]
    public void OffBeats_AreWrongAtTheCorrectLevel_AndRightAtAnyLevel()
    {
        var s = BeatMetrics.Evaluate(Reference, Midpoints(Reference));
        Assert.Equal(0, s.FMeasure);
        Assert.Equal(0, s.CmlT);
        Assert.Equal(0, s.CmlC);
        Assert.Equal(1, s.AmlT, 12);
        Assert.Equal(1, s.AmlC, 12);
    }

    [Fact]
    public void DoubleTempo_FindsEveryBeat_AmongTwiceAsMany()
    {
        var doubled = Reference.Concat(Midpoints(Reference)).Order().ToArray();
        var s = BeatMetrics.Evaluate(Reference, doubled);
        // After trimming: 101 estimates, 51 of them on the 51 reference beats: P = 51/101, R = 1.
        double p = 51.0 / 101;
        Assert.Equal(2 * p / (p + 1), s.FMeasure, 12);
        Assert.Equal(0, s.CmlT);   // the on-beat estimates have half the reference interval: a period error of 50 %
        Assert.Equal(1, s.AmlT, 12);
    }

    [Fact]
    public void HalfTempo_IsPreciseButRecallsHalf()
    {
        var half = Reference.Where((_, k) => k % 2 == 0).ToArray();   // 5, 6, …, 30: 26 beats after trimming
        var s = BeatMetrics.Evaluate(Reference, half);
        double r = 26.0 / 51;
        Assert.Equal(2 * r / (1 + r), s.FMeasure, 12);
        Assert.Equal(0, s.CmlT);
        Assert.Equal(1, s.AmlT, 12);
    }

    [Theory]
    [InlineData(0.06, 1.0, 1.0)]    // inside the ±70 ms window, phase 0.12 of the interval
    [InlineData(-0.06, 100.0 / 101, 50.0 / 51)]   // the first estimate, 4.94 s, is trimmed: 50 estimates for 51 references
    [InlineData(0.08, 0.0, 1.0)]    // outside the window, but phase 0.16 is still under the 0.175 continuity tolerance
    [InlineData(0.1, 0.0, 0.0)]     // phase 0.2: wrong for both
    public void ShiftedBeats_CountByTheWindowAndByThePhaseTolerance(double shift, double f, double cmlT)
    {
        var s = BeatMetrics.Evaluate(Reference, Reference.Select(t => t + shift).Where(t => t >= 0).ToArray());
        Assert.Equal(f, s.FMeasure, 12);
        Assert.Equal(cmlT, s.CmlT, 12);
    }

    [Fact]
    public void JitterAlternatingInsideTheWindow_StillMatchesEveryBeat()
    {
        var jittered = Reference.Select((t, k) => t + (k % 2 == 0 ? 0.065 : -0.065)).ToArray();
        Assert.Equal(1, BeatMetrics.Evaluate(Reference, jittered).FMeasure, 12);
        // Each interval is now 0.5 ± 0.13 s, a period error of 26 %: no beat is continuous at the correct level.
        Assert.Equal(0, BeatMetrics.Evaluate(Reference, jittered).CmlT, 12);
    }

    [Fact]
    public void OneMisplacedBeat_BreaksTheContinuousRunInTwo()
    {
        var est = Reference.Select(t => t == 17.5 ? 17.7 : t).ToArray();
        var s = BeatMetrics.Evaluate(Reference, est);
        Assert.Equal(50.0 / 51, s.FMeasure, 12);
        // 17.7 fails by phase (0.4), 18.0 by period (0.3 s after it against 0.5); 25 beats run before, 24 after.
        Assert.Equal(49.0 / 51, s.CmlT, 12);
        Assert.Equal(25.0 / 51, s.CmlC, 12);
    }

    [Fact]
    public void BeatsBeforeFiveSeconds_AreIgnored()
    {
        var est = new[] { 0.1, 1.3, 2.0, 4.9 }.Concat(Reference.Where(t => t >= 5)).ToArray();
        Assert.Equal(new BeatScores(1, 1, 1, 1, 1), BeatMetrics.Evaluate(Reference, est));
        Assert.Equal(new[] { 5.0, 6.0 }, BeatMetrics.Trim(new[] { 1.0, 4.99, 5.0, 6.0 }));
    }

    [Fact]
    public void EmptyOrSingleBeatInputs_ScoreAsMirEvalDoes()
    {
        var zero = new BeatScores(0, 0, 0, 0, 0);
        Assert.Equal(zero, BeatMetrics.Evaluate(Reference, Array.Empty<double>()));
        Assert.Equal(zero, BeatMetrics.Evaluate(Array.Empty<double>(), Reference));
        Assert.Equal(zero, BeatMetrics.Evaluate(Array.Empty<double>(), Array.Empty<double>()));
        Assert.Equal(zero, BeatMetrics.Evaluate(Reference, new[] { 1.0, 2.0 }));   // nothing left after 5 s
        // One beat each: it matches (F = 1), but continuity needs two beats.
        Assert.Equal(new BeatScores(1, 0, 0, 0, 0), BeatMetrics.Evaluate(new[] { 10.0 }, new[] { 10.02 }));
    }

    [Fact]
    public void UnorderedOrNegativeTimes_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => BeatMetrics.Evaluate(new[] { 6.0, 5.5 }, Reference));
        Assert.Throws<ArgumentException>(() => BeatMetrics.Evaluate(Reference, new[] { -1.0, 6.0 }));
    }
}

/// <summary>The downbeat F-measure on downbeats whose errors are known by construction: a bar of four 0.5 s beats,
/// downbeats every 2 s from 0 to 60 s (28 from 5 s on, where the trimming leaves them).</summary>
public class DownbeatMetricsTests
{
    private static readonly double[] Beats = Enumerable.Range(0, 121).Select(k => 0.5 * k).ToArray();
    private static readonly double[] Downbeats = Beats.Where((_, k) => k % 4 == 0).ToArray();

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.05, 1.0)]     // within the 70 ms window
    [InlineData(-0.05, 1.0)]
    [InlineData(0.1, 0.0)]      // beyond it
    [InlineData(0.5, 0.0)]      // off by one beat: the second beat of every bar
    [InlineData(-0.5, 0.0)]     // the last beat of every bar
    public void ShiftedDownbeats_ScoreByTheWindow(double shift, double f)
    {
        var estimated = Downbeats.Select(t => t + shift).Where(t => t >= 0).ToArray();
        Assert.Equal(f, BeatMetrics.DownbeatFMeasure(Downbeats, estimated), 12);
    }

    [Fact]
    public void EveryBeatCalledADownbeat_IsPreciseOnAQuarter_AndRecallsAll()
    {
        // From 5 s: 28 reference downbeats, 111 estimated; precision 28/111, recall 1.
        double p = 28 / 111.0;
        Assert.Equal(2 * p / (p + 1), BeatMetrics.DownbeatFMeasure(Downbeats, Beats), 12);
        Assert.Equal(0, BeatMetrics.DownbeatFMeasure(Downbeats, []));
    }

    [Fact]
    public void WithoutTrimming_ItIsMadmomsF_CountingTheFirstFiveSeconds()
    {
        double[] reference = [0, 2, 4, 6], estimated = [0, 2, 4.5, 6];
        Assert.Equal(1, BeatMetrics.DownbeatFMeasure(reference, estimated));                 // only 6 is left
        Assert.Equal(0.75, BeatMetrics.DownbeatFMeasure(reference, estimated, minBeatSeconds: 0), 12);
    }
}
