using EquiTempo.Beats;

namespace EquiTempo.Tests.Beats;

public class BeatSonifierTests
{
    private const int Rate = 22050;

    /// <summary>Correlation of 20 ms of <paramref name="x"/> from <paramref name="start"/> with a sine of <paramref name="hz"/>
    /// (magnitude of the single-bin DFT): which click sounds there.</summary>
    private static double Energy(float[] x, double startSeconds, double hz)
    {
        int s = (int)(startSeconds * Rate), n = Rate / 50;
        double re = 0, im = 0;
        for (int i = 0; i < n; i++) { re += x[s + i] * Math.Cos(2 * Math.PI * hz * i / Rate); im += x[s + i] * Math.Sin(2 * Math.PI * hz * i / Rate); }
        return Math.Sqrt(re * re + im * im);
    }

    [Fact]
    public void Downbeats_ClickAnOctaveHigher_OtherBeatsAt1kHz_AndTheAudioIsKeptAtHalf()
    {
        var audio = Enumerable.Repeat(0.2f, 3 * Rate).ToArray();
        double[] times = { 0.5, 1.0, 1.5, 2.0 };
        var mix = BeatSonifier.Mix(audio, Rate, times, new[] { 1, 2, 3, 1 });
        foreach (var (t, downbeat) in new[] { (0.5, true), (1.0, false), (1.5, false), (2.0, true) })
        {
            double high = Energy(mix, t, BeatSonifier.DownbeatClickHz), low = Energy(mix, t, BeatSonifier.ClickHz);
            Assert.True(downbeat ? high > 10 * low : low > 10 * high, $"beat at {t} s: 2 kHz {high:F2}, 1 kHz {low:F2}");
        }
        Assert.Equal(0.1f, mix[Rate / 4], 6);                          // between clicks: the audio, 6 dB down
        var unnumbered = BeatSonifier.Mix(audio, Rate, times);
        Assert.True(Energy(unnumbered, 0.5, BeatSonifier.ClickHz) > 10 * Energy(unnumbered, 0.5, BeatSonifier.DownbeatClickHz));
        Assert.Throws<ArgumentException>(() => BeatSonifier.Mix(audio, Rate, times, new[] { 1, 2 }));
    }
}
