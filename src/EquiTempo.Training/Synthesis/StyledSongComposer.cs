namespace EquiTempo.Training.Synthesis;

/// <summary>One drum stroke of a composed song: time in seconds from the start, General MIDI drum note, velocity 1–127.</summary>
public readonly record struct DrumHit(double Time, int Note, int Velocity);

/// <summary>One felt beat: time in seconds and its number in the bar (1 = downbeat).</summary>
public readonly record struct Beat(double Time, int Number);

/// <summary>
/// A composed song and what makes it a labelled example: the full MIDI file, the same file without its drum
/// channel (for a drum kit rendered from samples), the drum strokes in seconds, the felt beats, and the label.
/// </summary>
public sealed record StyledSong(byte[] Midi, byte[] MidiWithoutDrums, IReadOnlyList<DrumHit> DrumHits, IReadOnlyList<Beat> Beats,
    double Bpm, RhythmStyle Style, double Seconds, string Instruments, int Seed);

/// <summary>
/// Composes General MIDI songs in a <see cref="RhythmStyle"/> at an exact felt tempo: chords, bass line, melody and a
/// drum part (with fills) on the style's grid. The felt-beat times and downbeats follow from the style (see
/// <see cref="RhythmStyle"/> for the label rules); the MIDI tempo event counts quarter notes, so a dotted-quarter
/// style writes 1.5 × the label. Everything is drawn from the seed: the same seed gives the same bytes.
/// </summary>
public static class StyledSongComposer
{
    public const int TicksPerQuarter = 480;
    private const int DrumChannel = 9;
    private static readonly int[] Toms = { 50, 48, 47, 45, 43, 41 };

    /// <param name="programs">The General MIDI programs the synthesiser has (null: all); instruments are drawn from them.</param>
    public static StyledSong Compose(RhythmStyle style, double bpm, int seed, double seconds, IReadOnlySet<int>? programs = null)
    {
        ArgumentNullException.ThrowIfNull(style);
        if (programs is { Count: 0 }) throw EquiTempoException.InvalidSetting(nameof(programs), "the synthesiser has no instruments");
        if (!(bpm > 0) || !double.IsFinite(bpm)) throw EquiTempoException.InvalidSetting(nameof(bpm), $"must be a finite tempo > 0 (got {bpm})");
        if (!(seconds > 0) || seconds > 86_400) throw EquiTempoException.InvalidSetting(nameof(seconds), $"must be > 0 and at most a day (got {seconds} s)");
        var rng = new Random(seed);
        int ticksPerBeat = (int)Math.Round(TicksPerQuarter * style.QuartersPerBeat);
        int step = ticksPerBeat / style.StepsPerBeat, stepsPerBar = style.StepsPerBar;
        // The MIDI tempo event holds whole microseconds per quarter: times are computed from that rounded tempo,
        // so the beat and drum times are the ones a synthesiser plays (the label differs from it by < 1e-5).
        double quarterBpm = bpm * style.QuartersPerBeat;
        double secondsPerTick = BeatSeconds(style, bpm) / ticksPerBeat;
        int bars = Math.Max(1, (int)Math.Ceiling(seconds * bpm / 60.0 / style.BeatsPerBar));

        int root = 40 + rng.Next(12);
        bool minor = rng.Next(2) == 0;
        int[] scale = minor ? new[] { 0, 2, 3, 5, 7, 8, 10 } : new[] { 0, 2, 4, 5, 7, 9, 11 };
        var prog = MidiSongComposer.Progressions[rng.Next(MidiSongComposer.Progressions.Length)];
        int Pick(int[] table)
        {
            var usable = programs is null ? table : table.Where(programs.Contains).ToArray();
            return usable.Length > 0 ? usable[rng.Next(usable.Length)] : programs!.Order().ElementAt(rng.Next(programs!.Count));
        }
        int bass = Pick(MidiSongComposer.Basses), harmony = Pick(MidiSongComposer.Harmony), lead = Pick(MidiSongComposer.Leads);
        string bassPattern = style.Bass[rng.Next(style.Bass.Count)], chordPattern = style.Chords[rng.Next(style.Chords.Count)];
        int fillEvery = rng.Next(2) == 0 ? 4 : 8, fillBeats = style.BeatsPerBar >= 4 && rng.Next(2) == 0 ? 2 : 1;
        double melodyDensity = style.HasDrums ? 0.35 + 0.3 * rng.NextDouble() : 0.2;

        var ev = new List<(long Tick, byte[] Data)>
        {
            (0, new byte[] { 0xC0, (byte)harmony }), (0, new byte[] { 0xC1, (byte)bass }), (0, new byte[] { 0xC2, (byte)lead }),
        };
        void Note(int ch, long at, long len, int key, int vel)
        {
            vel = Math.Clamp(vel + rng.Next(-8, 9), 1, 127);
            ev.Add((at, new[] { (byte)(0x90 | ch), (byte)Math.Clamp(key, 0, 127), (byte)vel }));
            ev.Add((at + Math.Max(1, len), new[] { (byte)(0x80 | ch), (byte)Math.Clamp(key, 0, 127), (byte)0 }));
        }
        // Length of a note struck at step s of a pattern: until the next step that is not a hold ('-').
        static int Held(string pattern, int s)
        {
            int n = 1;
            while (s + n < pattern.Length && pattern[s + n] == '-') n++;
            return n;
        }
        int ChordRoot(int bar, int stepInBar)
        {
            int beat = bar * style.BeatsPerBar + stepInBar / style.StepsPerBeat;
            return root + prog[beat / style.BeatsPerChord % prog.Length];
        }

        bool crashNext = false;
        int arp = 0;
        for (int b = 0; b < bars; b++)
        {
            long t0 = (long)b * stepsPerBar * step;
            for (int s = 0; s < stepsPerBar; s++)
            {
                long at = t0 + (long)s * step;
                int chordRoot = ChordRoot(b, s);
                int[] chord = { chordRoot + 12, chordRoot + 12 + (minor && chordRoot == root ? 3 : 4), chordRoot + 19 };
                switch (chordPattern[s])
                {
                    case 'x': foreach (var k in chord) Note(0, at, Held(chordPattern, s) * step - 10, k, s % style.StepsPerBeat == 0 ? 78 : 68); break;
                    case 'a': Note(0, at, Held(chordPattern, s) * step - 10, chord[arp++ % 3] + (arp % 6 >= 3 ? 12 : 0), s % style.StepsPerBeat == 0 ? 76 : 62); break;
                }
                int bassKey = chordRoot - 12;
                switch (bassPattern[s])
                {
                    case 'R': Note(1, at, Held(bassPattern, s) * step - 15, bassKey, s == 0 ? 100 : 88); break;
                    case 'F': Note(1, at, Held(bassPattern, s) * step - 15, bassKey + 7, 85); break;
                    case 'O': Note(1, at, Held(bassPattern, s) * step - 15, bassKey + 12, 85); break;
                }
                // Melody: scale notes, more often on beats than between them.
                bool onBeat = s % style.StepsPerBeat == 0, onHalf = style.StepsPerBeat % 2 == 0 && s % (style.StepsPerBeat / 2) == 0;
                if ((onBeat || onHalf) && rng.NextDouble() < (onBeat ? melodyDensity : melodyDensity / 2))
                    Note(2, at, (onBeat ? style.StepsPerBeat : Math.Max(1, style.StepsPerBeat / 2)) * step - 20, root + 24 + scale[rng.Next(scale.Length)], onBeat ? 84 : 70);
            }
            if (!style.HasDrums) continue;
            bool fill = style.Fills && (b + 1) % fillEvery == 0;
            int fillFrom = fill ? stepsPerBar - fillBeats * style.StepsPerBeat : stepsPerBar;
            for (int s = 0; s < stepsPerBar; s++)
            {
                long at = t0 + (long)s * step;
                if (s >= fillFrom)
                {
                    // Fill: snare and descending toms on every step (every other step of a sixteenth grid), accents on beats.
                    if (style.StepsPerBeat == 4 && s % 2 == 1 && rng.Next(2) == 0) continue;
                    int k = s - fillFrom, n = stepsPerBar - fillFrom;
                    int key = rng.NextDouble() < 0.35 ? 38 : Toms[Math.Min(Toms.Length - 1, k * Toms.Length / n)];
                    Note(DrumChannel, at, step, key, s % style.StepsPerBeat == 0 ? 105 : 85);
                    if (s % style.StepsPerBeat == 0 && style.Drums.ContainsKey('K')) Note(DrumChannel, at, step, 36, 95);
                    continue;
                }
                if (s == 0 && crashNext) { Note(DrumChannel, at, step, 49, 105); crashNext = false; }
                foreach (var (voice, pattern) in style.Drums)
                {
                    int vel = pattern[s] switch { 'X' => 112, 'x' => 92, 'g' => 45, _ => 0 };
                    if (vel == 0) continue;
                    if (voice is 'H' or 'P' or 'Y' or 'W' or 'O') vel -= 18;
                    Note(DrumChannel, at, step, RhythmStyle.DrumNotes[voice], vel);
                }
            }
            crashNext = fill;
        }

        var (num, denPow) = style.QuartersPerBeat == 1.5 ? (style.BeatsPerBar * 3, 3) : (style.BeatsPerBar, 2);
        var midi = MidiSongComposer.WriteFormat0(ev, TicksPerQuarter, quarterBpm, num, denPow);
        var withoutDrums = MidiSongComposer.WriteFormat0(ev.Where(e => (e.Data[0] & 0x0F) != DrumChannel || (e.Data[0] & 0xF0) == 0xC0), TicksPerQuarter, quarterBpm, num, denPow);
        var hits = ev.Where(e => e.Data[0] == (0x90 | DrumChannel))
            .Select(e => new DrumHit(e.Tick * secondsPerTick, e.Data[1], e.Data[2]))
            .Where(h => h.Time < seconds)                                    // the render is cut at the song's length
            .OrderBy(h => h.Time).ThenBy(h => h.Note).ToList();
        return new StyledSong(midi, withoutDrums, hits, BeatsOf(style, ticksPerBeat * secondsPerTick, seconds), bpm, style, seconds,
            $"harmony {harmony}, bass {bass}, lead {lead}", seed);
    }

    /// <summary>The beat period of a style at a label: the MIDI tempo holds whole microseconds per quarter note.</summary>
    public static double BeatSeconds(RhythmStyle style, double bpm) =>
        Math.Round(60_000_000.0 / (bpm * style.QuartersPerBeat)) / 1e6 * style.QuartersPerBeat;

    /// <summary>The felt beats of <paramref name="seconds"/> of music in <paramref name="style"/>: one every
    /// <paramref name="beatSeconds"/> (60 / label) from time 0, numbered 1..BeatsPerBar.</summary>
    public static List<Beat> BeatsOf(RhythmStyle style, double beatSeconds, double seconds)
    {
        var beats = new List<Beat>();
        for (int k = 0; ; k++)
        {
            double t = k * beatSeconds;
            if (t >= seconds) break;
            beats.Add(new Beat(t, k % style.BeatsPerBar + 1));
        }
        return beats;
    }
}
