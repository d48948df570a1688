namespace EquiTempo.Training.Synthesis;

/// <summary>Settings of composed songs: length and the chance of a song with no drum part.</summary>
public sealed record SongConfig(double Seconds = 30, double NoDrumsProbability = 0.15, int TicksPerQuarter = 480);

/// <summary>What was composed: the Standard MIDI File and the facts that make it a labelled example.</summary>
public sealed record ComposedSong(byte[] Midi, double Bpm, string DrumStyle, string Instruments);

/// <summary>
/// Composes short multi-instrument songs at an exact tempo as General MIDI files: a chord progression
/// played by a random keyboard, guitar, string or pad; a bass line; a melody; and (usually) a drum kit in
/// one of several styles, all on the quarter-note grid of the requested BPM. Rendered with a General MIDI
/// synthesiser they are labelled music with real instrument timbres and no human label: the tempo is
/// known because the program wrote it. Backbeat styles put snare on beats 2 and 4, so the felt beat is
/// the MIDI quarter note and the label has no metrical ambiguity by construction.
/// </summary>
public static class MidiSongComposer
{
    internal static readonly int[] Basses = { 32, 33, 34, 35, 36, 38, 39 };
    internal static readonly int[] Harmony = { 0, 1, 2, 4, 5, 6, 16, 17, 19, 24, 25, 26, 27, 29, 46, 48, 49, 50, 61, 62, 88, 89, 90, 91, 94 };
    internal static readonly int[] Leads = { 11, 12, 13, 40, 41, 56, 57, 60, 64, 65, 66, 68, 71, 72, 73, 75, 79, 80, 81, 84 };
    internal static readonly int[][] Progressions =
    {
        new[] { 0, 7, 9, 5 }, new[] { 0, 5, 7, 5 }, new[] { 9, 5, 0, 7 }, new[] { 2, 7, 0, 9 }, new[] { 0, 9, 5, 7 }, new[] { 0, 3, 10, 5 },
    };

    /// <summary>Drum styles: per sixteenth step of one bar, the GM drum notes struck (36 kick, 38 snare, 42 closed hat, 46 open hat, 51 ride).</summary>
    private static readonly (string Name, int[][] Steps)[] DrumStyles =
    {
        ("rock", Bar(s => s % 8 == 0 ? new[] { 36, 42 } : s % 8 == 4 ? new[] { 38, 42 } : s % 2 == 0 ? new[] { 42 } : Array.Empty<int>())),
        ("disco", Bar(s => s % 4 == 0 ? (s % 8 == 4 ? new[] { 36, 38 } : new[] { 36 }) : s % 4 == 2 ? new[] { 46 } : Array.Empty<int>())),
        ("funk", Bar(s => (s is 0 or 6 or 10 ? new[] { 36, 42 } : s is 4 or 12 ? new[] { 38, 42 } : new[] { 42 }))),
        ("pop", Bar(s => s is 0 or 3 or 8 or 11 ? new[] { 36, 42 } : s % 8 == 4 ? new[] { 38, 42 } : s % 2 == 0 ? new[] { 42 } : Array.Empty<int>())),
        ("ride", Bar(s => s % 8 == 0 ? new[] { 36, 51 } : s % 8 == 4 ? new[] { 38, 51 } : s % 4 == 2 ? new[] { 51 } : Array.Empty<int>())),
    };

    private static int[][] Bar(Func<int, int[]> step) => Enumerable.Range(0, 16).Select(step).ToArray();

    public static ComposedSong Compose(double bpm, int seed, SongConfig? config = null)
    {
        var cfg = config ?? new SongConfig();
        if (!(bpm > 0) || !double.IsFinite(bpm)) throw EquiTempoException.InvalidSetting(nameof(bpm), $"must be a finite tempo > 0 (got {bpm})");
        // Bars are counted in an int, and a song of more than a day is no training example.
        if (!(cfg.Seconds > 0) || cfg.Seconds > 86_400) throw EquiTempoException.InvalidSetting(nameof(cfg.Seconds), $"must be > 0 and at most a day (got {cfg.Seconds} s)");
        var rng = new Random(seed);
        int tpq = cfg.TicksPerQuarter, sixteenth = tpq / 4, bar = 4 * tpq;
        int bars = Math.Max(1, (int)Math.Ceiling(cfg.Seconds * bpm / 240.0));
        int root = 40 + rng.Next(12);
        bool minor = rng.Next(2) == 0;
        int[] scale = minor ? new[] { 0, 2, 3, 5, 7, 8, 10 } : new[] { 0, 2, 4, 5, 7, 9, 11 };
        var prog = Progressions[rng.Next(Progressions.Length)];
        int bass = Basses[rng.Next(Basses.Length)], harmony = Harmony[rng.Next(Harmony.Length)], lead = Leads[rng.Next(Leads.Length)];
        bool drums = rng.NextDouble() >= cfg.NoDrumsProbability;
        var style = DrumStyles[rng.Next(DrumStyles.Length)];
        int chordRhythm = rng.Next(4), bassRhythm = rng.Next(4);
        var ev = new List<(long Tick, byte[] Data)>();
        void Note(int ch, long at, long len, int key, int vel)
        {
            vel = Math.Clamp(vel + rng.Next(-8, 9), 1, 127);
            ev.Add((at, new[] { (byte)(0x90 | ch), (byte)key, (byte)vel }));
            ev.Add((at + Math.Max(1, len), new[] { (byte)(0x80 | ch), (byte)key, (byte)0 }));
        }
        ev.Add((0, new byte[] { 0xC0, (byte)harmony }));
        ev.Add((0, new byte[] { 0xC1, (byte)bass }));
        ev.Add((0, new byte[] { 0xC2, (byte)lead }));
        for (int b = 0; b < bars; b++)
        {
            long t0 = (long)b * bar;
            int chordRoot = root + prog[b % prog.Length];
            int[] chord = { chordRoot + 12, chordRoot + 12 + (minor && prog[b % prog.Length] == 0 ? 3 : 4), chordRoot + 19 };
            switch (chordRhythm)
            {
                case 0: foreach (var k in chord) Note(0, t0, bar - 10, k, 70); break;                                   // held chords
                case 1: for (int q = 0; q < 4; q++) foreach (var k in chord) Note(0, t0 + q * tpq, tpq - 40, k, q % 2 == 0 ? 80 : 65); break;
                case 2: for (int q = 0; q < 4; q++) foreach (var k in chord) Note(0, t0 + q * tpq + tpq / 2, tpq / 3, k, 75); break;   // off-beat stabs
                default: for (int e = 0; e < 8; e++) Note(0, t0 + e * tpq / 2, tpq / 2 - 20, chord[e % 3] + (e >= 3 && e < 6 ? 12 : 0), e % 2 == 0 ? 78 : 62); break;   // arpeggio
            }
            int bassKey = chordRoot - 12;
            switch (bassRhythm)
            {
                case 0: for (int q = 0; q < 4; q++) Note(1, t0 + q * tpq, tpq - 30, bassKey, q == 0 ? 100 : 85); break;
                case 1: for (int e = 0; e < 8; e++) Note(1, t0 + e * tpq / 2, tpq / 2 - 20, bassKey + (e % 4 == 2 ? 7 : 0), e % 2 == 0 ? 95 : 75); break;
                case 2: Note(1, t0, tpq * 3 / 2, bassKey, 100); Note(1, t0 + tpq * 3 / 2, tpq / 2, bassKey + 7, 80); Note(1, t0 + 2 * tpq, 2 * tpq - 30, bassKey, 90); break;
                default: Note(1, t0, 2 * tpq - 30, bassKey, 100); Note(1, t0 + 2 * tpq, 2 * tpq - 30, bassKey + 7, 90); break;
            }
            // Melody: scale notes on the eighth-note grid, longer notes on beats, some rests.
            for (int e = 0; e < 8; e++)
            {
                if (rng.NextDouble() < (e % 2 == 0 ? 0.3 : 0.6)) continue;
                int degree = rng.Next(scale.Length);
                Note(2, t0 + e * tpq / 2, tpq / 2 * (e % 2 == 0 ? 2 : 1) - 20, root + 24 + scale[degree], e % 2 == 0 ? 85 : 70);
            }
            if (drums)
                for (int s = 0; s < 16; s++)
                    foreach (var key in style.Steps[s])
                        Note(9, t0 + s * sixteenth, sixteenth, key, (s % 4 == 0 ? 105 : 80) - (key is 42 or 51 ? 15 : 0));
        }
        var bytes = WriteFormat0(ev, tpq, bpm);
        return new ComposedSong(bytes, bpm, drums ? style.Name : "none", $"harmony {harmony}, bass {bass}, lead {lead}");
    }

    /// <summary>A format-0 Standard MIDI File: header, one track with a tempo event (<paramref name="bpm"/> in quarter notes),
    /// a time signature (<paramref name="numerator"/> / 2^<paramref name="denominatorPower"/>) and the note events in time order.</summary>
    internal static byte[] WriteFormat0(IEnumerable<(long Tick, byte[] Data)> events, int tpq, double bpm, int numerator = 4, int denominatorPower = 2)
    {
        var track = new List<byte>();
        int usPerQuarter = (int)Math.Round(60_000_000.0 / bpm);
        track.AddRange(new byte[] { 0x00, 0xFF, 0x51, 0x03, (byte)(usPerQuarter >> 16), (byte)(usPerQuarter >> 8), (byte)usPerQuarter });
        track.AddRange(new byte[] { 0x00, 0xFF, 0x58, 0x04, (byte)numerator, (byte)denominatorPower, 24, 8 });
        long last = 0;
        // Note-offs before note-ons at the same tick, so a repeated key is released before it is struck again.
        foreach (var (tick, data) in events.OrderBy(e => e.Tick).ThenBy(e => (e.Data[0] & 0xF0) == 0x80 ? 0 : (e.Data[0] & 0xF0) == 0xC0 ? -1 : 1))
        {
            WriteVarLen(track, tick - last);
            track.AddRange(data);
            last = tick;
        }
        track.AddRange(new byte[] { 0x00, 0xFF, 0x2F, 0x00 });
        var file = new List<byte>();
        file.AddRange("MThd"u8.ToArray());
        file.AddRange(BigEndian(6, 4));
        file.AddRange(BigEndian(0, 2));
        file.AddRange(BigEndian(1, 2));
        file.AddRange(BigEndian(tpq, 2));
        file.AddRange("MTrk"u8.ToArray());
        file.AddRange(BigEndian(track.Count, 4));
        file.AddRange(track);
        return file.ToArray();
    }

    private static IEnumerable<byte> BigEndian(int v, int bytes) => Enumerable.Range(0, bytes).Select(i => (byte)(v >> (8 * (bytes - 1 - i))));

    private static void WriteVarLen(List<byte> o, long v)
    {
        var stack = new Stack<byte>();
        stack.Push((byte)(v & 0x7F));
        while ((v >>= 7) > 0) stack.Push((byte)((v & 0x7F) | 0x80));
        o.AddRange(stack);
    }
}
