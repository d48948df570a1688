using EquiTempo.Evaluation;
using EquiTempo.Inference;

namespace EquiTempo.Tests.Evaluation;

/// <summary>The evaluation harness run through the library with the shipped model. Its accuracy is poor for
/// now, so these tests check the structure of what the harness produces, not the scores.</summary>
public class TempoEvaluationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"eq-eval-{Guid.NewGuid():N}");
    public TempoEvaluationTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch { } }

    [Fact]
    public void ShippedModel_OnASmallSet_RecordsTheCorruptFile_AndWritesCsvReportAndPlot()
    {
        var tracks = LabelledDataset.Load(SmallEvaluationSet.Write(_dir)).Tracks;
        var reports = new List<EvaluationProgress>();
        using var method = TempoMethods.Create("model");
        var result = TempoEvaluation.Run(method, tracks, new EvaluationOptions { Tolerance = 0.04 },
            new SyncReports(reports));

        Assert.Equal(method.Name, result.Method);
        Assert.Equal(4, result.Outcomes.Count);
        Assert.Equal(tracks, result.Outcomes.Select(o => o.Track));
        Assert.Equal(new[] { 1, 2, 3, 4 }, reports.Select(r => r.Done).OrderBy(d => d));
        var failed = Assert.Single(result.Outcomes, o => o.Failed);
        Assert.Contains(Path.Combine(_dir, SmallEvaluationSet.CorruptName), failed.Error);
        Assert.Null(failed.Bpm);
        foreach (var o in result.Outcomes.Where(o => !o.Failed))
        {
            Assert.True(o.Bpm > 0);
            Assert.Equal(Math.Log2(o.Bpm!.Value / o.Track.Bpm), o.OctaveError!.Value, 9);
            Assert.Equal(TempoMetrics.Acc1(o.Bpm.Value, o.Track.Bpm), o.Acc1);
            Assert.Equal(o.Track.HasTwoReferences, o.PScore is not null);
        }

        Assert.Equal(new[] { "clicks", "drums" }, result.ByKind.Select(k => k.Kind));
        Assert.Equal((2, 1), (result.ByKind[0].Tracks, result.ByKind[0].Failed));
        Assert.Equal((2, 0, 1), (result.ByKind[1].Tracks, result.ByKind[1].Failed, result.ByKind[1].PScoreTracks));
        Assert.Null(result.ByKind[0].MeanPScore);
        Assert.Equal((4, 1), (result.Overall.Tracks, result.Overall.Failed));
        Assert.Equal(3, result.EvaluatedTracks);

        var csv = Path.Combine(_dir, "tracks.csv");
        EvaluationReportWriter.WriteCsv(result, csv);
        var rows = File.ReadAllLines(csv);
        Assert.Equal(string.Join(',', EvaluationReportWriter.CsvColumns), rows[0]);
        Assert.Equal(5, rows.Length);
        var corruptRow = Assert.Single(rows, r => r.StartsWith(Path.Combine(_dir, SmallEvaluationSet.CorruptName)));
        Assert.Equal("", corruptRow.Split(',')[5]);                          // no estimate
        Assert.Contains(failed.Error!.Replace("\"", "\"\""), corruptRow);      // the error, CSV-quoted if need be

        var md = Path.Combine(_dir, "report.md");
        EvaluationReportWriter.WriteMarkdown(result, md, "equitempo eval --labels index.tsv --out here", "scatter.png");
        var report = File.ReadAllText(md);
        foreach (var expected in new[] { "equitempo eval --labels index.tsv --out here", method.Name, "±4 %", "±8 %", "| clicks | 2 |", "| drums | 2 |", "| overall | 4 |", "## Failed tracks", SmallEvaluationSet.CorruptName, "![estimate against reference](scatter.png)" })
            Assert.Contains(expected, report);

        var png = Path.Combine(_dir, "scatter.png");
        EvaluationScatterPlot.Write(result, png);
        var head = File.ReadAllBytes(png).Take(8).ToArray();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, head);
    }

    [Fact]
    public void Summaries_CountFailuresAsMisses_AndAverageThePScoreOverTracksWithTwoReferences()
    {
        LabelledTrack T(string kind, bool two = false) => new($"/x/{Guid.NewGuid():N}.wav", 120, kind) { Bpm2 = two ? 60 : null, Salience = two ? 0.5 : null };
        var outcomes = new[]
        {
            new TrackOutcome(T("a")) { Bpm = 120, Acc1 = true, Acc2 = true },
            new TrackOutcome(T("a")) { Bpm = 240, Acc1 = false, Acc2 = true },
            new TrackOutcome(T("a", two: true)) { Error = "x.wav: cannot decode", PScore = 0 },
            new TrackOutcome(T("b", two: true)) { Bpm = 60, Acc1 = false, Acc2 = true, PScore = 0.5 },
        };
        var (byKind, overall) = TempoEvaluation.Summarise(outcomes);
        Assert.Equal(new KindSummary("a", 3, 1, 1 / 3.0, 2 / 3.0, 0, 1), byKind[0]);
        Assert.Equal(new KindSummary("b", 1, 0, 0, 1, 0.5, 1), byKind[1]);
        Assert.Equal(new KindSummary(TempoEvaluation.OverallKind, 4, 1, 0.25, 0.75, 0.25, 2), overall);
    }

    [Fact]
    public void BadOptions_AreRejectedBeforeAnyTrackRuns()
    {
        using var method = TempoMethods.Create("model");
        var none = Array.Empty<LabelledTrack>();
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoEvaluation.Run(method, none, new EvaluationOptions { Tolerance = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TempoEvaluation.Run(method, none, new EvaluationOptions { Parallelism = 0 }));
    }

    /// <summary>Collects reports on the reporting thread (Progress&lt;T&gt; would post them to the thread pool, after Run returns).</summary>
    private sealed class SyncReports(List<EvaluationProgress> into) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => into.Add(value);
    }
}
