using EquiTempo.Audio;
using Xunit.Abstractions;
using static EquiTempo.Tests.Audio.AudioTestFiles;

namespace EquiTempo.Tests.Audio;

public class ResamplerTests(ITestOutputHelper output)
{
    private double GainDb(double hz, int from, int to)
    {
        var x = Sine(hz, from, 2);
        var y = Resampler.Resample(x, from, to);
        double gain = Db(Rms(y) / Rms(x));
        output.WriteLine($"{hz} Hz {from}->{to}: {gain:F4} dB");
        return gain;
    }

    [Fact]
    public void OneKilohertzKeepsItsLevelAt48To44k1()
    {
        var x = Sine(1000, 48000, 2);
        var y = Resampler.Resample(x, 48000, 44100);
        double gain = Db(ToneAmplitude(y, 1000, 44100) / 0.5);
        output.WriteLine($"1 kHz 48k->44.1k: {gain:F5} dB"); // measured 0.0000 dB
        Assert.InRange(gain, -0.1, 0.1);
    }

    [Fact]
    public void TwentyKilohertzPassesAt48To44k1()
    {
        // 20 kHz is 0.907 of the new Nyquist frequency, just inside the 0.91 passband edge. Measured loss: < 0.001 dB.
        Assert.InRange(GainDb(20000, 48000, 44100), -0.1, 0.1);
    }

    [Fact]
    public void ThirtyKilohertzIsRejectedAt96To44k1()
    {
        // 30 kHz would alias to 14.1 kHz. Measured: -116 dB (design stopband 96 dB).
        Assert.True(GainDb(30000, 96000, 44100) <= -60);
    }

    [Theory]
    [InlineData(23000, 48000, 44100)]   // just above the new Nyquist frequency
    [InlineData(22500, 48000, 44100)]
    [InlineData(80000, 192000, 44100)]
    [InlineData(5000, 16000, 8000)]
    public void ToneAboveTheNewNyquistIsRejected(double hz, int from, int to)
    {
        Assert.True(GainDb(hz, from, to) <= -80);
    }

    [Theory]
    [InlineData(48000, 44100, 1000)]
    [InlineData(44100, 48000, 15000)]
    [InlineData(8000, 44100, 3000)]     // upsampling: passband is the input's
    [InlineData(192000, 44100, 10000)]
    [InlineData(44101, 44100, 1000)]    // ratio too fine for an exact table: interpolated phases
    [InlineData(22050, 16000, 5000)]
    public void OutputIsTheSameSineSampledAtTheNewRateWithoutDelay(int from, int to, double hz)
    {
        var y = Resampler.Resample(Sine(hz, from, 1), from, to);
        var expected = Sine(hz, to, (double)y.Length / to);
        double err = 0, sig = 0;
        for (int i = y.Length / 10; i < y.Length * 9 / 10; i++)
        {
            err += Math.Pow(y[i] - expected[i], 2);
            sig += Math.Pow(expected[i], 2);
        }
        double snr = 10 * Math.Log10(sig / err);
        output.WriteLine($"{from}->{to} {hz} Hz: SNR {snr:F1} dB");
        Assert.True(snr > 80, $"SNR {snr:F1} dB");
    }

    [Fact]
    public void EqualRatesReturnTheInputUnchanged()
    {
        var x = Sine(440, 44100, 0.1);
        var copy = (float[])x.Clone();
        var y = Resampler.Resample(x, 44100, 44100);
        Assert.Same(x, y);
        Assert.Equal(copy, y);
    }

    [Theory]
    [InlineData(48000, 44100, 48000, 44100)]
    [InlineData(48000, 44100, 1, 1)]
    [InlineData(44100, 48000, 44101, 48002)]
    [InlineData(8000, 44100, 999, 5507)]
    [InlineData(96000, 44100, 7, 4)]
    public void LengthIsCeilingOfScaledInputLength(int from, int to, int n, int expected)
    {
        Assert.Equal(expected, Resampler.Resample(new float[n], from, to).Length);
    }

    [Fact]
    public void EmptyInputGivesEmptyOutput()
    {
        Assert.Empty(Resampler.Resample([], 48000, 44100));
    }

    [Fact]
    public void ConstantStaysConstant()
    {
        var x = Enumerable.Repeat(0.5f, 10000).ToArray();
        var y = Resampler.Resample(x, 48000, 44100);
        // Away from the zero-padded ends the DC gain is exactly 1 for every phase.
        for (int i = 200; i < y.Length - 200; i++) Assert.Equal(0.5f, y[i], 1e-5f);
    }

    [Fact]
    public void StreamingInOddChunksMatchesOneShot()
    {
        // 13 s of noise: long enough for the one-shot form to split its work across threads.
        var noise = new Random(3);
        var x = new float[13 * 48000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(noise.NextDouble() - 0.5);
        var whole = Resampler.Resample(x, 48000, 44100);
        var r = new StreamingResampler(48000, 44100);
        var streamed = new List<float>();
        var buffer = new float[333];
        var rng = new Random(1);
        for (int offset = 0; offset < x.Length;)
        {
            int n = Math.Min(rng.Next(1, 50000), x.Length - offset);
            r.Push(x.AsSpan(offset, n));
            offset += n;
            int got;
            while ((got = r.Pull(buffer)) > 0) streamed.AddRange(buffer[..got]);
        }
        r.Finish();
        int last;
        while ((last = r.Pull(buffer)) > 0) streamed.AddRange(buffer[..last]);
        Assert.Equal(whole, streamed.ToArray());
    }

    [Fact]
    public void RejectsNonPositiveRates()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], 0, 44100));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.Resample(new float[10], 44100, -1));
    }
}
