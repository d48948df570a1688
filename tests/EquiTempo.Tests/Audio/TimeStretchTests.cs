using EquiTempo.Audio;
using EquiTempo.Tests.Signals;
using Xunit.Abstractions;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Tests.Audio;

public class TimeStretchTests(ITestOutputHelper output)
{
    private const int Sr = 44100;

    public static TheoryData<double, bool> ClickCases()
    {
        var data = new TheoryData<double, bool>();
        foreach (double a in new[] { 0.8, 0.9, 1.1, 1.2 })
        {
            data.Add(a, false);
            data.Add(a, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ClickCases))]
    public void Click_track_tempo_scales_by_alpha(double alpha, bool soxMusic)
    {
        var input = TestSignals.ClickTrack(120, 12, Sr, seed: 1);
        var stretcher = new TimeStretcher(soxMusic ? TimeStretchConfig.SoxMusic(alpha) : null);
        var y = stretcher.Stretch(input, alpha, Sr);

        double expectedLength = input.Length / alpha;
        Assert.InRange(y.Length, expectedLength * 0.99, expectedLength * 1.01);

        int clicks = TestSignals.OnsetTimes(input, Sr).Length;
        var onsets = TestSignals.OnsetTimes(y, Sr);
        double bpm = TestSignals.MedianBpm(onsets);
        double error = bpm / (120 * alpha) - 1;
        double fitted = TestSignals.FittedBpm(onsets, 120 * alpha, out double maxResidual);
        double fittedError = fitted / (120 * alpha) - 1;
        output.WriteLine($"alpha={alpha} soxMusic={soxMusic}: onsets {onsets.Length}/{clicks}, median-IOI bpm {bpm:F3} " +
                         $"(error {error * 100:F3} %), fitted bpm {fitted:F3} (error {fittedError * 100:F4} %), max onset residual {maxResidual * 1000:F2} ms");

        Assert.Equal(24, clicks);
        // Speeding up discards (alpha − 1)/alpha of the input between segments; a 2 ms click that falls there
        // is gone, and least-squares matching prefers silent segment starts, so some clicks are lost (20/24 at
        // worst here). Slowing down repeats input instead, and the detector's refractory span merges echoes.
        Assert.InRange(onsets.Length, alpha < 1 ? clicks : 18, clicks);
        Assert.InRange(Math.Abs(error), 0, 0.01);
        // Each onset moves by up to about ±search/2 plus (1 − 1/alpha) of its place in a segment; the tempo
        // over the whole track, however, is alpha exactly.
        Assert.InRange(Math.Abs(fittedError), 0, 0.002);
        Assert.InRange(maxResidual, 0, 0.010);
    }

    [Theory]
    [InlineData(440.0, 0.8)]
    [InlineData(440.0, 1.2)]
    [InlineData(1000.0, 0.8)]
    [InlineData(1000.0, 1.2)]
    public void Sine_keeps_frequency_and_level(double hz, double alpha)
    {
        const float amp = 0.5f;
        var input = TestSignals.Sine(hz, 5, Sr, amp);
        var y = new TimeStretcher().Stretch(input, alpha, Sr);

        int edge = Sr / 10;   // the zero-extended end is not steady state
        double measured = TestSignals.ZeroCrossingHz(y, Sr, edge, y.Length - edge);
        double freqError = measured / hz - 1;

        double inputDb = 20 * Math.Log10(amp / Math.Sqrt(2));
        var db = TestSignals.WindowRmsDb(y, edge, y.Length - edge, (int)(0.05 * Sr));
        double minDev = db.Min() - inputDb, maxDev = db.Max() - inputDb;
        output.WriteLine($"{hz} Hz, alpha={alpha}: f={measured:F4} Hz, error={freqError * 100:F5} %, 50 ms RMS dev [{minDev:F4}, {maxDev:F4}] dB");

        Assert.InRange(Math.Abs(freqError), 0, 0.01);
        // The search finds an in-phase continuation, so the cross-fades of a pure tone are seamless.
        Assert.InRange(minDev, -0.5, 0.5);
        Assert.InRange(maxDev, -0.5, 0.5);
    }

    [Theory]
    [InlineData(false, 0.8, 0.5)]
    [InlineData(false, 1.2, 0.5)]
    [InlineData(true, 0.8, 1.5)]
    [InlineData(true, 1.2, 1.5)]
    public void Level_is_kept_on_chords_and_noise(bool noise, double alpha, double boundDb)
    {
        // A chord still has a good match somewhere in the search; white noise has none, and a linear
        // cross-fade of uncorrelated signals loses up to 3 dB at its midpoint (SoX behaves the same).
        var x = new float[5 * Sr];
        var rng = new Random(1);
        for (int i = 0; i < x.Length; i++)
            x[i] = noise
                ? (float)(rng.NextDouble() - 0.5)
                : (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / Sr) + 0.3 * Math.Sin(2 * Math.PI * 659.26 * i / Sr)
                          + 0.2 * Math.Sin(2 * Math.PI * 1000 * i / Sr));
        var y = new TimeStretcher().Stretch(x, alpha, Sr);
        int edge = Sr / 10;
        double inputDb = TestSignals.WindowRmsDb(x, edge, x.Length - edge, x.Length - 2 * edge)[0];
        var db = TestSignals.WindowRmsDb(y, edge, y.Length - edge, (int)(0.05 * Sr));
        double minDev = db.Min() - inputDb, maxDev = db.Max() - inputDb;
        output.WriteLine($"{(noise ? "noise" : "chord")}, alpha={alpha}: 50 ms RMS dev [{minDev:F3}, {maxDev:F3}] dB");
        Assert.InRange(minDev, -boundDb, boundDb);
        Assert.InRange(maxDev, -boundDb, boundDb);
    }

    [Fact]
    public void Exact_length_overload_truncates_or_zero_pads()
    {
        var input = TestSignals.Sine(440, 1, Sr);
        var s = new TimeStretcher();
        int natural = TimeStretcher.NaturalLength(input.Length, 1.2);

        var shorter = s.Stretch(input, 1.2, Sr, 10_000);
        Assert.Equal(10_000, shorter.Length);
        var full = s.Stretch(input, 1.2, Sr);
        Assert.Equal(natural, full.Length);
        Assert.Equal(full.AsSpan(0, 10_000).ToArray(), shorter);   // stopping early changes nothing before the stop

        var longer = s.Stretch(input, 1.2, Sr, natural + 5_000);
        Assert.Equal(natural + 5_000, longer.Length);
        Assert.Equal(full, longer.AsSpan(0, natural).ToArray());
        Assert.All(longer.AsSpan(natural).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Alpha_one_is_a_copy()
    {
        var input = TestSignals.Sine(440, 0.5, Sr);
        var s = new TimeStretcher();
        var y = s.Stretch(input, 1.0, Sr);
        Assert.Equal(input, y);
        Assert.NotSame(input, y);
        var padded = s.Stretch(input, 1.0, Sr, input.Length + 10);
        Assert.Equal(input, padded.AsSpan(0, input.Length).ToArray());
        Assert.All(padded.AsSpan(input.Length).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Empty_input_gives_empty_or_zero_output()
    {
        var s = new TimeStretcher();
        Assert.Empty(s.Stretch(ReadOnlySpan<float>.Empty, 1.2, Sr));
        var padded = s.Stretch(ReadOnlySpan<float>.Empty, 0.8, Sr, 1000);
        Assert.Equal(1000, padded.Length);
        Assert.All(padded, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.2)]
    public void Input_shorter_than_one_segment(double alpha)
    {
        // 1,000 samples < one 82 ms segment (3,616): WSOLA cannot reorder anything yet, so the output is
        // the input's start, zero-extended to round(n / alpha), as SoX gives.
        var input = TestSignals.Sine(440, 1000.0 / Sr, Sr);
        var y = new TimeStretcher().Stretch(input, alpha, Sr);
        Assert.Equal((int)(1000 / alpha + 0.5), y.Length);
        int copied = Math.Min(1000, y.Length);
        Assert.Equal(input.AsSpan(0, copied).ToArray(), y.AsSpan(0, copied).ToArray());
        Assert.All(y.AsSpan(copied).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.1)]
    [InlineData(4.0001)]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Alpha_out_of_range_throws(double alpha)
    {
        var s = new TimeStretcher();
        var x = new float[100];
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Stretch(x, alpha, Sr));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Stretch(x, alpha, Sr, 100));
    }

    [Fact]
    public void Range_limits_are_open_below_and_closed_above()
    {
        var s = new TimeStretcher();
        var x = TestSignals.Sine(440, 0.5, Sr);
        Assert.Equal(TimeStretcher.NaturalLength(x.Length, 4.0), s.Stretch(x, 4.0, Sr).Length);
        Assert.Equal(TimeStretcher.NaturalLength(x.Length, 0.2501), s.Stretch(x, 0.2501, Sr).Length);
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        var s = new TimeStretcher();
        var x = new float[100];
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Stretch(x, 1.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Stretch(x, 1.1, Sr, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeStretcher(new TimeStretchConfig(SegmentMs: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeStretcher(new TimeStretchConfig(SearchMs: double.NaN)));
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.2)]
    public void Silence_stays_silent_and_finite(double alpha)
    {
        var y = new TimeStretcher().Stretch(new float[Sr * 2], alpha, Sr, 600_000);
        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Output_is_finite_on_loud_noise()
    {
        var rng = new Random(3);
        var x = new float[Sr * 3];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(2 * rng.NextDouble() - 1);
        var y = new TimeStretcher().Stretch(x, 1.17, Sr);
        Assert.All(y, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= 1f));   // a convex cross-fade cannot exceed its inputs
    }

    [Fact]
    public void Concurrent_calls_on_one_instance_match_sequential_ones()
    {
        var s = new TimeStretcher();
        var a = TestSignals.ClickTrack(97, 6, Sr, seed: 2);
        var b = TestSignals.Sine(330, 6, Sr);
        var expectA = s.Stretch(a, 0.87, Sr);
        var expectB = s.Stretch(b, 1.13, Sr);
        var results = new float[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = i % 2 == 0 ? s.Stretch(a, 0.87, Sr) : s.Stretch(b, 1.13, Sr));
        for (int i = 0; i < results.Length; i++)
            Assert.Equal(i % 2 == 0 ? expectA : expectB, results[i]);
    }

    [Fact]
    public void Sample_plan_uses_sox_rounding()
    {
        // SoX at 44.1 kHz with its defaults: segment 3616, search 647, overlap 528 (rounded to a multiple of 8).
        var plan = new TimeStretcher().Plan(44100);
        Assert.Equal(3616, plan.Segment);
        Assert.Equal(647, plan.Search);
        Assert.Equal(528, plan.Overlap);
        var music = TimeStretchConfig.SoxMusic(1.2);
        Assert.Equal(82 / 1.2, music.SegmentMs, 9);
        Assert.Equal(82 / 1.2 / 6, music.SearchMs, 9);
        Assert.Equal(82 / 1.2 / 7, music.OverlapMs, 9);
        Assert.Equal(82, TimeStretchConfig.SoxMusic(0.8).SegmentMs);
    }
}
