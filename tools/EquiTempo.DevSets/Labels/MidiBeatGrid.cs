namespace EquiTempo.DevSets;

/// <summary>
/// The beat times of a MIDI song, exact from its tempo map: a beat every quarter note, or every
/// dotted quarter when the set's label counts the felt beat of a compound meter, so that the beat
/// period is 60 / the label's BPM. The grid restarts at every time signature, where SMF puts a bar
/// line, so a bar of another meter does not shift the beats after it. Times are seconds of the
/// render, which starts at MIDI time 0 (fluidsynth neither delays nor trims the start).
/// </summary>
public static class MidiBeatGrid
{
    /// <summary>
    /// A beat this much before the first note still counts as the song's first: a drummer behind the
    /// click (GMD) plays beat one a few tens of milliseconds late. The beat-scoring tolerance, ±70 ms.
    /// </summary>
    public const double LeadInSeconds = 0.07;

    /// <summary>
    /// The beats from the first note (less <see cref="LeadInSeconds"/>) to the end of the last note or
    /// of the audio, whichever comes first: annotations cover the music, not the silence before it or
    /// the reverb after it. <paramref name="beatsPerQuarter"/> is 1 (quarter-note beat) or 2/3 (dotted quarter).
    /// </summary>
    public static double[] Times(MidiTempoMap map, double beatsPerQuarter, double audioSeconds) =>
        Beats(map, beatsPerQuarter, audioSeconds).Times;

    /// <summary>
    /// The beats of <see cref="Times"/>, numbered in their bars (1 = downbeat). Bars start at MIDI time 0
    /// and at every time signature, as SMF puts them, and last the bar of the signature in force, so a
    /// pickup is only what the file marks as one (some open with a bar of 1/8 before their 4/4: the
    /// downbeat follows it), and a short bar is numbered from 1 like any other. Numbers only
    /// when the file states the meter of every beat: none when it has no time signature, or a beat falls
    /// before its first one (SMF's default 4/4 there would be a guess), or a bar is not a whole number of
    /// grid beats (5/8 or 7/16 at the quarter note), where the beats cross bar lines.
    /// </summary>
    public static NumberedBeats Beats(MidiTempoMap map, double beatsPerQuarter, double audioSeconds)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!(beatsPerQuarter > 0) || !double.IsFinite(beatsPerQuarter))
            throw new ArgumentOutOfRangeException(nameof(beatsPerQuarter), beatsPerQuarter, "beats per quarter note must be a positive number");
        if (!(audioSeconds >= 0) || !double.IsFinite(audioSeconds))
            throw new ArgumentOutOfRangeException(nameof(audioSeconds), audioSeconds, "audio length must be a non-negative number of seconds");
        double stepTicks = map.TicksPerQuarter / beatsPerQuarter;
        double from = map.FirstNoteSeconds - LeadInSeconds, to = Math.Min(map.LastNoteEndSeconds, audioSeconds);
        var sections = Sections(map, beatsPerQuarter);
        var times = new List<double>();
        var numbers = new List<int>();
        bool numbered = true;
        for (int b = 0; b < sections.Count; b++)
        {
            var (start, beatsPerBar) = sections[b];
            // A beat closer than half a beat to the next bar line belongs to no beat of the new bar: left out.
            double end = b + 1 < sections.Count ? sections[b + 1].Tick - stepTicks / 2 : double.PositiveInfinity;
            for (long k = 0; start + k * stepTicks < end; k++)
            {
                double t = map.SecondsAt(start + k * stepTicks);
                if (t > to) return Numbered(times, numbers, numbered);
                if (t < from) continue;
                times.Add(t);
                if (beatsPerBar is int n) numbers.Add((int)(k % n) + 1);
                else numbered = false;
            }
        }
        return Numbered(times, numbers, numbered);
    }

    private static NumberedBeats Numbered(List<double> times, List<int> numbers, bool numbered) =>
        new([.. times], numbered ? [.. numbers] : null);

    /// <summary>
    /// Where the grid restarts (tick 0 and each time signature) and the grid beats in a bar from there:
    /// null before the first signature and where a bar is not a whole number of beats. Of several
    /// signatures on one tick, the last is the one in force.
    /// </summary>
    private static List<(long Tick, int? BeatsPerBar)> Sections(MidiTempoMap map, double beatsPerQuarter)
    {
        var sections = new List<(long Tick, int? BeatsPerBar)>();
        if (map.TimeSignatures.Count == 0 || map.TimeSignatures[0].Tick > 0) sections.Add((0, null));
        foreach (var signature in map.TimeSignatures)
        {
            var section = (signature.Tick, FeltBeat.PerBar(signature.Numerator, signature.Denominator, beatsPerQuarter));
            if (sections.Count > 0 && sections[^1].Tick == signature.Tick) sections[^1] = section;
            else sections.Add(section);
        }
        return sections;
    }
}
