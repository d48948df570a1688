using EquiTempo.Features;
using Xunit.Abstractions;
using static TorchSharp.torch;
using EquiTempo.Training.Stretching;

namespace EquiTempo.Tests.Features;

[Collection(LibTorchRngCollection.Name)]
public class FeatureTimeStretchTests(ITestOutputHelper output)
{
    private const int Bands = 81, Frames = 1361;
    private static readonly float Pad = (float)Math.Log(1e-7);

    /// <summary>A "beat" every <paramref name="period"/> frames: a Gaussian bump (σ = 2 frames) in every band
    /// over a floor, band-dependent height so the bands are not copies of each other.</summary>
    private static float[] PulseSpectrogram(double period, int bands = Bands, int frames = Frames)
    {
        var spec = new float[bands * frames];
        for (int b = 0; b < bands; b++)
            for (int t = 0; t < frames; t++)
            {
                double phase = (t - 10) % period;
                double d = Math.Min(phase, period - phase);
                spec[b * frames + t] = (float)(-10 + (4 + 4.0 * b / bands) * Math.Exp(-d * d / 8));
            }
        return spec;
    }

    /// <summary>Median spacing of the peaks of the band-mean curve, each peak refined by a parabola through
    /// its three samples, over the first <paramref name="validFrames"/> frames.</summary>
    private static double MeasuredPeriod(float[] spec, int bands, int frames, int validFrames)
    {
        var mean = new double[validFrames];
        for (int b = 0; b < bands; b++)
            for (int t = 0; t < validFrames; t++) mean[t] += spec[b * frames + t] / (double)bands;
        double lo = mean.Min(), hi = mean.Max(), half = (lo + hi) / 2;
        var peaks = new List<double>();
        for (int t = 1; t + 1 < validFrames; t++)
            if (mean[t] > half && mean[t] >= mean[t - 1] && mean[t] > mean[t + 1])
            {
                double denom = mean[t - 1] - 2 * mean[t] + mean[t + 1];
                peaks.Add(t + (denom == 0 ? 0 : 0.5 * (mean[t - 1] - mean[t + 1]) / denom));
            }
        var diffs = new double[peaks.Count - 1];
        for (int i = 0; i < diffs.Length; i++) diffs[i] = peaks[i + 1] - peaks[i];
        Array.Sort(diffs);
        return diffs[diffs.Length / 2];
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(1.1)]
    [InlineData(1.2)]
    public void Periodic_pattern_period_scales_by_one_over_alpha(double alpha)
    {
        const double period = 50;   // 120 BPM at 100 frames/s
        var spec = PulseSpectrogram(period);
        var y = FeatureTimeStretch.Stretch(spec, Bands, Frames, alpha, Frames, Pad);
        int valid = Math.Min(Frames, (int)Math.Floor((Frames - 1) / alpha));
        double measured = MeasuredPeriod(y, Bands, Frames, valid);
        double error = measured / (period / alpha) - 1;
        output.WriteLine($"alpha={alpha}: period {measured:F4} frames, expected {period / alpha:F4}, error {error * 100:F4} %");
        Assert.InRange(Math.Abs(error), 0, 0.01);
    }

    [Fact]
    public void Alpha_one_is_identity()
    {
        var spec = PulseSpectrogram(37.3);
        Assert.Equal(spec, FeatureTimeStretch.Stretch(spec, Bands, Frames, 1.0, Frames, Pad));

        using var t = tensor(spec, new long[] { 1, 1, Bands, Frames });
        using var y = FeatureTimeStretch.Stretch(t, new[] { 1.0 }, Frames, Pad);
        Assert.Equal(spec, y.data<float>().ToArray());
    }

    [Fact]
    public void Linear_ramp_is_resampled_exactly_and_padded_past_the_end()
    {
        // x[t] = t: linear interpolation must return t·alpha wherever both neighbours are real frames.
        const int frames = 100, outFrames = 120;
        const double alpha = 1.3;
        var ramp = new float[2 * frames];
        for (int t = 0; t < frames; t++) { ramp[t] = t; ramp[frames + t] = -t; }
        var y = FeatureTimeStretch.Stretch(ramp, 2, frames, alpha, outFrames, Pad);
        Assert.Equal(2 * outFrames, y.Length);
        for (int t = 0; t < outFrames; t++)
        {
            double pos = t * alpha;
            if (pos <= frames - 1)
            {
                Assert.Equal(pos, y[t], 4);
                Assert.Equal(-pos, y[outFrames + t], 4);
            }
            else if (pos >= frames)
            {
                Assert.Equal(Pad, y[t]);
                Assert.Equal(Pad, y[outFrames + t]);
            }
            else   // between the last frame and the padding
                Assert.Equal((frames - 1) + (pos - (frames - 1)) * (Pad - (frames - 1)), y[t], 3);
        }
    }

    [Fact]
    public void Slowing_down_pads_nothing_and_shortening_output_crops()
    {
        var spec = PulseSpectrogram(50);
        var y = FeatureTimeStretch.Stretch(spec, Bands, Frames, 0.8, 500, Pad);
        Assert.Equal(Bands * 500, y.Length);
        Assert.DoesNotContain(Pad, y);
    }

    [Fact]
    public void Both_overloads_agree()
    {
        var rng = new Random(5);
        double[] alphas = { 0.8, 0.93, 1.0, 1.2, 1.07 };
        int batch = alphas.Length;
        foreach (int outFrames in new[] { 1000, Frames, 1700 })
        {
            var data = new float[batch * Bands * Frames];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 20 - 16);
            using var t = tensor(data, new long[] { batch, 1, Bands, Frames });
            using var y = FeatureTimeStretch.Stretch(t, alphas, outFrames, Pad);
            Assert.Equal(new long[] { batch, 1, Bands, outFrames }, y.shape);
            var got = y.data<float>().ToArray();
            double maxDiff = 0;
            for (int b = 0; b < batch; b++)
            {
                var expected = FeatureTimeStretch.Stretch(data.AsSpan(b * Bands * Frames, Bands * Frames), Bands, Frames, alphas[b], outFrames, Pad);
                for (int i = 0; i < expected.Length; i++)
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - got[b * expected.Length + i]));
            }
            output.WriteLine($"outFrames={outFrames}: max |cpu − torch| = {maxDiff:E2}");
            Assert.InRange(maxDiff, 0, 1e-5);
        }
    }

    [Fact]
    public void Tensor_overload_handles_channels_and_keeps_dtype()
    {
        using var t = rand(2, 3, 4, 50);
        using var y = FeatureTimeStretch.Stretch(t, new[] { 0.9, 1.1 }, 60, Pad);
        Assert.Equal(new long[] { 2, 3, 4, 60 }, y.shape);
        Assert.Equal(t.dtype, y.dtype);
        using var d = t.to_type(ScalarType.Float64);
        using var yd = FeatureTimeStretch.Stretch(d, new[] { 0.9, 1.1 }, 60, Pad);
        Assert.Equal(ScalarType.Float64, yd.dtype);
    }

    [Fact]
    public void Empty_and_degenerate_shapes()
    {
        Assert.Empty(FeatureTimeStretch.Stretch(new float[10], 2, 5, 1.1, 0, Pad));
        var allPad = FeatureTimeStretch.Stretch(ReadOnlySpan<float>.Empty, 3, 0, 1.1, 4, Pad);
        Assert.All(allPad, v => Assert.Equal(Pad, v));
        using var t = zeros(2, 1, 3, 0);
        using var y = FeatureTimeStretch.Stretch(t, new[] { 1.0, 1.2 }, 4, Pad);
        Assert.All(y.data<float>().ToArray(), v => Assert.Equal(Pad, v));
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        var spec = new float[20];
        Assert.Throws<ArgumentException>(() => FeatureTimeStretch.Stretch(spec, 3, 5, 1.0, 5, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureTimeStretch.Stretch(spec, 4, 5, 0.0, 5, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureTimeStretch.Stretch(spec, 4, 5, double.NaN, 5, Pad));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureTimeStretch.Stretch(spec, 4, 5, 1.0, -1, Pad));
        using var t = zeros(2, 1, 4, 5);
        Assert.Throws<ArgumentException>(() => FeatureTimeStretch.Stretch(t, new[] { 1.0 }, 5, Pad));
        using var t3 = zeros(1, 4, 5);
        Assert.Throws<ArgumentException>(() => FeatureTimeStretch.Stretch(t3, new[] { 1.0 }, 5, Pad));
    }
}
