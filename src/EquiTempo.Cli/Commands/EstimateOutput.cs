using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EquiTempo.Evaluation;

namespace EquiTempo.Cli.Commands;

/// <summary>One input's line(s) of output: its estimate, or why it has none.</summary>
internal sealed record EstimateRow(string File, TempoEstimate? Estimate, string? Error, EquiTempo.Beats.BeatTrack? Beats = null);

/// <summary>What the results were made with, for the formats that record it.</summary>
/// <param name="Model">Model name (the shipped model's or the file's); null for the dsp method, which has none.</param>
/// <param name="ModelVersion">When the model file was made (its metadata's UTC timestamp), which tells builds apart.</param>
internal sealed record RunDescription(string Method, string? Model, string? ModelVersion);

/// <summary>
/// The output formats of `estimate`. Each renders one input at a time, so that results are written as they come;
/// <see cref="CarriesErrors"/> formats (json, tsv) also hold a failed input in its place, the others leave it to
/// the error line on stderr.
/// </summary>
internal abstract class EstimateFormat(RunDescription run)
{
    public static readonly string[] Names = ["table", "json", "tsv", "mirex", "jams"];
    protected RunDescription Run { get; } = run;

    /// <summary>Ending of the file written per input with -o DIR.</summary>
    public abstract string Suffix { get; }
    public abstract bool CarriesErrors { get; }
    public virtual string? Header => null;
    public virtual string? Footer => null;

    /// <summary>The row's text (without a final newline), or null when it has none.</summary>
    /// <param name="severalInputs">Whether rows of several inputs share one stream (so a bare MIREX line would not say whose it is).</param>
    public abstract string? Render(EstimateRow row, bool severalInputs);

    public static EstimateFormat For(string name, RunDescription run, int fileColumnWidth) => name switch
    {
        "json" => new JsonLines(run),
        "tsv" => new Tsv(run),
        "mirex" => new Mirex(run),
        "jams" => new Jams(run),
        _ => new PlainTable(run, fileColumnWidth),
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed class JsonLines(RunDescription run) : EstimateFormat(run)
    {
        public override string Suffix => ".bpm.json";
        public override bool CarriesErrors => true;

        public override string Render(EstimateRow row, bool severalInputs)
        {
            var o = new JsonObject { ["file"] = row.File };
            if (row.Estimate is not { } r)
            {
                o["error"] = row.Error;
                return o.ToJsonString(Compact);
            }
            o["method"] = Run.Method;
            o["model"] = Run.Model;
            o["model_version"] = Run.ModelVersion;
            o["bpm"] = Math.Round(r.Bpm, 2);
            o["bpm2"] = Math.Round(r.Bpm2, 2);
            o["salience"] = Math.Round(r.Salience, 3);
            o["confidence"] = Math.Round(r.Confidence, 3);
            o["duration_s"] = Math.Round(r.DurationSeconds, 2);
            o["chunks"] = r.Chunks;
            o["readout"] = r.Readout;
            if (row.Beats is { } beats)
            {
                o["beats"] = BeatsCommand.BeatArray(beats);
                o["beat_activation"] = beats.Activation;   // the learnt head, or the onset envelope where it cannot be read
                BeatsCommand.AddBars(o, beats);
            }
            if (r.Curve is { } curve)
                o["curve"] = new JsonArray(curve.Select(p => (JsonNode)new JsonArray(Math.Round(p.TimeSeconds, 2), Math.Round(p.Bpm, 2))).ToArray());
            return o.ToJsonString(Compact);
        }
    }

    private sealed class Tsv(RunDescription run) : EstimateFormat(run)
    {
        public const string Columns = "file\tbpm\tbpm2\tsalience\tconfidence\tduration_s\tmethod\tmodel\tmodel_version\tchunks\terror";
        public override string Suffix => ".bpm.tsv";
        public override bool CarriesErrors => true;
        public override string Header => Columns;

        public override string Render(EstimateRow row, bool severalInputs)
        {
            string file = TempoEstimateFormats.TsvField(row.File);
            if (row.Estimate is not { } r)
                return string.Join('\t', file, "", "", "", "", "", Run.Method, "", "", "", TempoEstimateFormats.TsvField(row.Error ?? ""));
            return string.Join('\t', file, F(r.Bpm), F(r.Bpm2), F(r.Salience), F(r.Confidence), F(r.DurationSeconds), Run.Method,
                TempoEstimateFormats.TsvField(Run.Model ?? ""), Run.ModelVersion ?? "", r.Chunks.ToString(CultureInfo.InvariantCulture), "");
        }
    }

    private sealed class Mirex(RunDescription run) : EstimateFormat(run)
    {
        public override string Suffix => ".bpm.txt";
        public override bool CarriesErrors => false;

        public override string? Render(EstimateRow row, bool severalInputs) =>
            row.Estimate is not { } r ? null
            : severalInputs ? $"{TempoEstimateFormats.TsvField(row.File)}\t{TempoEstimateFormats.MirexLine(r)}"
            : TempoEstimateFormats.MirexLine(r);
    }

    private sealed class Jams(RunDescription run) : EstimateFormat(run)
    {
        public override string Suffix => ".jams";
        public override bool CarriesErrors => false;

        public override string? Render(EstimateRow row, bool severalInputs)
        {
            if (row.Estimate is not { } r) return null;
            string tool = Run.Model is null ? $"equitempo {Run.Method}" : $"equitempo {Run.Method} {Run.Model}";
            return TempoEstimateFormats.Jams(r, tool, Run.ModelVersion).ToJsonString(Compact);
        }
    }

    /// <summary>
    /// Fixed-width columns written row by row. The file column is as wide as the longest name unless a width is
    /// known (COLUMNS, or the terminal's); a name that does not fit loses its middle to "…" rather than being
    /// broken across lines.
    /// </summary>
    private sealed class PlainTable(RunDescription run, int fileColumnWidth) : EstimateFormat(run)
    {
        public override string Suffix => ".bpm.table.txt";
        public override bool CarriesErrors => false;
        public override string Header => Line("file", "BPM", "2nd BPM", "salience", "confidence", "duration");
        public override string Footer => $"method: {Run.Method}" + (Run.Model is null ? "" : $", model: {Run.Model}");

        public override string? Render(EstimateRow row, bool severalInputs)
        {
            if (row.Estimate is not { } r) return null;
            string line = Line(Fit(row.File), r.Bpm.ToString("F1", CultureInfo.InvariantCulture), r.Bpm2.ToString("F1", CultureInfo.InvariantCulture),
                r.Salience.ToString("F2", CultureInfo.InvariantCulture), r.Confidence.ToString("F2", CultureInfo.InvariantCulture),
                $"{r.DurationSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
            if (r.Curve is { Count: > 0 } curve)
                line += Environment.NewLine + "  local: " + string.Join("  ", curve.Select(p => $"{p.TimeSeconds:F0}s {p.Bpm:F0}"));
            return line;
        }

        private string Line(string file, string bpm, string bpm2, string salience, string confidence, string duration) =>
            $"{file.PadRight(fileColumnWidth)}  {bpm,7}  {bpm2,7}  {salience,8}  {confidence,10}  {duration,9}";

        private string Fit(string name)
        {
            if (name.Length <= fileColumnWidth) return name;
            int keep = Math.Max(0, fileColumnWidth - 1);
            return name[..(keep / 2)] + "…" + name[^(keep - keep / 2)..];
        }
    }

    /// <summary>Width of the table's non-file columns and their separators.</summary>
    public const int TableFixedWidth = 2 + 7 + 2 + 7 + 2 + 8 + 2 + 10 + 2 + 9;

    /// <summary>The table's file column width: the longest name, capped so a line fits <paramref name="lineWidth"/>
    /// (null: no limit) but never narrower than the word "file" plus a little.</summary>
    public static int FileColumnWidth(IEnumerable<string> files, int? lineWidth)
    {
        int longest = Math.Max(4, files.Select(f => f.Length).DefaultIfEmpty(0).Max());
        return lineWidth is int w ? Math.Min(longest, Math.Max(12, w - TableFixedWidth)) : longest;
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
