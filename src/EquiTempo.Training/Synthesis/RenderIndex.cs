using System.Globalization;

namespace EquiTempo.Training.Synthesis;

/// <summary>One rendered file at a known tempo: its name relative to the index, the tempo, what made it
/// ("rendered" drum patterns, "rendered-song" composed songs) and, for songs, the drum style and instruments.</summary>
public sealed record RenderIndexRow(string Path, double Bpm, string Kind, string? Drums = null, string? Instruments = null);

/// <summary>
/// The index.tsv written beside rendered audio: tab-separated with a header, columns path, bpm (3 decimals,
/// invariant culture), kind, and for songs drums and instruments. The evaluation's index reader takes it as a
/// labelled set (path and bpm).
/// </summary>
public static class RenderIndex
{
    public const string FileName = "index.tsv";

    /// <summary>Writes the index of <paramref name="rows"/> to <paramref name="path"/> (the song columns only when a row has them).</summary>
    public static void Write(string path, IReadOnlyList<RenderIndexRow> rows)
    {
        bool songs = rows.Any(r => r.Drums is not null || r.Instruments is not null);
        var lines = new List<string> { songs ? "path\tbpm\tkind\tdrums\tinstruments" : "path\tbpm\tkind" };
        foreach (var r in rows)
        {
            var line = $"{r.Path}\t{r.Bpm.ToString("F3", CultureInfo.InvariantCulture)}\t{r.Kind}";
            if (songs) line += $"\t{r.Drums}\t{r.Instruments}";
            lines.Add(line);
        }
        File.WriteAllLines(path, lines);
    }

    /// <summary>Reads an index written by <see cref="Write"/>.</summary>
    public static List<RenderIndexRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("path\tbpm\tkind", StringComparison.Ordinal))
            throw new EquiTempoException(ErrorReason.InvalidData, path, "not a render index (expected the header path, bpm, kind)");
        var rows = new List<RenderIndexRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var c = lines[i].Split('\t');
            if (c.Length < 3 || !double.TryParse(c[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var bpm))
                throw new EquiTempoException(ErrorReason.InvalidData, path, $"line {i + 1} is not path, bpm, kind");
            rows.Add(new RenderIndexRow(c[0], bpm, c[2], c.Length > 3 ? c[3] : null, c.Length > 4 ? c[4] : null));
        }
        return rows;
    }
}
