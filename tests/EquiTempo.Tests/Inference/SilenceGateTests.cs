using EquiTempo.Inference;
using EquiTempo.Tests.Signals;

namespace EquiTempo.Tests.Inference;

public class SilenceGateTests
{
    private readonly SilenceGate _gate = new(-70);

    [Fact]
    public void Silence_IsSilent_AClickIsVoiced()
    {
        Assert.False(_gate.IsVoiced(new float[44100]));
        var click = new float[44100];
        click[22050] = 0.5f;                                   // RMS ≈ -52 dBFS
        Assert.True(_gate.IsVoiced(click));
        Assert.True(_gate.IsVoiced(TestSignals.ClickTrack(120, 1)));
        Assert.False(_gate.IsVoiced([]));
    }

    [Fact]
    public void TheThresholdIsTheRms()
    {
        var quiet = Enumerable.Range(0, 1000).Select(i => (i % 2 == 0 ? 1 : -1) * (float)Math.Pow(10, -75 / 20.0)).ToArray();   // -75 dBFS
        Assert.False(_gate.IsVoiced(quiet));
        Assert.True(new SilenceGate(-80).IsVoiced(quiet));
    }

    [Fact]
    public void Mark_KeepsTheChunk_AndSetsVoiced()
    {
        var chunks = new[] { new AudioChunk(new float[100], 0, 8000), new AudioChunk(TestSignals.ClickTrack(120, 1, 8000), 100, 8000) };
        var marked = _gate.Mark(chunks).ToList();
        Assert.Equal([false, true], marked.Select(c => c.Voiced));
        Assert.Same(chunks[1].Samples, marked[1].Samples);
        Assert.Equal(100, marked[1].StartSample);
    }
}
