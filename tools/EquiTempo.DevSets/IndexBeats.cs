using System.Globalization;

namespace EquiTempo.DevSets.Tool;

/// <summary>
/// Adds exact beats to a set rendered from MIDI files by another builder (the Groove MIDI drum set,
/// tools/build-gmd-devset.sh): for each row of its index, the beat grid of the MIDI file its
/// <c>midi</c> column names (<see cref="MidiBeatGrid"/>) is written as NAME.beats beside the audio,
/// and the index is rewritten with a <c>beats</c> column. The felt beat follows the row's label: the
/// quarter note when the label is the MIDI tempo, the dotted quarter when it is 2/3 of it; a label that
/// is neither is an error, since then the beats could not agree with it. The beats are numbered in
/// their bars from the MIDI file's time signatures where <see cref="MidiBeatGrid.Beats"/> can (GMD's
/// state the meter its file names carry).
/// </summary>
internal static class IndexBeats
{
    /// <summary>How far a label may be from the MIDI tempo (or 2/3 of it): the rounding of a BPM written as a whole number.</summary>
    private const double LabelTolerance = 0.01;

    public static int Run(string indexPath, string midiRoot, TextWriter report)
    {
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"{indexPath}: index not found", indexPath);
        if (!Directory.Exists(midiRoot)) throw new DirectoryNotFoundException($"{midiRoot}: MIDI folder not found");
        var lines = File.ReadAllLines(indexPath);
        if (lines.Length == 0) throw new InvalidDataException($"{indexPath}: empty index");
        var header = lines[0].Split('\t').ToList();
        int pathCol = Column(header, "path", indexPath), bpmCol = Column(header, "bpm", indexPath), midiCol = Column(header, "midi", indexPath);
        int beatsCol = header.IndexOf("beats");
        if (beatsCol < 0)
        {
            header.Add("beats");
            beatsCol = header.Count - 1;
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var rows = new List<string> { string.Join('\t', header) };
        int files = 0, numberedFiles = 0, beatCount = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string where = $"{indexPath}:{i + 1}";
            var cells = lines[i].Split('\t').ToList();
            while (cells.Count < header.Count) cells.Add("");
            if (!double.TryParse(cells[bpmCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double bpm) || !(bpm > 0))
                throw new InvalidDataException($"{where}: bpm '{cells[bpmCol]}' is not a positive number");
            string wav = Path.Combine(folder, cells[pathCol]), midi = Path.Combine(midiRoot, cells[midiCol]);
            if (!File.Exists(wav)) throw new FileNotFoundException($"{where}: audio {wav} not found", wav);
            var map = MidiTempoMap.Read(midi);
            double beatsPerQuarter = FeltBeatOfLabel(bpm, MidiTempoLabel.From(map).QuarterBpm, where);
            var grid = MidiBeatGrid.Beats(map, beatsPerQuarter, DevSetBuild.WavSeconds(wav));
            string beats = Path.ChangeExtension(cells[pathCol], ".beats");
            DevSetBuild.WriteBeats(Path.Combine(folder, beats), grid);
            cells[beatsCol] = beats;
            rows.Add(string.Join('\t', cells));
            files++;
            beatCount += grid.Times.Length;
            if (grid.Numbers is not null) numberedFiles++;
        }
        File.WriteAllLines(indexPath + ".tmp", rows);
        File.Move(indexPath + ".tmp", indexPath, overwrite: true);
        report.WriteLine($"{files} .beats files ({beatCount} beats, {numberedFiles} files numbered in their bars) beside the audio of {indexPath}");
        return 0;
    }

    /// <summary>Felt beats per quarter note that make the grid's period 60 / the label: 1 or 2/3.</summary>
    private static double FeltBeatOfLabel(double bpm, double quarterBpm, string where)
    {
        foreach (double perQuarter in new[] { 1.0, 2.0 / 3.0 })
            if (Math.Abs(bpm / (quarterBpm * perQuarter) - 1) <= LabelTolerance) return perQuarter;
        throw new InvalidDataException($"{where}: label {bpm} BPM is neither the MIDI file's tempo ({quarterBpm:F2} quarter notes a minute) nor 2/3 of it, so no beat grid agrees with it");
    }

    private static int Column(List<string> header, string name, string indexPath)
    {
        int column = header.IndexOf(name);
        return column >= 0 ? column : throw new InvalidDataException($"{indexPath}: no '{name}' column in the header ({string.Join(", ", header)})");
    }
}
