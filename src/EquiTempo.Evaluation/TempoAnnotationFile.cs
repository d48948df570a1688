using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EquiTempo.Evaluation;

/// <summary>A reference tempo from one annotation file: one BPM, or two with the salience of the first.</summary>
public sealed record TempoAnnotation(double Bpm, double? Bpm2 = null, double? Salience = null);

/// <summary>
/// Reads the per-track annotation files that tempo data sets ship, chosen by extension:
/// <list type="bullet">
/// <item><c>.bpm</c>, <c>.tempo</c>, <c>.mirex</c>: one line holding one BPM, or the MIREX triple "T1 T2 ST1"
/// (two tempi and the salience of T1).</item>
/// <item><c>.beats</c>: one beat time in seconds per line, optionally followed by other columns (beat or bar
/// position); the tempo is 60 / the median inter-beat interval.</item>
/// <item><c>.txt</c>: a tempo file when it holds one line, a beat-time file when it holds more.</item>
/// <item><c>.jams</c>: JSON; the first annotation in the "tempo" namespace that has observations, its
/// most confident value as the tempo and the runner-up as the second tempo; without one, a "beat"
/// annotation's times.</item>
/// </list>
/// A value of 0 BPM, or a JAMS tempo annotation without observations, is how data sets mark a track whose
/// tempo could not be annotated (GiantSteps Tempo v2 does both): those give null, not an error. Anything
/// else malformed is an <see cref="EquiTempoException"/> (<see cref="ErrorReason.InvalidData"/>) naming the file and, for text files, the line.
/// </summary>
public static class TempoAnnotationFile
{
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".bpm", ".tempo", ".mirex", ".beats", ".txt", ".jams" };

    public static bool IsAnnotationFileName(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The reference tempo in <paramref name="path"/>, or null when the file marks the track as having none.</summary>
    public static TempoAnnotation? Read(string path)
    {
        if (!File.Exists(path)) throw new EquiTempoException(ErrorReason.InvalidData, path, "annotation file not found");
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".jams": return ReadJams(path);
            case ".beats": return ReadBeatTimes(path);
            case ".txt":
                var lines = DataLines(path);
                return lines.Count == 1 ? TempoValues(path, lines) : BeatTimeTempo(path, lines);
            default: return ReadTempoValues(path);
        }
    }

    /// <summary>A one-line tempo file: "BPM" or "T1 T2 ST1".</summary>
    public static TempoAnnotation? ReadTempoValues(string path) => TempoValues(path, DataLines(path));

    /// <summary>A beat-time file: tempo = 60 / median inter-beat interval.</summary>
    public static TempoAnnotation ReadBeatTimes(string path) => BeatTimeTempo(path, DataLines(path));

    /// <summary>60 / the median of the intervals between consecutive beat times (seconds, increasing).</summary>
    public static double TempoFromBeatTimes(IReadOnlyList<double> beatTimes)
    {
        if (beatTimes.Count < 2) throw new ArgumentException($"{beatTimes.Count} beat time(s): a tempo needs at least two", nameof(beatTimes));
        var intervals = new double[beatTimes.Count - 1];
        for (int i = 0; i < intervals.Length; i++) intervals[i] = beatTimes[i + 1] - beatTimes[i];
        if (intervals.Any(d => !(d > 0))) throw new ArgumentException("beat times must increase", nameof(beatTimes));
        Array.Sort(intervals);
        int m = intervals.Length / 2;
        double median = intervals.Length % 2 == 1 ? intervals[m] : 0.5 * (intervals[m - 1] + intervals[m]);
        return 60.0 / median;
    }

    private readonly record struct DataLine(int Number, string[] Cells);

    /// <summary>Non-blank lines that are not comments, split on tabs, spaces or commas, with their 1-based line numbers.</summary>
    private static List<DataLine> DataLines(string path)
    {
        var result = new List<DataLine>();
        int number = 0;
        foreach (var line in LabelFile.Lines(path))
        {
            number++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            result.Add(new DataLine(number, trimmed.Split(new[] { '\t', ' ', ',' }, StringSplitOptions.RemoveEmptyEntries)));
        }
        if (result.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, path, "empty annotation file");
        return result;
    }

    private static TempoAnnotation? TempoValues(string path, List<DataLine> lines)
    {
        if (lines.Count > 1)
            throw new EquiTempoException(ErrorReason.InvalidData, $"{path}:{lines[1].Number}", "a tempo file holds one line (BPM, or T1 T2 ST1); beat times belong in .beats or .txt files");
        var (number, cells) = (lines[0].Number, lines[0].Cells);
        string where = $"{path}:{number}";
        if (cells.Length is not (1 or 3))
            throw new EquiTempoException(ErrorReason.InvalidData, where, $"expected one tempo (BPM) or three values (T1 T2 ST1, the MIREX format), found {cells.Length}");
        var values = cells.Select(c => Number(c, where)).ToArray();
        for (int i = 0; i < Math.Min(2, values.Length); i++)
            if (values[i] < 0) throw new EquiTempoException(ErrorReason.InvalidData, where, $"tempo '{cells[i]}' is negative");
        if (values[0] == 0) return null;
        if (values.Length == 1) return new TempoAnnotation(values[0]);
        double salience1 = values[2];
        if (salience1 is < 0 or > 1) throw new EquiTempoException(ErrorReason.InvalidData, where, $"salience '{cells[2]}' is not in [0, 1]");
        if (values[1] == 0) return new TempoAnnotation(values[0]);
        return MostSalientFirst(values[0], values[1], salience1);
    }

    /// <summary>
    /// The beat times (seconds, increasing) of a beat-time file: one beat a line, its time first; other columns
    /// (a beat number or bar position, as in the Ballroom, Hainsworth and GTZAN beat annotations) are ignored. Cells
    /// are separated by tabs, spaces or commas; blank lines and lines starting with # are skipped.
    /// </summary>
    public static double[] ReadBeatTimeList(string path) => ReadBeats(path).Times;

    /// <summary>A beat-time file with its beat numbers when it has them (madmom's <c>.beats</c> convention: "time
    /// number", 1 = downbeat).</summary>
    public static BeatAnnotation ReadBeats(string path)
    {
        if (!File.Exists(path)) throw new EquiTempoException(ErrorReason.InvalidData, path, "annotation file not found");
        return Beats(path, DataLines(path));
    }

    /// <summary>As <see cref="ReadBeats"/> for a beat-time file (<c>.beats</c>, or <c>.txt</c> of more than one line);
    /// null for a tempo file.</summary>
    public static BeatAnnotation? ReadBeatsIfAny(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".beats") return ReadBeats(path);
        if (ext != ".txt") return null;
        var lines = DataLines(path);
        return lines.Count > 1 ? Beats(path, lines) : null;
    }

    private static BeatAnnotation Beats(string path, List<DataLine> lines) => new(BeatTimes(path, lines).ToArray(), BeatNumbers(lines));

    // Numbers only when every line's second cell is a whole number ≥ 1: some datasets put a label or a confidence
    // there, which says nothing about the bar, so anything else means "no numbers", not an error.
    private static int[]? BeatNumbers(List<DataLine> lines)
    {
        var numbers = new int[lines.Count];
        for (int i = 0; i < lines.Count; i++)
        {
            var cells = lines[i].Cells;
            if (cells.Length < 2 || !int.TryParse(cells[1], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] < 1)
                return null;
        }
        return numbers;
    }

    /// <summary>The beat times of a beat-time file (<c>.beats</c>, or <c>.txt</c> of more than one line); null for a
    /// tempo file.</summary>
    public static double[]? ReadBeatTimesIfAny(string path) => ReadBeatsIfAny(path)?.Times;

    private static TempoAnnotation BeatTimeTempo(string path, List<DataLine> lines)
    {
        var times = BeatTimes(path, lines);
        if (times.Count < 2) throw new EquiTempoException(ErrorReason.InvalidData, path, "one beat time; a tempo needs at least two");
        return new TempoAnnotation(TempoFromBeatTimes(times));
    }

    private static List<double> BeatTimes(string path, List<DataLine> lines)
    {
        var times = new List<double>(lines.Count);
        foreach (var (number, cells) in lines)
        {
            string where = $"{path}:{number}";
            double t = Number(cells[0], where);
            if (t < 0) throw new EquiTempoException(ErrorReason.InvalidData, where, $"beat time '{cells[0]}' is negative");
            if (times.Count > 0 && t <= times[^1])
                throw new EquiTempoException(ErrorReason.InvalidData, where, $"beat time {cells[0]} is not after the previous one ({times[^1].ToString(CultureInfo.InvariantCulture)})");
            times.Add(t);
        }
        return times;
    }

    private static TempoAnnotation? ReadJams(string path)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(WithoutNonFiniteLiterals(LabelFile.Text(path))); }
        catch (JsonException e) { throw new EquiTempoException(ErrorReason.InvalidData, $"{path}:{(e.LineNumber ?? 0) + 1}", "not valid JSON: " + e.Message, e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Array)
                throw new EquiTempoException(ErrorReason.InvalidData, path, "not a JAMS file (no \"annotations\" list)");
            var byNamespace = annotations.EnumerateArray().Select((a, i) => (a, i))
                .Where(p => p.a.ValueKind == JsonValueKind.Object && p.a.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String)
                .ToLookup(p => p.a.GetProperty("namespace").GetString()!, StringComparer.OrdinalIgnoreCase);
            if (byNamespace["tempo"].Any())
            {
                foreach (var (annotation, index) in byNamespace["tempo"])
                {
                    var observations = Observations(path, annotation, index)
                        .Select(o => (Value: JamsNumber(path, o.Element, "value", o.Where, required: true)!.Value,
                                      Confidence: JamsNumber(path, o.Element, "confidence", o.Where, required: false), o.Where))
                        .ToList();
                    foreach (var o in observations)
                        if (o.Value < 0) throw new EquiTempoException(ErrorReason.InvalidData, path, $"{o.Where}.value {o.Value.ToString(CultureInfo.InvariantCulture)} is negative");
                    var ranked = observations.Where(o => o.Value > 0).OrderByDescending(o => o.Confidence ?? double.NegativeInfinity).ToList();
                    if (ranked.Count == 0) continue;
                    if (ranked.Count == 1) return new TempoAnnotation(ranked[0].Value);
                    var (first, second) = (ranked[0], ranked[1]);
                    double? salience = first.Confidence is double c1 && second.Confidence is double c2 && c1 + c2 > 0 ? c1 / (c1 + c2) : null;
                    return salience is null ? new TempoAnnotation(first.Value) : new TempoAnnotation(first.Value, second.Value, salience);
                }
                return null;
            }
            if (byNamespace["beat"].FirstOrDefault() is var (beatAnnotation, beatIndex) && beatAnnotation.ValueKind == JsonValueKind.Object)
            {
                var times = Observations(path, beatAnnotation, beatIndex).Select(o => JamsNumber(path, o.Element, "time", o.Where, required: true)!.Value).ToList();
                try { return new TempoAnnotation(TempoFromBeatTimes(times)); }
                catch (ArgumentException e) { throw new EquiTempoException(ErrorReason.InvalidData, path, $"annotations[{beatIndex}] (beat): {e.Message}", e); }
            }
            throw new EquiTempoException(ErrorReason.InvalidData, path, "no annotation in the \"tempo\" or \"beat\" namespace");
        }
    }

    private static IEnumerable<(JsonElement Element, string Where)> Observations(string path, JsonElement annotation, int index)
    {
        if (!annotation.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new EquiTempoException(ErrorReason.InvalidData, path, $"annotations[{index}].data is not a list of observations");
        return data.EnumerateArray().Select((o, k) => o.ValueKind == JsonValueKind.Object
            ? (o, $"annotations[{index}].data[{k}]")
            : throw new EquiTempoException(ErrorReason.InvalidData, path, $"annotations[{index}].data[{k}] is not an observation object"));
    }

    private static double? JamsNumber(string path, JsonElement observation, string field, string where, bool required)
    {
        if (!observation.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw new EquiTempoException(ErrorReason.InvalidData, path, $"{where}.{field} is missing") : null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d))
            throw new EquiTempoException(ErrorReason.InvalidData, path, $"{where}.{field} is not a number: {v.GetRawText()}");
        return d;
    }

    private static TempoAnnotation MostSalientFirst(double t1, double t2, double salience1) =>
        salience1 >= 0.5 ? new TempoAnnotation(t1, t2, salience1) : new TempoAnnotation(t2, t1, 1 - salience1);

    private static double Number(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new EquiTempoException(ErrorReason.InvalidData, where, $"'{text}' is not a number");

    /// <summary>
    /// JAMS files are written by Python's json module, which emits bare NaN and Infinity (JAMS uses NaN for
    /// "no confidence"); strict JSON readers reject those tokens, so outside strings they become null.
    /// </summary>
    internal static string WithoutNonFiniteLiterals(string json)
    {
        var sb = new StringBuilder(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            int skip = Literal(json, i, "-Infinity") ?? Literal(json, i, "Infinity") ?? Literal(json, i, "NaN") ?? 0;
            if (skip > 0) { sb.Append("null"); i += skip - 1; }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static int? Literal(string s, int at, string literal) =>
        string.CompareOrdinal(s, at, literal, 0, literal.Length) == 0 ? literal.Length : null;
}

/// <summary>Reference beats: times in seconds (increasing) and, when the file numbers them, each beat's number in its
/// bar (1 = downbeat).</summary>
public sealed record BeatAnnotation(double[] Times, int[]? Numbers)
{
    /// <summary>The times of the beats numbered 1; null when the file has no numbers.</summary>
    public double[]? DownbeatTimes => Numbers is null ? null : Times.Where((_, i) => Numbers[i] == 1).ToArray();

    /// <summary>The tracked beats of <paramref name="track"/>, numbered where it numbered them.</summary>
    public static BeatAnnotation Of(Beats.BeatTrack track) => new(track.Times, track.Numbers);

    /// <summary>The lines of a <c>.beats</c> file (what <see cref="TempoAnnotationFile.ReadBeats"/> reads back): "time"
    /// (seconds, 3 decimals, a millisecond being finer than any beat annotation agrees with itself), or "time TAB
    /// number" when the beats are numbered.</summary>
    public IEnumerable<string> Lines()
    {
        if (Numbers is not null && Numbers.Length != Times.Length)
            throw new InvalidOperationException($"{Numbers.Length} beat numbers for {Times.Length} beat times");
        for (int i = 0; i < Times.Length; i++)
        {
            string time = Times[i].ToString("0.000", CultureInfo.InvariantCulture);
            yield return Numbers is null ? time : $"{time}\t{Numbers[i].ToString(CultureInfo.InvariantCulture)}";
        }
    }
}
