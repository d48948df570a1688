using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Stretching;
using EquiTempo.Training.Synthesis;
using Xunit.Abstractions;

namespace EquiTempo.Tests.Beats;

/// <summary>
/// Beats of songs the program composes (<see cref="MidiSongComposer"/>) and renders with fluidsynth: every part is on
/// the quarter-note grid from tick 0, so beat k lies at k · 60 / bpm by construction. Also: a WSOLA-stretched copy
/// moves tempo and beats by the stretch, and beats tracked from an estimate's own onset envelope are those tracked
/// from the file.
/// </summary>
public class RenderedSongBeatTests(ITestOutputHelper output) : IDisposable
{
    private const int Sr = 22050;
    private const double Seconds = 20;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-songbeats-{Guid.NewGuid():N}");

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    /// <summary>The song's wav file and its beats up to the end of the composed bars (the render's reverb tail has none).</summary>
    private (string Wav, double[] Beats) Song(double bpm, int seed) => ComposedSong(_dir, bpm, seed, Seconds);

    /// <summary>A composed song (drums always) rendered into <paramref name="dir"/>, and its quarter-note grid.</summary>
    internal static (string Wav, double[] Beats) ComposedSong(string dir, double bpm, int seed, double seconds)
    {
        Directory.CreateDirectory(dir);
        var song = MidiSongComposer.Compose(bpm, seed, new SongConfig(seconds, NoDrumsProbability: 0));
        string mid = Path.Combine(dir, $"{bpm}-{seed}.mid"), wav = Path.ChangeExtension(mid, ".wav");
        File.WriteAllBytes(mid, song.Midi);
        new FluidSynthRenderer().Render(mid, wav);
        int bars = (int)Math.Ceiling(seconds * bpm / 240.0);
        var beats = Enumerable.Range(0, 4 * bars).Select(k => k * 60.0 / bpm).ToArray();
        return (wav, beats);
    }

    private BeatScores Score(string label, double[] reference, BeatTrack track) => Score(output, label, reference, track);

    /// <summary>The track's scores against <paramref name="reference"/>, written to the test output.</summary>
    internal static BeatScores Score(ITestOutputHelper output, string label, double[] reference, BeatTrack track)
    {
        var s = BeatMetrics.Evaluate(reference, track.Times);
        output.WriteLine($"{label}: tracked at {track.Bpm:F2} BPM ({track.TempoSource}) on {track.Activation}, {track.Times.Length} beats, F {s.FMeasure:F3}, CMLt {s.CmlT:F3}, AMLt {s.AmlT:F3}");
        return s;
    }

    [Theory]
    [InlineData(60.0, 1)]
    [InlineData(90.0, 2)]
    [InlineData(120.0, 3)]
    [InlineData(150.0, 4)]
    [InlineData(200.0, 5)]
    public void RenderedSong_AtItsTempo_BeatsFallOnTheGrid(double bpm, int seed)
    {
        var (wav, beats) = Song(bpm, seed);
        using var tracker = new BeatTracker();
        var s = Score($"{bpm} BPM song", beats, tracker.Track(wav, bpm));
        Assert.True(s.FMeasure >= 0.95, $"F {s.FMeasure:F3} at {bpm} BPM");
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.25)]
    public void StretchedCopy_MovesTempoAndBeatsByAlpha(double alpha)
    {
        const double bpm = 110;
        var (wav, beats) = Song(bpm, seed: 7);
        var audio = AudioDecoder.DecodeMono(wav, Sr);
        var stretched = new AudioBuffer(new TimeStretcher().Stretch(audio.Samples, alpha, Sr), Sr);
        using var dsp = new DspTempoEstimator();
        using var tracker = new BeatTracker();
        var original = dsp.Estimate(audio.Samples, Sr, name: "song");
        var copy = dsp.Estimate(stretched.Samples, Sr, name: $"song × {alpha}");
        output.WriteLine($"tempo {original.Bpm:F2} → {copy.Bpm:F2} BPM (ratio {copy.Bpm / original.Bpm:F4}, α {alpha})");
        Assert.InRange(copy.Bpm / original.Bpm, alpha * 0.96, alpha * 1.04);
        // The copy's beats are the original's grid at times / α, tracked at the copy's own estimated tempo.
        var moved = beats.Select(t => t / alpha).Where(t => t < stretched.DurationSeconds).ToArray();
        var s = Score($"copy × {alpha}", moved, tracker.Track(copy));
        Assert.True(s.FMeasure >= 0.95, $"F {s.FMeasure:F3} on the copy stretched by {alpha}");
    }

    [Fact]
    public void BeatsFromAnEstimate_AreTheBeatsOfItsFile()
    {
        Directory.CreateDirectory(_dir);
        string wav = Path.Combine(_dir, "clicks.wav");
        WavWriter.WriteMono16(wav, TestSignals.ClickTrack(120, 30, 44100), 44100);
        var clicks = BeatTrackerTests.ClickTimes(120, 30);
        using var tracker = new BeatTracker();
        using var dsp = new DspTempoEstimator();
        using var model = TempoEstimator.Load();
        foreach (ITempoMethod method in new ITempoMethod[] { dsp, model })
        {
            var estimate = method.Estimate(wav);
            Assert.NotNull(estimate.Onsets);
            var shared = tracker.Track(estimate);
            var fromFile = tracker.Track(wav, estimate.Bpm);
            Score($"{method.Name}, from the estimate", clicks, shared);
            Assert.Equal(fromFile.Times.Length, shared.Times.Length);
            // One onset frame (23 ms) at most apart: the estimator's envelope is the same analysis at its own rate.
            Assert.All(shared.Times.Zip(fromFile.Times), p => Assert.True(Math.Abs(p.First - p.Second) <= 0.024, $"{p.First:F3} against {p.Second:F3}"));
            Assert.Equal(estimate.Bpm, shared.Bpm);
        }
    }
}
