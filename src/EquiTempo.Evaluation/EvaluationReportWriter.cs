using System.Globalization;
using System.Text;

namespace EquiTempo.Evaluation;

/// <summary>Writes an evaluation result as a per-track CSV and as a Markdown report.</summary>
public static class EvaluationReportWriter
{
    public static readonly string[] CsvColumns =
    {
        "path", "kind", "reference_bpm", "reference_bpm2", "reference_salience", "bpm", "bpm2", "salience", "confidence",
        "acc1", "acc2", "octave_error", "p_score", "beat_f", "beat_cmlt", "beat_amlt", "downbeat_f", "error",
    };

    /// <summary>One row per track in input order; empty cells where a value does not apply (no second
    /// reference, or a failed track), and acc1/acc2 as 1 or 0.</summary>
    public static void WriteCsv(TempoEvaluationResult result, string path)
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(',', CsvColumns));
        foreach (var o in result.Outcomes)
        {
            var t = o.Track;
            sb.AppendLine(string.Join(',', new[]
            {
                Csv(t.Path), Csv(t.Kind), Num(t.Bpm), Num(t.Bpm2), Num(t.Salience), Num(o.Bpm), Num(o.Bpm2), Num(o.Salience), Num(o.Confidence),
                o.Failed ? "" : o.Acc1 ? "1" : "0", o.Failed ? "" : o.Acc2 ? "1" : "0", Num(o.OctaveError), Num(o.PScore),
                Num(o.Beats?.FMeasure), Num(o.Beats?.CmlT), Num(o.Beats?.AmlT), Num(o.DownbeatF), Csv(o.Error ?? ""),
            }));
        }
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>
    /// The summary table by kind, with what is needed to reproduce it: the command line, the method, the
    /// tolerances and the date. <paramref name="scatterFileName"/>, when given, is embedded as an image.
    /// </summary>
    public static void WriteMarkdown(TempoEvaluationResult result, string path, string commandLine, string? scatterFileName = null)
    {
        var o = result.Options;
        var sb = new StringBuilder();
        sb.AppendLine($"# Tempo evaluation: {Md(result.Method)}").AppendLine();
        sb.AppendLine($"- command: `{commandLine.Replace('`', '\'')}`");
        sb.AppendLine($"- method: {Md(result.Method)}");
        sb.AppendLine($"- tolerance: ±{Pct(o.Tolerance)} for Acc1 and Acc2, ±{Pct(o.PScoreTolerance)} for the P-score");
        sb.AppendLine($"- date: {result.StartedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, {result.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s");
        sb.AppendLine($"- tracks: {result.Overall.Tracks}, of which {result.FailedTracks} failed").AppendLine();
        bool beats = result.Overall.BeatTracks > 0, downbeats = result.Overall.DownbeatTracks > 0;
        sb.AppendLine("| kind | n | Acc1 | Acc2 | P-score |" + (beats ? " beat F | CMLt | AMLt |" : "") + (downbeats ? " downbeat F |" : "") + " failed |");
        sb.AppendLine("|---|---:|---:|---:|---:|" + (beats ? "---:|---:|---:|" : "") + (downbeats ? "---:|" : "") + "---:|");
        foreach (var s in SummaryRows(result))
            sb.AppendLine($"| {Md(s.Kind)} | {s.Tracks} | {Pct(s.Acc1)} | {Pct(s.Acc2)} | {PScoreCell(s)} |" + (beats ? $" {string.Join(" | ", BeatCells(s))} |" : "")
                          + (downbeats ? $" {DownbeatCell(s)} |" : "") + $" {s.Failed} |");
        sb.AppendLine();
        sb.AppendLine("Acc1: estimate within the tolerance of the reference. Acc2: the same, forgiving factors of 2, 3, ½ and ⅓. " +
                      "P-score (MIREX): salience-weighted hits on two reference tempi, over the tracks that have two; (n) is their number. " +
                      "A failed track counts as a miss." +
                      (beats ? " Beat F, CMLt, AMLt (mir_eval defaults: beats before 5 s left out, ±70 ms, 17.5 %): beats tracked at the estimated tempo, " +
                               "means over the tracks with reference beat times." : "") +
                      (downbeats ? " Downbeat F: the beat F on the beats numbered 1, over the tracks with reference downbeats whose beats were numbered " +
                                   "(a track whose tempo failed has none and is left out); (n) is their number." : ""));
        if (scatterFileName is not null) sb.AppendLine().AppendLine($"![estimate against reference]({scatterFileName})");
        var failures = result.Outcomes.Where(x => x.Failed).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine().AppendLine("## Failed tracks").AppendLine();
            foreach (var f in failures) sb.AppendLine($"- {Md(f.Error!)}");
        }
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>The rows of a summary table: one per kind and the overall one, or only the overall one when there is a single kind.</summary>
    public static IReadOnlyList<KindSummary> SummaryRows(TempoEvaluationResult result) =>
        result.ByKind.Count > 1 ? result.ByKind.Append(result.Overall).ToList() : new[] { result.Overall };

    /// <summary>"0.812 (n)" or "—" when no track has two references.</summary>
    public static string PScoreCell(KindSummary s) =>
        s.MeanPScore is double p ? $"{p.ToString("F3", CultureInfo.InvariantCulture)} ({s.PScoreTracks})" : "—";

    /// <summary>Mean beat F, CMLt and AMLt with the number of tracks they cover, or dashes when none has reference beats.</summary>
    public static string[] BeatCells(KindSummary s) =>
        s.MeanBeats is { } b
            ? new[] { $"{b.FMeasure.ToString("F3", CultureInfo.InvariantCulture)} ({s.BeatTracks})", b.CmlT.ToString("F3", CultureInfo.InvariantCulture), b.AmlT.ToString("F3", CultureInfo.InvariantCulture) }
            : new[] { "—", "—", "—" };

    /// <summary>Mean downbeat F with the number of tracks it covers, or a dash when none has one.</summary>
    public static string DownbeatCell(KindSummary s) =>
        s.MeanDownbeatF is double f ? $"{f.ToString("F3", CultureInfo.InvariantCulture)} ({s.DownbeatTracks})" : "—";

    public static string Pct(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    private static string Num(double? v) => v is double d ? d.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string Csv(string s) =>
        s.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    private static string Md(string s) => s.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");
}
