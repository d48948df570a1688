using System.Globalization;

namespace EquiTempo.Evaluation;

/// <summary>
/// Reads an index file: CSV or TSV with a header naming at least a path column (path/file/audio/filename)
/// and a tempo column (bpm/tempo); an optional kind/genre/dataset column splits the results, and optional
/// bpm2 and salience columns give a second reference tempo for the P-score, and an optional beats column names a
/// beat-time file (one time a line, as <c>.beats</c>; relative like the audio path) for beat scoring. A file whose first line has no
/// header but a path and a number (the Marsyas ".mf" collections: path TAB bpm) is read the same way.
/// Relative paths are taken relative to <c>audioDirectory</c> when given, else to the index file.
/// Malformed lines are errors naming the file and line.
/// </summary>
public static class TempoIndex
{
    public static List<LabelledTrack> Read(string indexPath, string? audioDirectory = null)
    {
        if (!File.Exists(indexPath)) throw new EquiTempoException(ErrorReason.InvalidData, indexPath, "index file not found");
        var lines = LabelFile.Lines(indexPath);
        if (lines.Length == 0) throw new EquiTempoException(ErrorReason.InvalidData, indexPath, "empty index file");
        char sep = lines[0].Contains('\t') ? '\t' : ',';
        var header = Cells(lines[0], sep).Select(h => h.ToLowerInvariant()).ToArray();
        int pathCol = Array.FindIndex(header, h => h is "path" or "file" or "audio" or "filename" or "audio_path");
        int bpmCol = Array.FindIndex(header, h => h is "bpm" or "tempo");
        int kindCol = Array.FindIndex(header, h => h is "kind" or "genre" or "dataset" or "style");
        int bpm2Col = Array.FindIndex(header, h => h is "bpm2" or "tempo2");
        int salienceCol = Array.FindIndex(header, h => h is "salience" or "salience1");
        int beatsCol = Array.FindIndex(header, h => h is "beats" or "beat_file" or "beats_path");
        int firstDataLine = 1;
        if (pathCol < 0 && bpmCol < 0 && header.Length >= 2 && TryNumber(header[1], out _))
        {
            pathCol = 0;
            bpmCol = 1;
            firstDataLine = 0;
        }
        if (pathCol < 0 || bpmCol < 0)
            throw new EquiTempoException(ErrorReason.InvalidData, $"{indexPath}:1", $"header must name a path column (path, file, audio) and a tempo column (bpm, tempo); found: {lines[0]}");
        if ((bpm2Col < 0) != (salienceCol < 0))
            throw new EquiTempoException(ErrorReason.InvalidData, $"{indexPath}:1", $"a second tempo needs both a bpm2 and a salience column; found: {lines[0]}");
        var baseDir = audioDirectory is null ? Path.GetDirectoryName(Path.GetFullPath(indexPath))! : Path.GetFullPath(audioDirectory);
        var list = new List<LabelledTrack>();
        for (int i = firstDataLine; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            string where = $"{indexPath}:{i + 1}";
            var cells = Cells(line, sep);
            if (cells.Length <= Math.Max(pathCol, bpmCol))
                throw new EquiTempoException(ErrorReason.InvalidData, where, $"expected at least {Math.Max(pathCol, bpmCol) + 1} columns, found {cells.Length}");
            double bpm = PositiveTempo(cells[bpmCol], where);
            var p = cells[pathCol];
            if (p.Length == 0) throw new EquiTempoException(ErrorReason.InvalidData, where, "empty path");
            var full = Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
            var track = new LabelledTrack(full, bpm, kindCol >= 0 && kindCol < cells.Length && cells[kindCol].Length > 0 ? cells[kindCol] : "all");
            string bpm2Cell = bpm2Col >= 0 && bpm2Col < cells.Length ? cells[bpm2Col] : "";
            if (bpm2Cell.Length > 0)
            {
                string salienceCell = salienceCol < cells.Length ? cells[salienceCol] : "";
                if (!TryNumber(salienceCell, out var salience) || salience < 0 || salience > 1)
                    throw new EquiTempoException(ErrorReason.InvalidData, where, $"salience '{salienceCell}' is not a number in [0, 1]");
                track = track with { Bpm2 = PositiveTempo(bpm2Cell, where), Salience = salience };
            }
            string beatsCell = beatsCol >= 0 && beatsCol < cells.Length ? cells[beatsCol] : "";
            if (beatsCell.Length > 0)
            {
                var beatsPath = Path.IsPathRooted(beatsCell) ? beatsCell : Path.GetFullPath(Path.Combine(baseDir, beatsCell));
                if (!File.Exists(beatsPath)) throw new EquiTempoException(ErrorReason.InvalidData, where, $"beat file not found: {beatsPath}");
                var beats = TempoAnnotationFile.ReadBeats(beatsPath);
                track = track with { BeatTimes = beats.Times, DownbeatTimes = beats.DownbeatTimes };
            }
            list.Add(track);
        }
        return list;
    }

    private static string[] Cells(string line, char sep) => line.Split(sep).Select(c => c.Trim().Trim('"')).ToArray();

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static double PositiveTempo(string text, string where) =>
        TryNumber(text, out var bpm) && bpm > 0 ? bpm : throw new EquiTempoException(ErrorReason.InvalidData, where, $"tempo '{text}' is not a positive number");
}
