using System.Globalization;

namespace EquiTempo.Evaluation;

/// <summary>One labelled track: audio path (absolute), reference BPM, and a kind for splitting results.</summary>
public sealed record LabelledTrack(string Path, double Bpm, string Kind);

/// <summary>
/// Reads an index file: CSV or TSV with a header naming at least a path column (path/file/audio/filename)
/// and a tempo column (bpm/tempo); an optional kind/genre/dataset column splits the results. Relative
/// paths are taken relative to the index file. Malformed lines are errors naming the file and line.
/// </summary>
public static class TempoIndex
{
    public static List<LabelledTrack> Read(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"{indexPath}: index file not found", indexPath);
        var lines = File.ReadAllLines(indexPath);
        if (lines.Length == 0) throw new InvalidDataException($"{indexPath}: empty index file");
        char sep = lines[0].Contains('\t') ? '\t' : ',';
        var header = lines[0].Split(sep).Select(h => h.Trim().Trim('"').ToLowerInvariant()).ToArray();
        int pathCol = Array.FindIndex(header, h => h is "path" or "file" or "audio" or "filename" or "audio_path");
        int bpmCol = Array.FindIndex(header, h => h is "bpm" or "tempo");
        int kindCol = Array.FindIndex(header, h => h is "kind" or "genre" or "dataset" or "style");
        if (pathCol < 0 || bpmCol < 0)
            throw new InvalidDataException($"{indexPath}:1: header must name a path column (path, file, audio) and a tempo column (bpm, tempo); found: {lines[0]}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var list = new List<LabelledTrack>();
        for (int i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var cells = line.Split(sep).Select(c => c.Trim().Trim('"')).ToArray();
            if (cells.Length <= Math.Max(pathCol, bpmCol))
                throw new InvalidDataException($"{indexPath}:{i + 1}: expected at least {Math.Max(pathCol, bpmCol) + 1} columns, found {cells.Length}");
            if (!double.TryParse(cells[bpmCol], NumberStyles.Float, CultureInfo.InvariantCulture, out var bpm) || !(bpm > 0) || !double.IsFinite(bpm))
                throw new InvalidDataException($"{indexPath}:{i + 1}: tempo '{cells[bpmCol]}' is not a positive number");
            var p = cells[pathCol];
            if (p.Length == 0) throw new InvalidDataException($"{indexPath}:{i + 1}: empty path");
            var full = Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(dir, p));
            list.Add(new LabelledTrack(full, bpm, kindCol >= 0 && kindCol < cells.Length && cells[kindCol].Length > 0 ? cells[kindCol] : "all"));
        }
        return list;
    }
}
