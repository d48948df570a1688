using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using EquiTempo.Audio;

namespace EquiTempo.Training.Synthesis;

/// <summary>
/// A named source of timbres: a synthesiser that plays a whole General MIDI song (fluidsynth with one soundfont,
/// timidity with freepats), or a drum kit that plays only the drum strokes (recorded samples mixed at the hit times,
/// or a drum-kit soundfont). The name goes into the index, so a validation set can hold out whole sources.
/// Renders are mono float samples at <see cref="SampleRate"/>, exactly <c>song.Seconds</c> long, time 0 = the song's
/// first beat.
/// </summary>
public abstract class TimbreSource
{
    public const int SampleRate = 44100;

    protected TimbreSource(string name, string package) { Name = name; Package = package; }

    /// <summary>Name in the index and on the command line, e.g. "timgm6mb", "kit-hydrogen-varibreaks".</summary>
    public string Name { get; }
    /// <summary>The Debian package that holds the source's files.</summary>
    public string Package { get; }
    /// <summary>True for a drum kit (plays <see cref="StyledSong.DrumHits"/> only), false for a General MIDI synthesiser.</summary>
    public abstract bool IsDrumKit { get; }
    /// <summary>The General MIDI programs (bank 0) the synthesiser has, or null when it has all 128; songs for it draw their instruments from these.</summary>
    public virtual IReadOnlySet<int>? Programs => null;

    /// <summary>Renders the part of <paramref name="song"/> this source plays (a synthesiser: everything, or everything
    /// but the drums when <paramref name="withDrums"/> is false; a kit: the drums). Scratch files go to <paramref name="scratchDir"/>.</summary>
    public abstract float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default);

    public override string ToString() => Name;

    /// <summary><paramref name="x"/> cut or zero-padded to <paramref name="seconds"/> at <see cref="SampleRate"/>.</summary>
    internal static float[] FitLength(float[] x, double seconds) => FitLength(x, (int)Math.Round(seconds * SampleRate));

    /// <summary><paramref name="x"/> cut or zero-padded to <paramref name="n"/> samples.</summary>
    internal static float[] FitLength(float[] x, int n)
    {
        if (x.Length == n) return x;
        var y = new float[n];
        Array.Copy(x, y, Math.Min(n, x.Length));
        return y;
    }

    /// <summary>Runs <paramref name="exe"/> to completion; a non-zero exit or a missing <paramref name="output"/> is an
    /// error naming <paramref name="subject"/> and the tool, with the end of its stderr.</summary>
    internal static void RunTool(string exe, IEnumerable<string> args, string subject, string output, CancellationToken ct)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        string tool = Path.GetFileName(exe);
        using var p = Process.Start(info) ?? throw new EquiTempoException(ErrorReason.ExternalTool, subject, $"could not start {tool}");
        var stderr = p.StandardError.ReadToEndAsync(ct);
        p.StandardOutput.ReadToEndAsync(ct);
        try { p.WaitForExitAsync(ct).GetAwaiter().GetResult(); }
        catch (OperationCanceledException) { try { p.Kill(true); } catch (InvalidOperationException) { } File.Delete(output); throw; }
        if (p.ExitCode != 0 || !File.Exists(output) || new FileInfo(output).Length <= 44)
        {
            string tail = stderr.Result.Trim();
            if (tail.Length > 600) tail = tail[^600..];
            throw new EquiTempoException(ErrorReason.ExternalTool, subject, $"{tool} failed (exit {p.ExitCode}): {tail}");
        }
    }

    internal static string RequireTool(string tool, string package) =>
        ExternalToolLocator.Find(tool) ?? throw new EquiTempoException(ErrorReason.ExternalTool, tool, $"{tool} is not on the PATH: install it with `apt-get install {package}`");

    internal static string RequireFile(string path, string package) =>
        File.Exists(path) || Directory.Exists(path) ? path : throw new EquiTempoException(ErrorReason.ExternalTool, path, $"not found: install the Debian package {package}");

    /// <summary>A unique scratch file name in <paramref name="scratchDir"/>.</summary>
    internal static string Scratch(string scratchDir, string ext) => Path.Combine(scratchDir, $"{Guid.NewGuid():N}{ext}");
}

/// <summary>A synthesiser source: fluidsynth with one soundfont (sf2 or sf3).</summary>
public sealed class FluidSynthSource : TimbreSource
{
    private readonly FluidSynthRenderer _renderer;

    public FluidSynthSource(string name, string soundFont, string package) : base(name, package)
    {
        RequireFile(soundFont, package);
        _renderer = new FluidSynthRenderer(soundFont);
    }

    public string SoundFont => _renderer.SoundFont;
    public override bool IsDrumKit => false;

    public override float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default) =>
        RenderMidi(withDrums ? song.Midi : song.MidiWithoutDrums, song.Seconds, scratchDir, ct);

    internal float[] RenderMidi(byte[] midi, double seconds, string scratchDir, CancellationToken ct)
    {
        string mid = Scratch(scratchDir, ".mid"), wav = Scratch(scratchDir, ".wav");
        try
        {
            File.WriteAllBytes(mid, midi);
            _renderer.Render(mid, wav, ct: ct);
            return FitLength(AudioDecoder.DecodeMono(wav, SampleRate, ct: ct).Samples, seconds);
        }
        finally { File.Delete(mid); File.Delete(wav); }
    }
}

/// <summary>A second synthesiser engine: timidity with a configuration naming its patches (freepats: Gravis patches).</summary>
public sealed class TimiditySource : TimbreSource
{
    private readonly string _exe, _config;

    public TimiditySource(string name, string config, string package) : base(name, package)
    {
        _exe = RequireTool("timidity", "timidity");
        _config = RequireFile(config, package);
        Programs = ProgramsIn(File.ReadAllLines(_config));
    }

    public override bool IsDrumKit => false;
    /// <summary>freepats has 72 of the 128 melodic programs; timidity plays a missing one as silence.</summary>
    public override IReadOnlySet<int>? Programs { get; }

    /// <summary>The program numbers listed under "bank 0" in a timidity configuration.</summary>
    internal static IReadOnlySet<int> ProgramsIn(IEnumerable<string> configLines)
    {
        var set = new HashSet<int>();
        bool inBank0 = false;
        foreach (var raw in configLines)
        {
            var cells = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length == 0 || cells[0].StartsWith('#')) continue;
            if (cells[0] is "bank" or "drumset") { inBank0 = cells[0] == "bank" && cells.Length > 1 && cells[1] == "0"; continue; }
            if (inBank0 && int.TryParse(cells[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int p) && p is >= 0 and < 128) set.Add(p);
        }
        return set;
    }

    public override float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default)
    {
        string mid = Scratch(scratchDir, ".mid"), wav = Scratch(scratchDir, ".wav");
        try
        {
            File.WriteAllBytes(mid, withDrums ? song.Midi : song.MidiWithoutDrums);
            RunTool(_exe, new[] { "-c", _config, "-Ow", "-s", SampleRate.ToString(CultureInfo.InvariantCulture), "-o", wav, mid }, mid, wav, ct);
            return FitLength(AudioDecoder.DecodeMono(wav, SampleRate, ct: ct).Samples, song.Seconds);
        }
        finally { File.Delete(mid); File.Delete(wav); }
    }
}

/// <summary>A drum kit held in a soundfont whose one preset (bank 0, program 0) maps drum notes to recorded
/// samples (avldrums: Black Pearl, Red Zeppelin). The strokes are written to a MIDI file on channel 1 and rendered
/// with fluidsynth.</summary>
public sealed class SoundFontKitSource : TimbreSource
{
    private const int Tpq = 9600;   // at 60 quarter notes a minute a tick is 1/9600 s
    private readonly FluidSynthSource _synth;

    public SoundFontKitSource(string name, string soundFont, string package) : base(name, package) =>
        _synth = new FluidSynthSource(name, soundFont, package);

    public override bool IsDrumKit => true;

    public override float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default)
    {
        var ev = new List<(long, byte[])> { (0, new byte[] { 0xC0, 0 }) };
        // A stroke rings for up to a second, or until the same drum is struck again (a note-off then would cut the new stroke).
        foreach (var voice in song.DrumHits.GroupBy(h => h.Note))
        {
            var hits = voice.Select(h => (At: (long)Math.Round(h.Time * Tpq), h.Velocity)).ToList();
            for (int i = 0; i < hits.Count; i++)
            {
                long off = Math.Min(hits[i].At + Tpq, i + 1 < hits.Count ? hits[i + 1].At : long.MaxValue);
                ev.Add((hits[i].At, new byte[] { 0x90, (byte)voice.Key, (byte)hits[i].Velocity }));
                ev.Add((Math.Max(hits[i].At + 1, off), new byte[] { 0x80, (byte)voice.Key, 0 }));
            }
        }
        return _synth.RenderMidi(MidiSongComposer.WriteFormat0(ev, Tpq, 60), song.Seconds, scratchDir, ct);
    }
}

/// <summary>
/// A drum kit of recorded one-shot samples (hydrogen-drumkits, lmms-common), played by mixing a sample at each
/// stroke's time, scaled by velocity. Each sample's leading silence (below −40 dB of its peak) is cut when it is
/// loaded, so a stroke's energy starts at its time. Notes the kit lacks fall back to a related voice (open hat →
/// closed hat, rim → snare, ...).
/// </summary>
public sealed class SampleKitSource : TimbreSource
{
    private static readonly ConcurrentDictionary<string, float[]> Loaded = new();
    private readonly IReadOnlyDictionary<int, IReadOnlyList<string>> _samples;

    /// <summary>Fallback order for each General MIDI drum note when the kit has no sample for it.</summary>
    private static readonly Dictionary<int, int[]> Fallbacks = new()
    {
        [37] = new[] { 38 }, [39] = new[] { 38 }, [44] = new[] { 42 }, [46] = new[] { 42 }, [51] = new[] { 42, 46 },
        [49] = new[] { 51, 46, 42 }, [56] = new[] { 37, 42 }, [70] = new[] { 42 },
        [41] = new[] { 45, 48, 38 }, [43] = new[] { 41, 45, 38 }, [45] = new[] { 48, 41, 38 }, [47] = new[] { 45, 48, 38 },
        [48] = new[] { 45, 50, 38 }, [50] = new[] { 48, 45, 38 },
    };

    /// <param name="samples">General MIDI drum note → sample files (one is drawn per song); must hold 36, 38 and 42.</param>
    public SampleKitSource(string name, IReadOnlyDictionary<int, IReadOnlyList<string>> samples, string package) : base(name, package)
    {
        foreach (int required in new[] { 36, 38, 42 })
            if (!samples.TryGetValue(required, out var files) || files.Count == 0)
                throw new EquiTempoException(ErrorReason.InvalidData, name, $"drum kit has no sample for note {required} (kick 36, snare 38 and closed hat 42 are needed)");
        foreach (var f in samples.Values.SelectMany(v => v)) RequireFile(f, package);
        _samples = samples;
    }

    public override bool IsDrumKit => true;
    public IReadOnlyDictionary<int, IReadOnlyList<string>> Samples => _samples;

    public override float[] Render(StyledSong song, bool withDrums, string scratchDir, CancellationToken ct = default)
    {
        var rng = new Random(DeterministicSeed.Mix(song.Seed, 0x4b17));   // which sample of each voice, per song
        var chosen = new Dictionary<int, float[]>();
        float[]? SampleFor(int note)
        {
            if (chosen.TryGetValue(note, out var s)) return s;
            foreach (int n in new[] { note }.Concat(Fallbacks.GetValueOrDefault(note, Array.Empty<int>())))
                if (_samples.TryGetValue(n, out var files) && files.Count > 0 && (s = FirstDecodable(files, rng.Next(files.Count), ct)) is not null) break;
            chosen[note] = s!;
            return s;
        }
        var y = new float[(int)Math.Round(song.Seconds * SampleRate)];
        foreach (var h in song.DrumHits)
        {
            var sample = SampleFor(h.Note);
            if (sample is null) continue;
            int at = (int)Math.Round(h.Time * SampleRate);
            float g = h.Velocity / 127f;
            for (int k = 0; k < sample.Length && at + k < y.Length; k++) y[at + k] += g * sample[k];
        }
        return y;
    }

    /// <summary>The sample at <paramref name="first"/>, or the next one that decodes: lmms-common ships a few files
    /// (drums/kick04.ogg) that are Vorbis inside a WAV header (codec 0x674F), which neither our decoders nor ffmpeg
    /// read. Null when none of the voice's files decodes.</summary>
    private static float[]? FirstDecodable(IReadOnlyList<string> files, int first, CancellationToken ct)
    {
        for (int k = 0; k < files.Count; k++)
        {
            string path = files[(first + k) % files.Count];
            if (Undecodable.ContainsKey(path)) continue;
            try { return Load(path, ct); }
            catch (EquiTempoException e) when (e.Reason == ErrorReason.InvalidData) { Undecodable.TryAdd(path, 0); }
        }
        return null;
    }

    // Failures are remembered as Loaded remembers samples: otherwise every song would run both decoders on them again.
    private static readonly ConcurrentDictionary<string, byte> Undecodable = new();

    /// <summary>A sample decoded to mono at <see cref="TimbreSource.SampleRate"/>, peak 1, leading silence cut, at most 2 s (faded out).</summary>
    internal static float[] Load(string path, CancellationToken ct = default) => Loaded.GetOrAdd(path, p =>
    {
        float[] x;
        try { x = AudioDecoder.DecodeMono(p, SampleRate, ct: ct).Samples; }
        catch (AudioFormatException e) { throw new EquiTempoException(ErrorReason.InvalidData, p, $"drum sample could not be decoded: {e.Message}", e); }
        float peak = x.Length == 0 ? 0 : x.Max(Math.Abs);
        if (peak <= 0) throw new EquiTempoException(ErrorReason.InvalidData, p, "drum sample is silent");
        int start = Array.FindIndex(x, v => Math.Abs(v) >= 0.01f * peak);
        int len = Math.Min(x.Length - start, 2 * SampleRate), fade = Math.Min(len, SampleRate / 20);
        var y = new float[len];
        for (int k = 0; k < len; k++) y[k] = x[start + k] / peak * (k >= len - fade ? (float)(len - k) / fade : 1f);
        return y;
    });

    /// <summary>
    /// A Hydrogen drum kit (a folder with drumkit.xml): each instrument is mapped to a General MIDI note by its name
    /// (kick/bass drum 36, snare 38, stick/rim 37, clap 39, closed hat 42, pedal hat 44, open hat 46, crash 49, ride 51,
    /// toms 41–50, cowbell 56); the layer for a strong stroke (velocity 0.8) is used. Null when the kit lacks a kick,
    /// snare or closed hat (hand-percussion kits).
    /// </summary>
    public static SampleKitSource? FromHydrogenKit(string name, string kitDir)
    {
        var xml = Path.Combine(kitDir, "drumkit.xml");
        if (!File.Exists(xml)) throw new EquiTempoException(ErrorReason.InvalidData, xml, "not a Hydrogen drum kit (no drumkit.xml)");
        XDocument doc;
        try { doc = XDocument.Load(xml); }
        catch (System.Xml.XmlException e) { throw new EquiTempoException(ErrorReason.InvalidData, xml, $"unreadable drumkit.xml: {e.Message}", e); }
        var map = new Dictionary<int, List<string>>();
        foreach (var inst in doc.Descendants().Where(e => e.Name.LocalName == "instrument"))
        {
            string instName = inst.Elements().FirstOrDefault(e => e.Name.LocalName == "name")?.Value ?? "";
            int? note = NoteForName(instName);
            if (note is null) continue;
            var layers = inst.Descendants().Where(e => e.Name.LocalName == "layer").ToList();
            string? file = layers.Select(l => (File: Child(l, "filename"), Min: Number(Child(l, "min"), 0), Max: Number(Child(l, "max"), 1)))
                .Where(l => l.File is not null).OrderBy(l => l.Min <= 0.8 && 0.8 <= l.Max ? 0 : 1).ThenByDescending(l => l.Max).Select(l => l.File).FirstOrDefault()
                ?? Child(inst, "filename");
            if (file is null) continue;
            var full = Path.Combine(kitDir, file);
            if (!File.Exists(full)) continue;
            if (!map.TryGetValue(note.Value, out var list)) map[note.Value] = list = new List<string>();
            if (list.Count < 3) list.Add(full);    // the first few instruments of a voice (kits list the main one first)
        }
        if (!map.ContainsKey(36) || !map.ContainsKey(38) || !map.ContainsKey(42)) return null;
        return new SampleKitSource(name, map.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value), "hydrogen-drumkits");
    }

    /// <summary>The lmms-common drum samples (/usr/share/lmms/samples/drums) as one kit: kick*, snare*, hihat_closed*, ...</summary>
    public static SampleKitSource FromLmmsFolder(string name, string dir)
    {
        RequireFile(dir, "lmms-common");
        var files = Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        IReadOnlyList<string> Match(params string[] prefixes) =>
            files.Where(f => prefixes.Any(p => Path.GetFileName(f).StartsWith(p, StringComparison.Ordinal))).ToList();
        var map = new Dictionary<int, IReadOnlyList<string>>
        {
            [36] = Match("kick0", "bassdrum", "kick_hard", "kick_soft", "kick_hiphop"), [38] = Match("snare0", "snare_acoustic", "snare_hiphop", "snare_short"),
            [37] = Match("sidestick", "rim0", "snare_rim"), [39] = Match("clap"), [42] = Match("hihat_closed"), [44] = Match("hihat_foot"),
            [46] = Match("hihat_opened"), [49] = Match("crash"), [51] = Match("ride"), [70] = Match("shaker"),
            [41] = Match("tom_low", "tom05"), [45] = Match("tom_mid", "tom03"), [48] = Match("tom_hi", "tom01"),
        };
        return new SampleKitSource(name, map.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value), "lmms-common");
    }

    internal static int? NoteForName(string instrumentName)
    {
        var n = instrumentName.ToLowerInvariant();
        bool hat = n.Contains("hat") || n.Contains("hh") || n.Contains("hi-h");
        if (n.Contains("kick") || n.Contains("bass drum") || n.Contains("bassdrum")) return 36;
        if (hat && (n.Contains("pedal") || n.Contains("foot") || n.Contains(" pd"))) return 44;
        if (hat && (n.Contains("open") || n.Contains(" op"))) return 46;
        if (hat && (n.Contains("clos") || n.Contains(" cl"))) return 42;
        if (n.Contains("snare") && !n.Contains("roll") && !n.Contains("rim")) return 38;
        if (n.Contains("stick") || n.Contains("rim")) return 37;
        if (n.Contains("clap")) return 39;
        if (n.Contains("crash")) return 49;
        if (n.Contains("ride") && !n.Contains("bell") && !n.Contains("cup")) return 51;
        if (n.Contains("cowbell")) return 56;
        // "tom" at a word start ("Tom Low", "tomhi2") or in "floortom", but not inside "Custom" or "Bottom".
        if (System.Text.RegularExpressions.Regex.IsMatch(n, @"(^|[^a-z])tom|floortom"))
            return n.Contains("floor") || n.Contains("low") ? 41 : n.Contains("mid") || n.Contains(" 2") ? 45 : 48;
        return null;
    }

    private static string? Child(XElement e, string local) => e.Elements().FirstOrDefault(c => c.Name.LocalName == local)?.Value;
    private static double Number(string? text, double fallback) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
