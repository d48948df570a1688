using EquiTempo.Training.Synthesis;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Synthesis;

public class DrumPatternRendererTests
{
    [Theory]
    [InlineData(70.0)]
    [InlineData(120.0)]
    [InlineData(175.0)]
    public void ClickPattern_HasItsBeatAtTheRequestedTempo(double bpm)
    {
        var x = DrumPatternRenderer.Render(bpm, seed: 3, new DrumRenderConfig(Seconds: 12), patternIndex: 4);
        var onsets = TestSignals.OnsetTimes(x, 44100);
        Assert.InRange(TestSignals.MedianBpm(onsets), bpm * 0.99, bpm * 1.01);
    }

    [Fact]
    public void Renders_AreDeterministicPerSeedAndBounded()
    {
        var a = DrumPatternRenderer.Render(128, seed: 5);
        var b = DrumPatternRenderer.Render(128, seed: 5);
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.InRange(v, -1f, 1f));
        Assert.Contains(a, v => Math.Abs(v) > 0.1f);
    }

    [Fact]
    public void NonPositiveTempoOrLength_IsRejected_NamingTheSetting()
    {
        Assert.Contains("bpm", Assert.Throws<EquiTempoException>(() => DrumPatternRenderer.Render(0, 1)).Message);
        Assert.Contains("bpm", Assert.Throws<EquiTempoException>(() => DrumPatternRenderer.Render(double.NaN, 1)).Message);
        // -5 s once overflowed the sample count (an OverflowException trace from render-rhythms).
        Assert.Contains("Seconds", Assert.Throws<EquiTempoException>(() => DrumPatternRenderer.Render(120, 1, new DrumRenderConfig(Seconds: -5))).Message);
        Assert.Contains("Seconds", Assert.Throws<EquiTempoException>(() => DrumPatternRenderer.Render(120, 1, new DrumRenderConfig(Seconds: 1e6))).Message);
    }
}
