using System.Globalization;
using EquiTempo.DevSets.Tool;

const string Usage = """
    equitempo-devsets midi|modules|productions --out DIR [--min-seconds 30] [--min-share 0.95] [--max-seconds 240]
                                               [--soundfont SF2] [--no-render] PACKAGE=FOLDER...
    equitempo-devsets beats --index INDEX --midi-root DIR

    Labels the MIDI files (midi), tracker modules (modules) or LMMS and Hydrogen projects (productions)
    found below each FOLDER (an extracted Debian package, or for productions a folder of projects, named
    PACKAGE), renders the steady ones to DIR/audio/PACKAGE/*.wav and writes DIR/index.tsv (kept files)
    and DIR/labels.tsv (every file found, with its label or why it was left out).
      --min-seconds   shortest song kept (MIDI: first note to end of last note; modules, productions: rendered length)
      --min-share     share of the song that must be within 2 % of the dominant tempo (row rate); productions
                      have one tempo or are left out
      --max-seconds   modules, productions: where a render stops (modules that loop back forever)
      --soundfont     midi: the General MIDI soundfont for fluidsynth
      --no-render     midi, productions: render nothing; songs without a render yet are left out (writes
                      the .beats and indexes of a set already rendered)

    beats: writes NAME.beats beside each audio file of INDEX (a TSV with path, bpm and midi columns) from
    the MIDI file its midi column names below DIR, at the felt beat of its bpm label, and adds a beats
    column to INDEX.

    .beats files hold a beat a line: "time TAB number in the bar" (1 = downbeat) where the source states
    its bars (MIDI time signatures, the LMMS time signature, Hydrogen patterns one bar long), else the time alone.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}
try
{
    if (args[0] == "beats")
    {
        var (index, midiRoot) = ParseBeatsOptions(args.AsSpan(1));
        return IndexBeats.Run(index, midiRoot, Console.Out);
    }
    var options = ParseOptions(args.AsSpan(1));
    if (!options.RenderMissing && args[0] == "modules") throw new ArgumentException("--no-render applies to the midi and productions commands only");
    Directory.CreateDirectory(options.OutDir);
    return args[0] switch
    {
        "midi" => MidiDevSet.Build(options, Console.Out),
        "modules" => ModuleDevSet.Build(options, Console.Out),
        "productions" => ProductionDevSet.Build(options, Console.Out),
        _ => throw new ArgumentException($"unknown command '{args[0]}' (midi, modules, productions or beats)"),
    };
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or DllNotFoundException)
{
    Console.Error.WriteLine($"equitempo-devsets: error: {e.Message}");
    return e is ArgumentException ? 2 : 1;
}

static DevSetOptions ParseOptions(ReadOnlySpan<string> args)
{
    string? outDir = null;
    double minSeconds = 30, minShare = 0.95, maxSeconds = 240;
    string soundFont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
    bool renderMissing = true;
    var packages = new List<(string, string)>();
    for (int i = 0; i < args.Length; i++)
    {
        string arg = args[i];
        if (arg == "--no-render")
        {
            renderMissing = false;
            continue;
        }
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            int eq = arg.IndexOf('=');
            if (eq <= 0 || eq == arg.Length - 1) throw new ArgumentException($"expected PACKAGE=FOLDER, got '{arg}'");
            packages.Add((arg[..eq], arg[(eq + 1)..]));
            continue;
        }
        if (i + 1 >= args.Length) throw new ArgumentException($"{arg} needs a value");
        string value = args[++i];
        switch (arg)
        {
            case "--out": outDir = value; break;
            case "--soundfont": soundFont = value; break;
            case "--min-seconds": minSeconds = Positive(arg, value); break;
            case "--max-seconds": maxSeconds = Positive(arg, value); break;
            case "--min-share":
                minShare = Positive(arg, value);
                if (minShare > 1) throw new ArgumentException($"--min-share is a fraction in (0, 1], got {value}");
                break;
            default: throw new ArgumentException($"unknown option {arg}");
        }
    }
    if (outDir is null) throw new ArgumentException("--out DIR is required");
    if (packages.Count == 0) throw new ArgumentException("no PACKAGE=FOLDER given");
    return new DevSetOptions(outDir, minSeconds, minShare, maxSeconds, soundFont, packages, renderMissing);
}

static (string Index, string MidiRoot) ParseBeatsOptions(ReadOnlySpan<string> args)
{
    string? index = null, midiRoot = null;
    for (int i = 0; i < args.Length; i++)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--index": index = args[++i]; break;
            case "--midi-root": midiRoot = args[++i]; break;
            default: throw new ArgumentException($"unknown option {args[i]} (beats takes --index and --midi-root)");
        }
    }
    return (index ?? throw new ArgumentException("beats: --index INDEX is required"),
        midiRoot ?? throw new ArgumentException("beats: --midi-root DIR is required"));
}

static double Positive(string option, string value) =>
    double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)
        ? v
        : throw new ArgumentException($"{option} must be a positive number, got '{value}'");
