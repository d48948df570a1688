using System.Globalization;

namespace EquiTempo.Training.Synthesis;

/// <summary>One rendered file at a known tempo: its name relative to the index, the tempo, what made it
/// ("rendered" drum patterns, "rendered-song" composed songs, "rendered-mix" styled songs), and where the maker
/// knows them: the drum style and instruments (songs); the beat file, timbre source, rhythm style and production (mixes).</summary>
public sealed record RenderIndexRow(string Path, double Bpm, string Kind, string? Drums = null, string? Instruments = null,
    string? Beats = null, string? Source = null, string? Style = null, string? Production = null);

/// <summary>
/// The index.tsv written beside rendered audio: tab-separated with a header, columns path, bpm (3 decimals,
/// invariant culture), kind, then only the optional columns some row has, in the order beats, source, style,
/// production, drums, instruments. The evaluation's index reader takes it as a labelled set (path and bpm, the
/// beats column as beat-time files); extra columns are ignored there.
/// </summary>
public static class RenderIndex
{
    public const string FileName = "index.tsv";

    private static readonly (string Name, Func<RenderIndexRow, string?> Get)[] Optional =
    {
        ("beats", r => r.Beats), ("source", r => r.Source), ("style", r => r.Style), ("production", r => r.Production),
        ("drums", r => r.Drums), ("instruments", r => r.Instruments),
    };

    /// <summary>Writes the index of <paramref name="rows"/> to <paramref name="path"/> (through a temporary file and a rename).</summary>
    public static void Write(string path, IReadOnlyList<RenderIndexRow> rows)
    {
        var cols = Optional.Where(c => rows.Any(r => c.Get(r) is not null)).ToArray();
        var lines = new List<string> { string.Join('\t', new[] { "path", "bpm", "kind" }.Concat(cols.Select(c => c.Name))) };
        foreach (var r in rows)
        {
            var cells = new[] { r.Path, r.Bpm.ToString("F3", CultureInfo.InvariantCulture), r.Kind }.Concat(cols.Select(c => c.Get(r) ?? ""));
            foreach (var cell in cells.Where(c => c.Contains('\t') || c.Contains('\n')))
                throw new EquiTempoException(ErrorReason.InvalidData, path, $"index cell '{cell}' holds a tab or a line break");
            lines.Add(string.Join('\t', cells));
        }
        var tmp = path + ".tmp";
        File.WriteAllLines(tmp, lines);
        File.Move(tmp, path, true);
    }

    /// <summary>Reads an index written by <see cref="Write"/> (columns found by their header names).</summary>
    public static List<RenderIndexRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("path\tbpm\tkind", StringComparison.Ordinal))
            throw new EquiTempoException(ErrorReason.InvalidData, path, "not a render index (expected the header path, bpm, kind)");
        var header = lines[0].Split('\t');
        var rows = new List<RenderIndexRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var c = lines[i].Split('\t');
            if (c.Length < 3 || !double.TryParse(c[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var bpm))
                throw new EquiTempoException(ErrorReason.InvalidData, path, $"line {i + 1} is not path, bpm, kind");
            string? Cell(string name)
            {
                int k = Array.IndexOf(header, name);
                return k >= 0 && k < c.Length && c[k].Length > 0 ? c[k] : null;
            }
            rows.Add(new RenderIndexRow(c[0], bpm, c[2], Cell("drums"), Cell("instruments"), Cell("beats"), Cell("source"), Cell("style"), Cell("production")));
        }
        return rows;
    }
}
