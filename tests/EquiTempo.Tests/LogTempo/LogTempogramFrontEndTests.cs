using EquiTempo.Features;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Stretching;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

public class LogTempogramFrontEndTests
{
    // A 6 s chunk keeps the test fast; 30 BPM needs only 2 s of it.
    private static readonly ModelInput Input = new(ChunkSamples: 6 * 44100);

    private static float[] Tempogram(float[] audio)
    {
        using var mel = new LogMelFrontEnd(Input);
        using var tg = new LogTempogramFrontEnd(Input);
        using var spec = mel.Forward(new[] { audio }, Input.ChunkSamples);
        using var t = tg.Forward(spec);
        Assert.Equal(new long[] { 1, 4, 96 }, t.shape);
        using var sum = t.sum(new long[] { 1 }).squeeze(0);
        return sum.data<float>().ToArray();
    }

    /// <summary>The shift s that best aligns b with a: argmax over s of Σ_k a[k]·b[k + s] (mean over the overlap).</summary>
    private static int BestShift(float[] a, float[] b, int maxShift)
    {
        int best = 0; double bestScore = double.NegativeInfinity;
        for (int s = -maxShift; s <= maxShift; s++)
        {
            double score = 0; int n = 0;
            for (int k = 0; k < a.Length; k++) if (k + s >= 0 && k + s < b.Length) { score += a[k] * b[k + s]; n++; }
            score /= n;
            if (score > bestScore) (best, bestScore) = (s, score);
        }
        return best;
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(3)]
    [InlineData(6)]
    public void ClickTrackAtAlphaTimesTheTempo_IsShiftedByLog2AlphaTimesBinsPerOctave(int bins)
    {
        double alpha = Math.Pow(2, bins / 24.0);
        var a = Tempogram(TestSignals.ClickTrack(100, 6));
        var b = Tempogram(TestSignals.ClickTrack(100 * alpha, 6));
        Assert.Equal(bins, BestShift(a, b, 12));
    }

    [Theory]
    [InlineData(0.85)]
    [InlineData(1.19)]
    public void WsolaStretchedClickTrack_IsShiftedByLog2AlphaTimesBinsPerOctave(double alpha)
    {
        var source = TestSignals.ClickTrack(110, 8);
        var a = Tempogram(source[..Input.ChunkSamples]);
        var b = Tempogram(new TimeStretcher().Stretch(source, alpha, 44100, Input.ChunkSamples));
        double expected = Math.Log2(alpha) * 24;
        Assert.InRange(BestShift(a, b, 12), expected - 1, expected + 1);
    }

    [Fact]
    public void PeakOfAClickTrack_IsAtItsTempoOrAMultiple()
    {
        var t = Tempogram(TestSignals.ClickTrack(120, 6));
        int peak = Array.IndexOf(t, t.Max());
        double bpm = new LogTempogramConfig().BpmAt(peak);
        double octaves = Math.Log2(bpm / 120);
        Assert.True(Math.Abs(octaves - Math.Round(octaves)) < 0.05, $"peak at {bpm:F1} BPM");
    }
}
