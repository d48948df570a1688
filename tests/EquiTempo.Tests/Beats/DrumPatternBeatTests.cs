using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Synthesis;
using Xunit.Abstractions;

namespace EquiTempo.Tests.Beats;

/// <summary>
/// The beat tracker on the synthesised drum patterns of <see cref="DrumPatternRenderer"/> (rock, four on the floor,
/// syncopated 16ths, sparse, click, funk), whose beats are known by construction: a quarter note every 60/bpm s from
/// the first hit. The README's drum-pattern figures are this test's output.
/// </summary>
public class DrumPatternBeatTests(ITestOutputHelper output)
{
    private const int Sr = 22050;
    private const double Seconds = 30;
    private static readonly double[] Tempi = { 72, 96, 118, 135, 164 };

    private static (float[] Audio, double[] Beats) Pattern(int pattern, double bpm)
    {
        var audio = DrumPatternRenderer.Render(bpm, seed: 100 * pattern + (int)bpm, new DrumRenderConfig(Sr, Seconds), pattern);
        double first = TestSignals.OnsetTimes(audio, Sr)[0];   // every pattern has a hit on its first step
        var beats = Enumerable.Range(0, (int)(Seconds * bpm / 60) + 1).Select(k => first + k * 60 / bpm).Where(t => t < Seconds - 0.01).ToArray();
        return (audio, beats);
    }

    private BeatScores Mean(string label, Func<float[], double, BeatTrack> track)
    {
        var scores = new List<BeatScores>();
        for (int p = 0; p < DrumPatternRenderer.Patterns.Length; p++)
            foreach (var bpm in Tempi)
            {
                var (audio, beats) = Pattern(p, bpm);
                scores.Add(BeatMetrics.Evaluate(beats, track(audio, bpm).Times));
            }
        var mean = new BeatScores(scores.Average(s => s.FMeasure), scores.Average(s => s.CmlC), scores.Average(s => s.CmlT), scores.Average(s => s.AmlC), scores.Average(s => s.AmlT));
        output.WriteLine($"{label}: {scores.Count} tracks, F {mean.FMeasure:F3}, CMLt {mean.CmlT:F3}, AMLt {mean.AmlT:F3}");
        return mean;
    }

    private static readonly BeatTracker Tracker = new();

    [Fact]
    public void DrumPatterns_AtTheirTempo_BeatsAreFound()
    {
        var known = Mean("known tempo", (audio, bpm) => Tracker.Track(new AudioBuffer(audio, Sr), bpm));
        Assert.True(known.FMeasure >= 0.9, $"F {known.FMeasure:F3}");
    }

    [Fact]
    public void DrumPatterns_AtAnEstimatedTempo_BeatsAreFoundAtSomeMetricalLevel()
    {
        var tempogram = Mean("tempogram", (audio, _) => Tracker.Track(new AudioBuffer(audio, Sr)));
        using var dsp = new DspTempoEstimator();
        using var withDsp = new BeatTracker(dsp);
        var dspScores = Mean("dsp tempo", (audio, _) => withDsp.Track(new AudioBuffer(audio, Sr)));
        using var model = TempoEstimator.Load();
        using var withModel = new BeatTracker(model);
        var modelScores = Mean("model tempo", (audio, _) => withModel.Track(new AudioBuffer(audio, Sr)));
        Assert.True(tempogram.AmlT >= 0.8, $"AMLt {tempogram.AmlT:F3}");
    }
}
