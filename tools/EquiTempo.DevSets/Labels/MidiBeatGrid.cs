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
    public static double[] Times(MidiTempoMap map, double beatsPerQuarter, double audioSeconds)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (!(beatsPerQuarter > 0) || !double.IsFinite(beatsPerQuarter))
            throw new ArgumentOutOfRangeException(nameof(beatsPerQuarter), beatsPerQuarter, "beats per quarter note must be a positive number");
        if (!(audioSeconds >= 0) || !double.IsFinite(audioSeconds))
            throw new ArgumentOutOfRangeException(nameof(audioSeconds), audioSeconds, "audio length must be a non-negative number of seconds");
        double stepTicks = map.TicksPerQuarter / beatsPerQuarter;
        double from = map.FirstNoteSeconds - LeadInSeconds, to = Math.Min(map.LastNoteEndSeconds, audioSeconds);
        var barLines = map.TimeSignatures.Select(s => s.Tick).Prepend(0).Distinct().Order().ToList();
        var times = new List<double>();
        for (int b = 0; b < barLines.Count; b++)
        {
            // A beat closer than half a beat to the next bar line belongs to no beat of the new bar: left out.
            double end = b + 1 < barLines.Count ? barLines[b + 1] - stepTicks / 2 : double.PositiveInfinity;
            for (long k = 0; barLines[b] + k * stepTicks < end; k++)
            {
                double t = map.SecondsAt(barLines[b] + k * stepTicks);
                if (t > to) return [.. times];
                if (t >= from) times.Add(t);
            }
        }
        return [.. times];
    }
}
