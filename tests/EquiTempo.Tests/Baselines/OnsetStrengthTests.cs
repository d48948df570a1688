using EquiTempo.Baselines;
using EquiTempo.Features;
using EquiTempo.Training.Synthesis;

namespace EquiTempo.Tests.Baselines;

public class OnsetStrengthTests
{
    private const int Sr = 22050;

    [Fact]
    public void Click_PeaksAtItsOwnFrame_AndTheLengthIsThatOfACentredStft()
    {
        using var onsets = new OnsetStrength();
        var x = new float[3 * Sr + 100];
        for (int j = 0; j < 40; j++) x[Sr + j] = 0.8f * (j % 2 == 0 ? 1 : -1);      // a 2 ms click at 1.0 s
        var env = onsets.Compute(x);
        Assert.Equal(1 + x.Length / 512, env.Length);
        int peak = Array.IndexOf(env, env.Max());
        Assert.InRange(peak, 42, 44);                                               // 1.0 s × 43.07 frames/s
        Assert.All(env.Take(30), v => Assert.Equal(0f, v));                          // nothing before the click
    }

    [Fact]
    public void BlockByBlock_EqualsTheWholeSignal()
    {
        // The loudest sound comes first, so the streaming top_db floor is the whole signal's from the start.
        var drums = DrumPatternRenderer.Render(117, seed: 4, new DrumRenderConfig(SampleRate: Sr, Seconds: 6));
        var x = new float[drums.Length + Sr / 2];
        for (int j = 0; j < 200; j++) x[100 + j] = j % 2 == 0 ? 1f : -1f;
        for (int i = 0; i < drums.Length; i++) x[Sr / 2 + i] += 0.5f * drums[i];
        using var onsets = new OnsetStrength();
        var whole = onsets.Compute(x);
        var stream = onsets.Begin();
        for (int start = 0; start < x.Length; start += 3001)
            stream.Add(x.AsSpan(start, Math.Min(3001, x.Length - start)));
        var blocks = stream.Finish();
        Assert.Equal(whole.Length, blocks.Length);
        float scale = whole.Max();
        for (int i = 0; i < whole.Length; i++) Assert.True(Math.Abs(whole[i] - blocks[i]) <= 1e-4f * scale, $"frame {i}: {whole[i]} vs {blocks[i]}");
    }

    [Fact]
    public void SlaneyMelScale_IsLinearTo1kHz_ThenLogarithmic()
    {
        Assert.Equal(15.0, LogMelFrontEnd.HzToMel(1000, MelScale.Slaney), 9);
        Assert.Equal(7.5, LogMelFrontEnd.HzToMel(500, MelScale.Slaney), 9);
        Assert.Equal(42.0, LogMelFrontEnd.HzToMel(6400, MelScale.Slaney), 9);        // 27 mels per factor 6.4
        foreach (double hz in new[] { 0.0, 440, 999, 1001, 11025 })
            Assert.Equal(hz, LogMelFrontEnd.MelToHz(LogMelFrontEnd.HzToMel(hz, MelScale.Slaney), MelScale.Slaney), 6);
    }

    [Fact]
    public void AreaNormalisedBands_EachSumToTwoOverTheirHzSpan()
    {
        // On a dense frequency grid a triangle of height h over span w has area h·w/2 = 1 when h = 2/w.
        const int fft = 16384, bands = 20;
        var fb = LogMelFrontEnd.MelFilterbank(Sr, fft, bands, 0, Sr / 2.0, MelScale.Slaney, areaNormalised: true);
        double binHz = (double)Sr / fft;
        for (int m = 0; m < bands; m++)
        {
            double area = 0;
            for (int k = 0; k <= fft / 2; k++) area += fb[k * bands + m] * binHz;
            Assert.Equal(1.0, area, 2);
        }
    }
}
