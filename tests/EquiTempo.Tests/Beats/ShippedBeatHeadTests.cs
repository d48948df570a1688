using EquiTempo.Audio;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using EquiTempo.Tests.Signals;
using EquiTempo.Training.Stretching;
using Xunit.Abstractions;

namespace EquiTempo.Tests.Beats;

/// <summary>
/// The shipped beat head (<see cref="ShippedModels.Beats"/>), which the command line tracks beats on by default, on
/// signals whose beats are known by construction: click tracks (noise bursts, a timbre it never trained on) and songs
/// the program composes and renders with fluidsynth, at 60–200 BPM, and a stretched copy.
/// </summary>
public class ShippedBeatHeadTests(ITestOutputHelper output) : IDisposable
{
    private const int Sr = 44100;
    private const double Seconds = 30;
    private static readonly Lazy<ModelBeatActivation> Head = new(() => ModelBeatActivation.Load(ShippedModels.Beats));
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-headbeats-{Guid.NewGuid():N}");

    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private BeatScores Score(string label, double[] reference, BeatTrack track)
    {
        Assert.Equal(ModelBeatActivation.SourceName, track.Activation);
        return RenderedSongBeatTests.Score(output, label, reference, track);
    }

    [Fact]
    public void ShippedBeatsModel_HasABeatHead_AndSaysWhatItLearntFrom()
    {
        var meta = ShippedModels.ReadMetadata(ShippedModels.Beats);
        Assert.True(meta.Network.BeatHead);
        Assert.Contains("beats from the renderer", meta.PreferredReadout!.Source);
    }

    [Theory]
    [InlineData(60.0)]
    [InlineData(90.0)]
    [InlineData(120.0)]
    [InlineData(150.0)]
    [InlineData(200.0)]
    public void ClickTrack_AtItsTempo_BeatsFallOnTheClicks(double bpm)
    {
        using var tracker = new BeatTracker(activation: Head.Value);
        var track = tracker.Track(new AudioBuffer(TestSignals.ClickTrack(bpm, Seconds, Sr), Sr), bpm, "clicks");
        var s = Score($"{bpm} BPM clicks", BeatTrackerTests.ClickTimes(bpm, Seconds), track);
        Assert.True(s.FMeasure >= 0.95, $"F {s.FMeasure:F3} at {bpm} BPM");
    }

    private (AudioBuffer Audio, double[] Beats) Song(double bpm, int seed)
    {
        var (wav, beats) = RenderedSongBeatTests.ComposedSong(_dir, bpm, seed, 20);
        return (AudioDecoder.DecodeMono(wav, Sr), beats);
    }

    [Theory]
    [InlineData(60.0, 1)]
    [InlineData(90.0, 2)]
    [InlineData(120.0, 3)]
    [InlineData(150.0, 4)]
    [InlineData(200.0, 5)]
    public void RenderedSong_AtItsTempo_BeatsFallOnTheGrid(double bpm, int seed)
    {
        var (audio, beats) = Song(bpm, seed);
        using var tracker = new BeatTracker(activation: Head.Value);
        var s = Score($"{bpm} BPM song", beats, tracker.Track(audio, bpm, "song"));
        Assert.True(s.FMeasure >= 0.95, $"F {s.FMeasure:F3} at {bpm} BPM");
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.25)]
    public void StretchedCopy_MovesTempoAndBeatsByAlpha(double alpha)
    {
        const double bpm = 110;
        var (audio, beats) = Song(bpm, seed: 7);
        var stretched = new AudioBuffer(new TimeStretcher().Stretch(audio.Samples, alpha, Sr), Sr);
        using var estimator = TempoEstimator.Load();
        using var tracker = new BeatTracker(estimator, activation: Head.Value);
        var original = tracker.Track(audio, "song");
        var copy = tracker.Track(stretched, $"song × {alpha}");
        output.WriteLine($"tempo {original.Bpm:F2} → {copy.Bpm:F2} BPM (ratio {copy.Bpm / original.Bpm:F4}, α {alpha})");
        Assert.InRange(copy.Bpm / original.Bpm, alpha * 0.96, alpha * 1.04);
        Assert.True(Score("original", beats, original).FMeasure >= 0.95);
        var moved = beats.Select(t => t / alpha).Where(t => t < stretched.DurationSeconds).ToArray();
        var s = Score($"copy × {alpha}", moved, copy);
        Assert.True(s.FMeasure >= 0.95, $"F {s.FMeasure:F3} on the copy stretched by {alpha}");
    }
}
