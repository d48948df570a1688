using EquiTempo.Audio;
using EquiTempo.Evaluation;
using EquiTempo.Tests.Beats;

namespace EquiTempo.Tests.Evaluation;

/// <summary>eval's downbeat F: scored where the reference has downbeats and the beats were numbered, absent otherwise.</summary>
public class DownbeatEvaluationTests : IDisposable
{
    private const double Seconds = 20;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-downbeat-eval-{Guid.NewGuid():N}");
    public DownbeatEvaluationTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    private (TempoEvaluationResult Result, string Report, string[] Csv) Evaluate(float[]? downbeats)
    {
        var beats = BarTrackerTests.BeatTimes(40);
        var numbers = beats.Select((_, k) => k % 4 + 1).ToArray();
        LabelledTrack Track(string name, string kind, bool withDownbeats)
        {
            var path = Path.Combine(_dir, name);
            WavWriter.WriteMono16(path, new float[(int)(Seconds * 8000)], 8000);
            return new LabelledTrack(path, 120, kind) { BeatTimes = beats, DownbeatTimes = withDownbeats ? beats.Where((_, k) => numbers[k] == 1).ToList() : null };
        }
        var tracks = new[] { Track("a.wav", "bars", true), Track("b.wav", "bars", true), Track("c.wav", "beats-only", false) };
        using var source = new BarTrackerTests.ConstructedActivation(downbeats, Seconds);
        using var method = new BeatTrackerTests.KnownTempo(120);   // the beats are then those of the constructed activation
        var result = TempoEvaluation.Run(method, tracks, new EvaluationOptions { BeatActivation = source });
        string md = Path.Combine(_dir, "report.md"), csv = Path.Combine(_dir, "tracks.csv");
        EvaluationReportWriter.WriteMarkdown(result, md, "equitempo eval");
        EvaluationReportWriter.WriteCsv(result, csv);
        return (result, File.ReadAllText(md), File.ReadAllLines(csv));
    }

    [Fact]
    public void DownbeatF_IsReported_ForTracksWithReferenceDownbeats_WhenTheBeatsAreNumbered()
    {
        var beats = BarTrackerTests.BeatTimes(40);
        // The activation marks every fourth beat from the second, so the decoded downbeats are one beat late.
        var late = BarTrackerTests.DownbeatActivation(beats, beats.Select((_, k) => (k + 3) % 4 + 1).ToArray(), Seconds, 0.3, 3);
        var (result, report, csv) = Evaluate(late);
        Assert.Equal([0.0, 0.0, null], result.Outcomes.Select(o => o.DownbeatF));
        Assert.Equal(1, result.Outcomes[0].Beats!.FMeasure);
        Assert.Equal((0.0, 2), (result.Overall.MeanDownbeatF, result.Overall.DownbeatTracks));
        Assert.Equal(((double?)null, 0), (result.ByKind.Single(k => k.Kind == "beats-only").MeanDownbeatF, result.ByKind.Single(k => k.Kind == "beats-only").DownbeatTracks));
        Assert.Contains("downbeat F |", report);
        Assert.Contains("| 0.000 (2) |", report);
        Assert.Contains("| — |", report);

        var onTime = BarTrackerTests.DownbeatActivation(beats, beats.Select((_, k) => k % 4 + 1).ToArray(), Seconds, 0.3, 3);
        (result, _, csv) = Evaluate(onTime);
        Assert.Equal([1.0, 1.0, null], result.Outcomes.Select(o => o.DownbeatF));
        int col = Array.IndexOf(csv[0].Split(','), "downbeat_f");
        Assert.Equal(["1", "1", ""], csv.Skip(1).Select(r => r.Split(',')[col]));
    }

    [Fact]
    public void WithoutDownbeatsInTheActivation_NothingIsSaidOfDownbeats()
    {
        var (result, report, csv) = Evaluate(null);
        Assert.All(result.Outcomes, o => Assert.Null(o.DownbeatF));
        Assert.Equal(0, result.Overall.DownbeatTracks);
        Assert.Null(result.Overall.MeanDownbeatF);
        Assert.DoesNotContain("downbeat", report, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("beat F", report);
        int col = Array.IndexOf(csv[0].Split(','), "downbeat_f");
        Assert.All(csv.Skip(1), r => Assert.Equal("", r.Split(',')[col]));
    }
}
