using EquiTempo.Features;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Stretching;
using static TorchSharp.torch;

namespace EquiTempo.Tests.LogTempo;

public class LogTempogramFrontEndTests
{
    // A 6 s chunk keeps the test fast; 30 BPM needs only 2 s of it.
    private static readonly ModelInput Input = new(ChunkSamples: 6 * 44100);

    private static float[] Tempogram(float[] audio, TempogramKind kind = TempogramKind.Autocorrelation)
    {
        using var t = Rows(audio, kind);
        using var sum = t.sum(new long[] { 1 }).squeeze(0);
        return sum.data<float>().ToArray();
    }

    /// <summary>The tempogram (1, channels, 96) of one chunk.</summary>
    private static Tensor Rows(float[] audio, TempogramKind kind)
    {
        using var mel = new LogMelFrontEnd(Input);
        using var tg = new LogTempogramFrontEnd(Input, new LogTempogramConfig(Kind: kind));
        using var spec = mel.Forward(new[] { audio }, Input.ChunkSamples);
        var t = tg.Forward(spec);
        Assert.Equal(new long[] { 1, kind == TempogramKind.Both ? 8 : 4, 96 }, t.shape);
        return t;
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
    [InlineData(-5)]
    [InlineData(3)]
    [InlineData(6)]
    public void FourierRows_OfAClickTrackAtAlphaTimesTheTempo_AreShiftedByLog2AlphaTimesBinsPerOctave(int bins)
    {
        double alpha = Math.Pow(2, bins / 24.0);
        var a = Tempogram(TestSignals.ClickTrack(100, 6), TempogramKind.Fourier);
        var b = Tempogram(TestSignals.ClickTrack(100 * alpha, 6), TempogramKind.Fourier);
        Assert.Equal(bins, BestShift(a, b, 12));
    }

    /// <summary>
    /// By construction: clicks every 0.5 s have an autocorrelation peak at every whole multiple of the period (120, 60, 40,
    /// 30 BPM) and a spectrum at every whole multiple of the frequency (120, 240, 360, 480 BPM). So at 40 BPM (×1/3) the
    /// autocorrelation rows are near their peak and the Fourier rows near zero, and at 360 BPM (×3) the other way round:
    /// the pair tells a sub-multiple from a multiple, which neither does alone.
    /// </summary>
    [Fact]
    public void ClickTrackAt120_AutocorrelationHasTheThirdBelow_FourierTheThirdAbove()
    {
        var grid = new LogTempogramConfig();
        var click = TestSignals.ClickTrack(120, 6);
        var acf = Tempogram(click, TempogramKind.Autocorrelation);
        var dft = Tempogram(click, TempogramKind.Fourier);
        float At(float[] t, double bpm) => t[(int)Math.Round(grid.BinOf(bpm))];
        Assert.True(At(acf, 40) > 0.5 * acf.Max(), $"autocorrelation at 40 BPM {At(acf, 40):F3} of peak {acf.Max():F3}");
        Assert.True(At(dft, 40) < 0.2 * dft.Max(), $"Fourier at 40 BPM {At(dft, 40):F3} of peak {dft.Max():F3}");
        Assert.True(At(dft, 360) > 0.5 * dft.Max(), $"Fourier at 360 BPM {At(dft, 360):F3} of peak {dft.Max():F3}");
        Assert.True(At(acf, 360) < 0.2 * acf.Max(), $"autocorrelation at 360 BPM {At(acf, 360):F3} of peak {acf.Max():F3}");
        double peakBpm = grid.BpmAt(Array.IndexOf(dft, dft.Max()));
        Assert.True(new[] { 120.0, 240, 360, 480 }.Any(m => Math.Abs(peakBpm / m - 1) < 0.04), $"Fourier peak at {peakBpm:F1} BPM");
    }

    [Fact]
    public void BothKinds_AreTheAutocorrelationRowsThenTheFourierRows()
    {
        var click = TestSignals.ClickTrack(97, 6);
        using var both = Rows(click, TempogramKind.Both);
        using var acf = Rows(click, TempogramKind.Autocorrelation);
        using var dft = Rows(click, TempogramKind.Fourier);
        Assert.True(both[.., ..4].allclose(acf, rtol: 1e-4, atol: 1e-5));
        Assert.True(both[.., 4..].allclose(dft, rtol: 1e-4, atol: 1e-5));
    }

    /// <summary>The chunk-length matrices are built on the first call, inside its dispose scope; a second call must find them alive.</summary>
    [Fact]
    public void OneFrontEnd_GivesTheSameFourierRowsOnEveryCall()
    {
        using var mel = new LogMelFrontEnd(Input);
        using var tg = new LogTempogramFrontEnd(Input, new LogTempogramConfig(Kind: TempogramKind.Fourier));
        using var spec = mel.Forward(new[] { TestSignals.ClickTrack(120, 6) }, Input.ChunkSamples);
        using var first = tg.Forward(spec);
        using var second = tg.Forward(spec);
        Assert.True(first.allclose(second));
    }

    [Fact]
    public void FourierRows_DoNotDependOnTheLevel_AndSilenceReadsZero()
    {
        // A noise floor 40 dB down, as recordings have: between the clicks of a digitally silent track the log-mel sits at
        // log(1e-7), so a click's rise from there, unlike a rise above a floor, depends on its level.
        var rng = new Random(5);
        var click = TestSignals.ClickTrack(133, 6).Select(v => v + 0.01f * (float)(rng.NextDouble() * 2 - 1)).ToArray();
        using var loud = Rows(click, TempogramKind.Fourier);
        using var quiet = Rows(click.Select(v => v * 0.1f).ToArray(), TempogramKind.Fourier);
        Assert.True(loud.allclose(quiet, rtol: 1e-2, atol: 1e-3));
        using var silence = Rows(new float[Input.ChunkSamples], TempogramKind.Fourier);
        Assert.Equal(0f, silence.abs().max().item<float>(), 5);
    }

    [Theory]
    [InlineData(0.85)]
    [InlineData(1.19)]
    public void WsolaStretchedClickTrack_IsShiftedByLog2AlphaTimesBinsPerOctave(double alpha)
    {
        var source = TestSignals.ClickTrack(110, 8);
        foreach (var kind in new[] { TempogramKind.Autocorrelation, TempogramKind.Fourier })
        {
            var a = Tempogram(source[..Input.ChunkSamples], kind);
            var b = Tempogram(new TimeStretcher().Stretch(source, alpha, 44100, Input.ChunkSamples), kind);
            double expected = Math.Log2(alpha) * 24;
            Assert.InRange(BestShift(a, b, 12), expected - 1, expected + 1);
        }
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
