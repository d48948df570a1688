using EquiTempo.Features;
using static TorchSharp.torch;

namespace EquiTempo.Tests.Features;

public class LogMelFrontEndTests
{
    [Fact]
    public void PaperExcerpt_Gives81By1361()
    {
        using var fe = new LogMelFrontEnd();
        using var spec = fe.Forward(new float[600_000]);
        Assert.Equal(new long[] { 1, 81, 1361 }, spec.shape);
        Assert.Equal(1361, fe.Input.ChunkFrames);
    }

    [Fact]
    public void Batch_GivesChannelDimension()
    {
        using var fe = new LogMelFrontEnd();
        using var x = zeros(3, 44100);
        using var spec = fe.Forward(x);
        Assert.Equal(new long[] { 3, 1, 81, 101 }, spec.shape);
    }

    /// <summary>The front end computes one waveform at a time for speed; the batch must equal the reference
    /// formula (torchaudio's pipeline) applied to the whole batch at once.</summary>
    [Fact]
    public void Batch_EqualsWholeBatchStftReference()
    {
        using var fe = new LogMelFrontEnd();
        var rng = new Random(5);
        int n = 60_000;
        var data = new float[3 * n];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5) * (i / n + 1) * 0.3f;
        using var x = tensor(data, new long[] { 3, n });
        using var got = fe.Forward(x);
        using var window = hann_window(fe.Config.FftSize, periodic: true);
        using var basis = tensor(LogMelFrontEnd.MelFilterbank(fe.Input.SampleRate, fe.Config.FftSize, fe.Input.MelBands, fe.Config.MinHz, fe.Config.MaxHz),
            new long[] { fe.Config.FftSize / 2 + 1, fe.Input.MelBands });
        using var spec = stft(x, fe.Config.FftSize, hop_length: fe.Input.HopLength, win_length: fe.Config.FftSize, window: window,
            center: true, pad_mode: TorchSharp.PaddingModes.Reflect, onesided: true, return_complex: true);
        using var expected = (matmul(spec.abs().transpose(1, 2), basis).transpose(1, 2) + fe.Config.LogOffset).log().unsqueeze(1);
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().item<float>() < 1e-4f, "batched front end differs from the whole-batch reference");
        // and the rows differ from each other (the signal's loudness grows from row to row), so a mix-up would show
        Assert.True((got[0] - got[2]).abs().max().item<float>() > 0.5f);
    }

    [Fact]
    public void Silence_IsLogOfOffset()
    {
        using var fe = new LogMelFrontEnd();
        using var spec = fe.Forward(new float[44100]);
        float expected = (float)Math.Log(1e-7);
        Assert.All(spec.data<float>().ToArray(), v => Assert.Equal(expected, v, 3));
    }

    [Theory]
    [InlineData(100.0)]
    [InlineData(440.0)]
    [InlineData(1000.0)]
    [InlineData(5000.0)]
    [InlineData(12000.0)]
    public void Sine_LandsInTheBandCentredNearItsFrequency(double hz)
    {
        using var fe = new LogMelFrontEnd();
        var x = Enumerable.Range(0, 44100).Select(n => (float)(0.5 * Math.Sin(2 * Math.PI * hz * n / 44100))).ToArray();
        using var spec = fe.Forward(x);
        var frame = spec[0, .., 50].data<float>().ToArray();
        int best = Array.IndexOf(frame, frame.Max());
        var centres = fe.BandCentresHz();
        int nearest = Enumerable.Range(0, 81).OrderBy(m => Math.Abs(HtkMel(centres[m]) - HtkMel(hz))).First();
        Assert.InRange(best, nearest - 1, nearest + 1);
    }

    [Fact]
    public void BinCentredSine_MatchesIndependentlyComputedMelEnergy()
    {
        // A unit sine on FFT bin k under a periodic Hann window of N has |X[k]| = N/4 and |X[k±1]| = N/8.
        // Mel energy is then the triangular weights (built here from the HTK formula) times those magnitudes.
        const int n = 2048, k = 100, sr = 44100;
        double hz = (double)k * sr / n;
        var x = Enumerable.Range(0, sr).Select(i => (float)Math.Sin(2 * Math.PI * hz * i / sr)).ToArray();
        using var fe = new LogMelFrontEnd();
        using var spec = fe.Forward(x);
        var frame = spec[0, .., 50].data<float>().ToArray();
        double Tri(int bin, int m)
        {
            double f = (double)bin * (sr / 2) / (n / 2);
            double lo = HtkMelToHz(HtkMel(30) + (HtkMel(17000) - HtkMel(30)) * m / 82.0);
            double c = HtkMelToHz(HtkMel(30) + (HtkMel(17000) - HtkMel(30)) * (m + 1) / 82.0);
            double hi = HtkMelToHz(HtkMel(30) + (HtkMel(17000) - HtkMel(30)) * (m + 2) / 82.0);
            return Math.Max(0, Math.Min((f - lo) / (c - lo), (hi - f) / (hi - c)));
        }
        int checkedBands = 0;
        for (int m = 0; m < 81; m++)
        {
            double e = Tri(k, m) * n / 4 + (Tri(k - 1, m) + Tri(k + 1, m)) * n / 8;
            if (e < 1) continue;
            Assert.Equal(Math.Log(e + 1e-7), frame[m], 2);
            checkedBands++;
        }
        Assert.InRange(checkedBands, 1, 3);
    }

    [Fact]
    public void ShortInput_StillGivesFrames()
    {
        using var fe = new LogMelFrontEnd();
        using var spec = fe.Forward(new float[100]);
        Assert.Equal(81, spec.shape[1]);
        Assert.Equal(1 + 1025 / 441, spec.shape[2]);   // zero-padded to n_fft/2 + 1 so reflect padding is defined
    }

    private static double HtkMel(double hz) => 2595 * Math.Log10(1 + hz / 700);
    private static double HtkMelToHz(double m) => 700 * (Math.Pow(10, m / 2595) - 1);
}
