namespace EquiTempo.Training.Synthesis;

/// <summary>
/// One rhythm style of <see cref="StyledSongComposer"/>: its meter, the grid its parts are written on, what the felt
/// beat is, and the drum, bass and chord patterns that make the style. Patterns are strings with one character per
/// grid step over one bar (<see cref="BeatsPerBar"/> × <see cref="StepsPerBeat"/> steps): '.' rest, 'x' a hit,
/// 'X' an accent, 'g' a ghost note.
/// </summary>
/// <remarks>
/// <para><b>Label convention (the bpm written to the index).</b> The label is the tempo of the felt beat
/// (<see cref="FeltBeat"/>), counted in beats per minute, and the <c>.beats</c> file lists those beats. Rules:</para>
/// <list type="bullet">
/// <item>Backbeat styles (rock, pop, funk, hip-hop, breakbeat, drum'n'bass, four-on-the-floor, shuffle, swing):
/// the quarter note, the pulse that alternates kick (beats 1, 3) and snare or clap (beats 2, 4).</item>
/// <item>Half-time and double-time feels: the drums' backbeat pulse again (kick on 1 and 3, snare on 2 and 4 of the
/// felt bar). In half-time the chords and the bass move twice as fast as that pulse (the song "at 2× the label" with
/// its snare on 3); in double-time they move half as fast (the song "at ½ the label" with a doubled backbeat). The
/// label follows the drums, not the harmony.</item>
/// <item>Reggae one-drop: the quarter note that the off-beat skank and the hats count; kick and rim fall together on
/// beat 3 only, so beat 1 has no kick (the downbeat is still beat 1 of the written 4/4 bar).</item>
/// <item>Bossa nova: the quarter note of a 4/4 bar (kick on 1, the "and" of 2, 3, the "and" of 4; clave on the rim).</item>
/// <item>3/4 waltz: the quarter note, three a bar. 6/8 and 12/8: the dotted quarter (three eighths a beat), two or
/// four a bar; the MIDI tempo (quarter notes) is 1.5 × the label.</item>
/// <item>Ambient (no drums): the quarter note on which the bass and the chord pulse fall.</item>
/// </list>
/// <para>Downbeats are beat number 1 (the first beat of each bar); the first beat is at time 0.</para>
/// </remarks>
public sealed record RhythmStyle
{
    public required string Name { get; init; }
    /// <summary>Felt beats in a bar (4 for 4/4 and 12/8, 3 for 3/4, 2 for 6/8).</summary>
    public required int BeatsPerBar { get; init; }
    /// <summary>Grid steps in one felt beat: 4 sixteenths, 3 triplets or eighths of a dotted quarter, 2 eighths.</summary>
    public required int StepsPerBeat { get; init; }
    /// <summary>Quarter notes in one felt beat: 1, or 1.5 for a dotted-quarter beat (6/8, 12/8).</summary>
    public double QuartersPerBeat { get; init; } = 1;
    /// <summary>The written meter, e.g. "4/4", "12/8".</summary>
    public required string Meter { get; init; }
    /// <summary>What the label counts, in words (README table).</summary>
    public required string FeltBeat { get; init; }
    /// <summary>Range of the felt tempo (label) drawn for this style, BPM.</summary>
    public required double MinBpm { get; init; }
    public required double MaxBpm { get; init; }
    /// <summary>Drum voice → pattern over one bar; empty for a style without drums. Voices: K kick, S snare, R rim or
    /// side stick, C clap, H closed hat, P pedal hat, O open hat, Y ride, B cowbell, W shaker.</summary>
    public required IReadOnlyDictionary<char, string> Drums { get; init; }
    /// <summary>Bass patterns over one bar (one is drawn per song): 'R' root, 'F' fifth, 'O' octave, '.' rest, '-' hold.</summary>
    public required IReadOnlyList<string> Bass { get; init; }
    /// <summary>Chord patterns over one bar (one is drawn per song): 'x' strike the chord, 'a' one arpeggio note, '-' hold, '.' rest.</summary>
    public required IReadOnlyList<string> Chords { get; init; }
    /// <summary>Felt beats per chord change (a half-time song changes chords faster than its label, double-time slower).</summary>
    public required int BeatsPerChord { get; init; }
    /// <summary>A fill (snare and toms on the grid) replaces the last beat(s) of every 4th or 8th bar.</summary>
    public bool Fills { get; init; } = true;

    public int StepsPerBar => BeatsPerBar * StepsPerBeat;
    public bool HasDrums => Drums.Count > 0;

    /// <summary>The General MIDI drum note of each voice letter.</summary>
    public static readonly IReadOnlyDictionary<char, int> DrumNotes = new Dictionary<char, int>
    {
        ['K'] = 36, ['S'] = 38, ['R'] = 37, ['C'] = 39, ['H'] = 42, ['P'] = 44, ['O'] = 46, ['Y'] = 51, ['B'] = 56, ['W'] = 70,
    };

    /// <summary>Checks that every pattern has one character per grid step and only known characters.</summary>
    internal void Validate()
    {
        void Check(string what, string p, string allowed)
        {
            if (p.Length != StepsPerBar) throw new InvalidOperationException($"style {Name}: {what} pattern '{p}' has {p.Length} steps, the bar has {StepsPerBar}");
            if (p.Any(c => !allowed.Contains(c))) throw new InvalidOperationException($"style {Name}: {what} pattern '{p}' uses a character outside '{allowed}'");
        }
        foreach (var (voice, p) in Drums)
        {
            if (!DrumNotes.ContainsKey(voice)) throw new InvalidOperationException($"style {Name}: unknown drum voice '{voice}'");
            Check($"drum {voice}", p, ".xXg");
        }
        foreach (var p in Bass) Check("bass", p, ".-RFO");
        foreach (var p in Chords) Check("chord", p, ".-xa");
        if (BeatsPerChord < 1 || !(MinBpm > 0) || MaxBpm < MinBpm) throw new InvalidOperationException($"style {Name}: bad chord rate or tempo range");
    }
}

/// <summary>The style table of <see cref="StyledSongComposer"/> (see <see cref="RhythmStyle"/> for the label rules).</summary>
public static class RhythmStyles
{
    private static Dictionary<char, string> D(params (char Voice, string Pattern)[] voices) => voices.ToDictionary(v => v.Voice, v => v.Pattern);

    public static readonly IReadOnlyList<RhythmStyle> All = Build();

    private static RhythmStyle[] Build()
    {
        const string QuarterBackbeat = "quarter note (kick 1 and 3, snare 2 and 4)";
        var styles = new[]
        {
            new RhythmStyle
            {
                Name = "rock", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat, MinBpm = 80, MaxBpm = 170, BeatsPerChord = 4,
                Drums = D(('K', "X.......x.x....."), ('S', "....X.......X..."), ('H', "x.x.x.x.x.x.x.x.")),
                Bass = new[] { "R.R.R.R.R.R.R.R.", "R---R---F---R---" },
                Chords = new[] { "x---x---x---x---", "x-------x-------" },
            },
            new RhythmStyle
            {
                Name = "pop", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat, MinBpm = 85, MaxBpm = 135, BeatsPerChord = 4,
                Drums = D(('K', "X..x....x..x...."), ('S', "....X.......X..."), ('H', "x.x.x.x.x.x.x.x.")),
                Bass = new[] { "R..R....R..R....", "R-----R-F-----F-" },
                Chords = new[] { "x..x..x.x..x..x.", "aaaaaaaaaaaaaaaa" },
            },
            new RhythmStyle
            {
                Name = "four-on-the-floor", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = "quarter note (kick on every beat, clap 2 and 4)", MinBpm = 110, MaxBpm = 135, BeatsPerChord = 8,
                Drums = D(('K', "X...x...X...x..."), ('C', "....x.......x..."), ('O', "..x...x...x...x."), ('H', "x.g.x.g.x.g.x.g.")),
                Bass = new[] { "..R...R...R...R.", "R.RO..R.R.RO..R." },
                Chords = new[] { "..x...x...x...x.", "x-------x-------" },
            },
            new RhythmStyle
            {
                Name = "funk", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat, MinBpm = 85, MaxBpm = 120, BeatsPerChord = 4,
                Drums = D(('K', "X.....x...x..x.."), ('S', "....X..g.g..X..g"), ('H', "xxxxxxxxxxxxxxxx")),
                Bass = new[] { "R..O..R...RF.R..", "R.ROR..FR..R.O.R" },
                Chords = new[] { "..x..x.x..x..x..", ".x.x.x.x.x.x.x.x" },
            },
            new RhythmStyle
            {
                Name = "hip-hop", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat, MinBpm = 70, MaxBpm = 100, BeatsPerChord = 8,
                Drums = D(('K', "X..x.....xx....."), ('S', "....X.......X..."), ('H', "x.x.x.x.x.x.x.x.")),
                Bass = new[] { "R..R.....RR.....", "R-------F-----R." },
                Chords = new[] { "x-------x-------", "x.....x.....x..." },
            },
            new RhythmStyle
            {
                Name = "reggae-one-drop", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4,
                FeltBeat = "quarter note counted by the hats and the off-beat skank; kick and rim on beat 3 only", MinBpm = 60, MaxBpm = 95, BeatsPerChord = 4, Fills = false,
                Drums = D(('K', "........X......."), ('R', "........X......."), ('H', "x.x.x.x.x.x.x.x.")),
                Bass = new[] { "..R-..F.R-..O...", "....R-R.F---R..." },
                Chords = new[] { "..x...x...x...x.", "....x.......x..." },
            },
            new RhythmStyle
            {
                Name = "bossa", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = "quarter note (kick on 1 and 3 with pickups, clave on the rim)", MinBpm = 100, MaxBpm = 150, BeatsPerChord = 4, Fills = false,
                Drums = D(('K', "X..xx..xX..xx..x"), ('R', "x..x..x...x..x.."), ('W', "xxxxxxxxxxxxxxxx")),
                Bass = new[] { "R--F----R--F----", "R-----F-R-----F-" },
                Chords = new[] { "x..x..x...x..x..", "x-----x-x-----x-" },
            },
            new RhythmStyle
            {
                Name = "swing", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 3, FeltBeat = "quarter note (ride on every beat, swung eighths, pedal hat 2 and 4)", MinBpm = 100, MaxBpm = 220, BeatsPerChord = 4,
                Drums = D(('Y', "x..x.xx..x.x"), ('P', "...x.....x.."), ('K', "g..g..g..g..")),
                Bass = new[] { "R..F..O..F..", "R..R..F..O.." },
                Chords = new[] { "...x.....x..", "x.....x....." },
            },
            new RhythmStyle
            {
                Name = "shuffle", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 3, FeltBeat = "quarter note (triplet-shuffled hats, kick 1 and 3, snare 2 and 4)", MinBpm = 80, MaxBpm = 140, BeatsPerChord = 4,
                Drums = D(('K', "X.....x....."), ('S', "...X.....X.."), ('H', "x.xx.xx.xx.x")),
                Bass = new[] { "R.RF.FO.OF.F", "R.R..RF.F..F" },
                Chords = new[] { "x.xx.xx.xx.x", "x-----x-----" },
            },
            new RhythmStyle
            {
                Name = "half-time", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4,
                FeltBeat = "the drums' backbeat pulse (kick 1 and 3, snare 2 and 4); chords and bass move twice as fast", MinBpm = 50, MaxBpm = 90, BeatsPerChord = 1,
                Drums = D(('K', "X.......x..x...."), ('S', "....X.......X..."), ('H', "xxxxxxxxxxxxxxxx")),
                Bass = new[] { "R.R.R.R.R.R.R.R.", "RRO.RRF.RRO.RRF." },
                Chords = new[] { "x.x.x.x.x.x.x.x.", "aaaaaaaaaaaaaaaa" },
            },
            new RhythmStyle
            {
                Name = "double-time", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 2,
                FeltBeat = "the drums' backbeat pulse (kick 1 and 3, snare 2 and 4); chords and bass move half as fast", MinBpm = 150, MaxBpm = 220, BeatsPerChord = 8,
                Drums = D(('K', "X...x..."), ('S', "..X...X."), ('H', "xxxxxxxx")),
                Bass = new[] { "R-------", "R---F---" },
                Chords = new[] { "x-------", "x---x---" },
            },
            new RhythmStyle
            {
                Name = "breakbeat", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat + ", syncopated break", MinBpm = 120, MaxBpm = 175, BeatsPerChord = 8,
                Drums = D(('K', "X.x.......xx...."), ('S', "....X..g.g..X..g"), ('H', "x.x.x.x.x.x.x.x.")),
                Bass = new[] { "R.....R...R.....", "R-------O-----F-" },
                Chords = new[] { "x-------x-------", "x.........x....." },
            },
            new RhythmStyle
            {
                Name = "drum-n-bass", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = QuarterBackbeat + ", two-step kick", MinBpm = 160, MaxBpm = 180, BeatsPerChord = 8,
                Drums = D(('K', "X.........x....."), ('S', "....X.......X..."), ('H', "x.xxx.x.x.xxx.x.")),
                Bass = new[] { "R-------R-R-----", "R---------F-----" },
                Chords = new[] { "x---------------", "x-------x-------" },
            },
            new RhythmStyle
            {
                Name = "waltz", Meter = "3/4", BeatsPerBar = 3, StepsPerBeat = 4, FeltBeat = "quarter note, three a bar (kick on 1, snare or hat on 2 and 3)", MinBpm = 80, MaxBpm = 180, BeatsPerChord = 3,
                Drums = D(('K', "X..........."), ('S', "....x...x..."), ('H', "x.x.x.x.x.x.")),
                Bass = new[] { "R-----------", "R-------F---" },
                Chords = new[] { "....x...x...", "aaaaaaaaaaaa" },
            },
            new RhythmStyle
            {
                Name = "six-eight", Meter = "6/8", BeatsPerBar = 2, StepsPerBeat = 3, QuartersPerBeat = 1.5,
                FeltBeat = "dotted quarter (three eighths), two a bar", MinBpm = 50, MaxBpm = 100, BeatsPerChord = 2,
                Drums = D(('K', "X....."), ('S', "...x.."), ('H', "xxxxxx")),
                Bass = new[] { "R--F--", "R-FR-F" },
                Chords = new[] { "aaaaaa", "x--x--" },
            },
            new RhythmStyle
            {
                Name = "twelve-eight", Meter = "12/8", BeatsPerBar = 4, StepsPerBeat = 3, QuartersPerBeat = 1.5,
                FeltBeat = "dotted quarter (three eighths), four a bar", MinBpm = 50, MaxBpm = 90, BeatsPerChord = 4,
                Drums = D(('K', "X.....x....."), ('S', "...X.....X.."), ('Y', "xxxxxxxxxxxx")),
                Bass = new[] { "R-FR-FO-FR-F", "R--R--F--R--" },
                Chords = new[] { "xxxxxxxxxxxx", "x--x--x--x--" },
            },
            new RhythmStyle
            {
                Name = "ambient", Meter = "4/4", BeatsPerBar = 4, StepsPerBeat = 4, FeltBeat = "quarter note of the bass and chord pulse (no drums)", MinBpm = 55, MaxBpm = 120, BeatsPerChord = 8, Fills = false,
                Drums = new Dictionary<char, string>(),
                Bass = new[] { "R-------F-------", "R---------------" },
                Chords = new[] { "a-a-a-a-a-a-a-a-", "x---x---x---x---" },
            },
        };
        foreach (var s in styles) s.Validate();
        return styles;
    }

    /// <summary>The style called <paramref name="name"/> (case-insensitive), or an error listing the known names.</summary>
    public static RhythmStyle Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw EquiTempoException.InvalidSetting("style", $"unknown style '{name}'; known: {string.Join(", ", All.Select(s => s.Name))}");
}
