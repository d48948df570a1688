namespace EquiTempo.DevSets;

/// <summary>
/// The tempo label of a MIDI song. <see cref="QuarterBpm"/> is the MIDI tempo that covers most of the
/// song (first note-on to the end of the last note); <see cref="Bpm"/> is the felt beat: in 6/8, 9/8
/// and 12/8 the beat is a dotted quarter, 2/3 of the quarter-note tempo. <see cref="Share"/> is the
/// part of the song played within ±2 % of that tempo.
/// </summary>
public sealed record MidiTempoLabel(double Bpm, double QuarterBpm, double Share, MidiTimeSignature? Meter, double Seconds)
{
    public bool IsSteady(double minShare) => Share >= minShare;

    /// <summary>Felt beats per quarter note: 1, or 2/3 in a compound meter; the step of the song's beat grid (<see cref="MidiBeatGrid"/>).</summary>
    public double BeatsPerQuarter => Bpm / QuarterBpm;

    public static MidiTempoLabel FromFile(string path) => From(MidiTempoMap.Read(path));

    public static MidiTempoLabel From(MidiTempoMap map)
    {
        double start = map.FirstNoteSeconds, end = map.LastNoteEndSeconds;
        if (!(end > start))
            throw new InvalidDataException($"{map.Source}: all notes start and end on one tick, so the song has no length to time");
        var tempos = Segments(map, start, end, map.TempoChanges.Select(c => (c.Tick, c.QuarterBpm)).ToList());
        var dominant = DominantTempo.Find(tempos.Select(t => new TempoSpan(t.Value, t.Seconds)));
        var meter = DominantMeter(map, start, end);
        double beatsPerQuarter = meter is { } m ? FeltBeat.PerQuarter(m.Numerator, m.Denominator) : 1.0;
        return new MidiTempoLabel(dominant.Rate * beatsPerQuarter, dominant.Rate, dominant.Share, meter, end - start);
    }

    /// <summary>The time signature in force for most of the song, or null when the file sets none.</summary>
    private static MidiTimeSignature? DominantMeter(MidiTempoMap map, double start, double end)
    {
        if (map.TimeSignatures.Count == 0) return null;
        var changes = map.TimeSignatures.Select(s => (s.Tick, Value: (s.Numerator, s.Denominator))).ToList();
        // A signature set after the first note leaves the song's opening in SMF's default 4/4.
        if (changes[0].Tick > map.FirstNoteTick) changes.Insert(0, (0, (4, 4)));
        var (numerator, denominator) = Segments(map, start, end, changes)
            .GroupBy(s => s.Value)
            .MaxBy(g => g.Sum(s => s.Seconds))!.Key;
        return new MidiTimeSignature(0, numerator, denominator);
    }

    /// <summary>How many seconds between <paramref name="start"/> and <paramref name="end"/> each value of a tick-ordered list of changes is in force.</summary>
    private static IEnumerable<(T Value, double Seconds)> Segments<T>(MidiTempoMap map, double start, double end, List<(long Tick, T Value)> changes)
    {
        for (int i = 0; i < changes.Count; i++)
        {
            double from = Math.Max(start, map.SecondsAt(changes[i].Tick));
            double to = Math.Min(end, i + 1 < changes.Count ? map.SecondsAt(changes[i + 1].Tick) : end);
            yield return (changes[i].Value, Math.Max(0, to - from));
        }
    }
}
