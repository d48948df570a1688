using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Xml;
using System.Xml.Linq;

namespace EquiTempo.DevSets;

/// <summary>The music program a project was made with.</summary>
public enum ProductionTool { Lmms, Hydrogen }

/// <summary>
/// The tempo of a project made by a person in a music program: an LMMS project (<c>.mmp</c> XML, or
/// <c>.mmpz</c>: a 4-byte big-endian length, then the zlib-compressed XML) or a Hydrogen song
/// (<c>.h2song</c> XML). Both store one tempo in quarter notes a minute (LMMS: <c>&lt;head bpm&gt;</c>;
/// Hydrogen: <c>&lt;bpm&gt;</c>). <see cref="Bpm"/> is the felt beat (<see cref="FeltBeat"/>: 2/3 of it in
/// 6/8, 9/8 and 12/8). <see cref="TempoChange"/> says what makes the tempo move, or is null when
/// nothing does: an LMMS automation pattern or controller that drives the tempo, or a Hydrogen tempo
/// timeline. <see cref="BarsStated"/> says whether every bar of the song is one bar of that meter from
/// time 0, as the project states it (see <see cref="FromLmms"/> and <see cref="FromHydrogen"/>).
/// </summary>
public sealed record ProductionProject(ProductionTool Tool, double QuarterBpm, int Numerator, int Denominator, string? TempoChange, bool BarsStated)
{
    public double Bpm => QuarterBpm * FeltBeat.PerQuarter(Numerator, Denominator);

    /// <summary>Felt beats in a bar (4/4: 4, 6/8: 2), or null when the project does not state its bars or a bar is not a whole number of felt beats.</summary>
    public int? BeatsPerBar => BarsStated ? FeltBeat.PerBar(Numerator, Denominator, FeltBeat.PerQuarter(Numerator, Denominator)) : null;

    public string Meter => $"{Numerator}/{Denominator}";

    /// <summary>Reads a <c>.mmp</c>, <c>.mmpz</c> or <c>.h2song</c> file; a malformed one is an <see cref="InvalidDataException"/> naming it.</summary>
    public static ProductionProject Open(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>A project from its bytes; <paramref name="name"/>'s extension tells the format, and errors name it.</summary>
    public static ProductionProject Parse(byte[] bytes, string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".mmp" => FromLmms(ParseXml(bytes, name), name),
        ".mmpz" => FromLmms(ParseXml(InflateMmpz(bytes, name), name), name),
        ".h2song" => FromHydrogen(ParseXml(bytes, name), name),
        _ => throw new ArgumentException($"{name}: not an LMMS (.mmp, .mmpz) or Hydrogen (.h2song) project", nameof(name)),
    };

    /// <summary>The XML of an <c>.mmpz</c> file: a 4-byte big-endian length of the XML, then the XML compressed with zlib.</summary>
    public static byte[] InflateMmpz(byte[] file, string source)
    {
        if (file.Length < 6) throw new InvalidDataException($"{source}: too short for an .mmpz project ({file.Length} bytes)");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(file);
        if (length > 256u << 20) throw new InvalidDataException($"{source}: .mmpz header claims {length} bytes of XML");
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(file, 4, file.Length - 4), CompressionMode.Decompress);
            using var xml = new MemoryStream((int)length);
            zlib.CopyTo(xml);
            if (xml.Length != length) throw new InvalidDataException($"{source}: .mmpz header says {length} bytes of XML, the zlib stream holds {xml.Length}");
            return xml.ToArray();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: not zlib data after the .mmpz length ({e.Message})", e);
        }
    }

    /// <summary>
    /// An LMMS project. The tempo and time signature are attributes of <c>&lt;head&gt;</c>, or, for a
    /// setting that automation or a controller can drive, a child element with a <c>value</c> and an
    /// <c>id</c>. The tempo moves when an automation pattern names that id as an <c>&lt;object&gt;</c>,
    /// or when the child holds a controller <c>&lt;connection&gt;</c>. LMMS has one time signature for the
    /// whole song, its bars from time 0; a project that writes none (LMMS then opens it in 4/4) does not
    /// state its bars.
    /// </summary>
    public static ProductionProject FromLmms(XDocument project, string source)
    {
        var head = project.Root?.Element("head") ?? throw new InvalidDataException($"{source}: no <head> in the LMMS project");
        double bpm = LmmsSetting(head, "bpm", source) ?? throw new InvalidDataException($"{source}: <head> has no bpm");
        double? statedNumerator = LmmsSetting(head, "timesig_numerator", source), statedDenominator = LmmsSetting(head, "timesig_denominator", source);
        int numerator = (int)(statedNumerator ?? 4), denominator = (int)(statedDenominator ?? 4);
        string? change = null;
        var tempo = head.Element("bpm");
        if (tempo?.Element("connection") is not null) change = "a controller drives the tempo";
        else if (tempo?.Attribute("id")?.Value is { Length: > 0 } id)
        {
            var pattern = project.Descendants("automationpattern")
                .FirstOrDefault(p => p.Elements("object").Any(o => o.Attribute("id")?.Value == id));
            if (pattern is not null) change = $"automation pattern '{pattern.Attribute("name")?.Value}' drives the tempo";
        }
        return Checked(new ProductionProject(ProductionTool.Lmms, bpm, numerator, denominator, change,
            BarsStated: statedNumerator is not null && statedDenominator is not null), source);
    }

    /// <summary>
    /// A Hydrogen song: tempo in <c>&lt;bpm&gt;</c>; the tempo moves when the <c>&lt;BPMTimeLine&gt;</c>
    /// holds a <c>&lt;newBPM&gt;</c> marker at another tempo. Hydrogen has no song time signature: the
    /// meter is that of most patterns (48 ticks a quarter note; <c>&lt;size&gt;</c> in ticks, <c>&lt;denominator&gt;</c>).
    /// A song plays its <c>&lt;patternSequence&gt;</c> a column (<c>&lt;group&gt;</c>) after another from time 0,
    /// so its bars are stated when every pattern the sequence plays is one bar of that meter; a column
    /// with none, or a pattern of another length, leaves the bars unknown (a column lasts as long as its
    /// longest pattern, and a pattern of two bars is not told apart from one long bar).
    /// </summary>
    public static ProductionProject FromHydrogen(XDocument song, string source)
    {
        var root = song.Root ?? throw new InvalidDataException($"{source}: empty Hydrogen song");
        if (root.Name.LocalName != "song") throw new InvalidDataException($"{source}: root element is <{root.Name.LocalName}>, not <song>");
        double bpm = Number(root.Element("bpm")?.Value, "<bpm>", source);
        var markers = root.Element("BPMTimeLine")?.Elements("newBPM")
            .Select(m => Number(m.Element("BPM")?.Value, "timeline <BPM>", source))
            .Where(b => Math.Abs(b - bpm) > 1e-6 * bpm)
            .ToList() ?? [];
        string? change = markers.Count == 0 ? null
            : $"tempo timeline with {markers.Count} marker(s) at {string.Join(", ", markers.Select(b => b.ToString(CultureInfo.InvariantCulture)))} BPM";
        var meters = root.Element("patternList")?.Elements("pattern")
            .Select(p => (Size: PatternTicks(p, source),
                Denominator: (int)Number(p.Element("denominator")?.Value ?? "4", "pattern <denominator>", source)))
            .Where(m => m.Size * m.Denominator % HydrogenTicksPerWhole == 0)
            .Select(m => (Numerator: m.Size * m.Denominator / HydrogenTicksPerWhole, m.Denominator))
            .GroupBy(m => m)
            .OrderByDescending(g => g.Count())
            .Select(g => g.Key)
            .ToList() ?? [];
        var (numerator, denominator) = meters.Count > 0 ? meters[0] : (4, 4);
        return Checked(new ProductionProject(ProductionTool.Hydrogen, bpm, numerator, denominator, change,
            BarsStated: meters.Count > 0 && EveryColumnIsOneBar(root, numerator * HydrogenTicksPerWhole / denominator, source)), source);
    }

    /// <summary>Whether the song's pattern sequence has columns and every pattern in each is <paramref name="barTicks"/> long.</summary>
    private static bool EveryColumnIsOneBar(XElement song, int barTicks, string source)
    {
        var sizes = new Dictionary<string, int>();
        foreach (var pattern in song.Element("patternList")?.Elements("pattern") ?? [])
            sizes.TryAdd(pattern.Element("name")?.Value ?? "", PatternTicks(pattern, source));
        var columns = song.Element("patternSequence")?.Elements("group").ToList() ?? [];
        return columns.Count > 0 && columns.All(column =>
        {
            var played = column.Elements("patternID").Select(id => id.Value).ToList();
            return played.Count > 0 && played.All(name => sizes.TryGetValue(name, out int size) && size == barTicks);
        });
    }

    /// <summary>Hydrogen's ticks in a whole note (48 a quarter); a pattern's default <c>&lt;size&gt;</c> is one 4/4 bar of them.</summary>
    private const int HydrogenTicksPerWhole = 192;

    private static int PatternTicks(XElement pattern, string source) =>
        (int)Number(pattern.Element("size")?.Value ?? $"{HydrogenTicksPerWhole}", "pattern <size>", source);

    private static ProductionProject Checked(ProductionProject project, string source) =>
        project.QuarterBpm is > 0 and < 10000 && project.Numerator > 0 && project.Denominator > 0
            ? project
            : throw new InvalidDataException($"{source}: tempo {project.QuarterBpm} BPM in {project.Meter} is not a tempo");

    /// <summary>An LMMS setting: the attribute of that name, else the <c>value</c> of the child of that name, else null.</summary>
    private static double? LmmsSetting(XElement element, string name, string source)
    {
        string? text = element.Attribute(name)?.Value ?? element.Element(name)?.Attribute("value")?.Value;
        return text is null ? null : Number(text, name, source);
    }

    private static double Number(string? text, string what, string source) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new InvalidDataException($"{source}: {what} '{text}' is not a number");

    private static XDocument ParseXml(byte[] bytes, string source)
    {
        try
        {
            // LMMS writes <!DOCTYPE lmms-project>; the declaration is ignored, never fetched.
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"{source}: not well-formed XML ({e.Message})", e);
        }
    }
}
