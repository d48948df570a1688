using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace EquiTempo.Evaluation;

/// <summary>
/// A <see cref="TempoEstimate"/> in the exchange formats of the tempo-estimation community, so that results feed
/// the tools that read them (and <see cref="TempoAnnotationFile"/>, which reads both back).
/// </summary>
public static class TempoEstimateFormats
{
    /// <summary>
    /// The MIREX audio tempo estimation line "T1\tT2\tST1" as tempo-cnn and madmom write it: the slower tempo first,
    /// then the faster, then the salience of the slower one (the two saliences sum to 1), two decimals each.
    /// </summary>
    public static string MirexLine(TempoEstimate estimate)
    {
        bool mainIsSlower = !(estimate.Bpm2 > 0) || estimate.Bpm <= estimate.Bpm2;
        double t1 = mainIsSlower ? estimate.Bpm : estimate.Bpm2, t2 = mainIsSlower ? estimate.Bpm2 : estimate.Bpm;
        double st1 = mainIsSlower ? estimate.Salience : 1 - estimate.Salience;
        if (!(estimate.Bpm2 > 0)) (t2, st1) = (t1, 1);
        return string.Join('\t', Two(t1), Two(t2), Two(Math.Clamp(st1, 0, 1)));
    }

    /// <summary>
    /// A JAMS document (JSON Annotated Music Specification, schema 0.3) holding one annotation in the "tempo"
    /// namespace: two observations spanning the track, the main tempo and the second, each with its salience as
    /// confidence, as in the MIREX-derived tempo data sets. <paramref name="tool"/> and <paramref name="version"/>
    /// go into the annotation metadata.
    /// </summary>
    public static JsonObject Jams(TempoEstimate estimate, string tool, string? version)
    {
        double duration = Math.Max(0, Math.Round(estimate.DurationSeconds, 3));
        var data = new JsonArray { Observation(estimate.Bpm, estimate.Salience) };
        if (estimate.Bpm2 > 0) data.Add(Observation(estimate.Bpm2, 1 - estimate.Salience));
        return new JsonObject
        {
            ["file_metadata"] = new JsonObject
            {
                ["title"] = Path.GetFileNameWithoutExtension(estimate.File ?? ""),
                ["artist"] = "",
                ["release"] = "",
                ["duration"] = duration,
                ["identifiers"] = new JsonObject(),
                ["jams_version"] = "0.3.4",
            },
            ["annotations"] = new JsonArray
            {
                new JsonObject
                {
                    ["namespace"] = "tempo",
                    ["annotation_metadata"] = new JsonObject
                    {
                        ["curator"] = new JsonObject { ["name"] = "", ["email"] = "" },
                        ["annotator"] = new JsonObject(),
                        ["version"] = version ?? "",
                        ["corpus"] = "",
                        ["annotation_tools"] = tool,
                        ["annotation_rules"] = "",
                        ["validation"] = "",
                        ["data_source"] = "program",
                    },
                    ["data"] = data,
                    ["sandbox"] = new JsonObject(),
                    ["time"] = 0.0,
                    ["duration"] = duration,
                },
            },
            ["sandbox"] = new JsonObject(),
        };

        JsonObject Observation(double bpm, double salience) => new()
        {
            ["time"] = 0.0,
            ["duration"] = duration,
            ["value"] = Math.Round(bpm, 2),
            ["confidence"] = Math.Round(Math.Clamp(salience, 0, 1), 3),
        };
    }

    /// <summary>
    /// One TSV field: backslash, tab, newline and carriage return become \\, \t, \n and \r (the "linear TSV"
    /// convention of PostgreSQL's COPY), so that any file name stays one field of one line.
    /// </summary>
    public static string TsvField(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\t\n\r") < 0) return value;
        var b = new StringBuilder(value.Length + 8);
        foreach (char c in value)
            b.Append(c switch { '\\' => "\\\\", '\t' => "\\t", '\n' => "\\n", '\r' => "\\r", _ => c.ToString() });
        return b.ToString();
    }

    private static string Two(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
