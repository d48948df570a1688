namespace EquiTempo.Training.Synthesis;

/// <summary>
/// The timbre sources Debian has (see ../shared/DATA.md), by name. Synthesisers: fluidr3-gm, timgm6mb,
/// musescore, csound-gm, opl3 (fluidsynth with that soundfont) and timidity-freepats. Drum kits: kit-avl-blackpearl,
/// kit-avl-redzeppelin (soundfont kits), kit-lmms (lmms-common samples) and kit-hydrogen-&lt;kit&gt; for every Hydrogen
/// kit with a kick, a snare and a closed hat. A source is listed whether or not its package is installed; creating it
/// names the package when it is missing.
/// </summary>
public static class TimbreSources
{
    public const string Sf2 = "/usr/share/sounds/sf2", Sf3 = "/usr/share/sounds/sf3";
    public const string HydrogenKits = "/usr/share/hydrogen/data/drumkits", LmmsDrums = "/usr/share/lmms/samples/drums";

    private sealed record Entry(string Name, string Package, bool IsDrumKit, Func<TimbreSource?> Create);

    private static List<Entry> Entries()
    {
        var list = new List<Entry>();
        void Sf(string name, string file, string package) =>
            list.Add(new Entry(name, package, false, () => new FluidSynthSource(name, file, package)));
        Sf("fluidr3-gm", $"{Sf2}/FluidR3_GM.sf2", "fluid-soundfont-gm");
        // fluid-soundfont-gs is no source of its own: FluidR3_GS.sf2 holds only the 33 GS sound effects (variation
        // banks 1-8 and an SFX kit), no bank-0 instrument and no standard drum kit, so it renders songs as silence.
        Sf("timgm6mb", $"{Sf2}/TimGM6mb.sf2", "timgm6mb-soundfont");
        Sf("musescore", $"{Sf3}/MuseScore_General.sf3", "musescore-general-soundfont");
        Sf("csound-gm", $"{Sf2}/sf_GMbank.sf2", "csound-soundfont");
        Sf("opl3", $"{Sf2}/OPL-3_FM_128M.sf2", "opl3-soundfont");
        list.Add(new Entry("timidity-freepats", "timidity freepats", false, () => new TimiditySource("timidity-freepats", "/etc/timidity/freepats.cfg", "freepats")));
        list.Add(new Entry("kit-avl-blackpearl", "avldrums.lv2-soundfont", true, () => new SoundFontKitSource("kit-avl-blackpearl", $"{Sf2}/Black_Pearl_4_LV2.sf2", "avldrums.lv2-soundfont")));
        list.Add(new Entry("kit-avl-redzeppelin", "avldrums.lv2-soundfont", true, () => new SoundFontKitSource("kit-avl-redzeppelin", $"{Sf2}/Red_Zeppelin_4_LV2.sf2", "avldrums.lv2-soundfont")));
        list.Add(new Entry("kit-lmms", "lmms-common", true, () => SampleKitSource.FromLmmsFolder("kit-lmms", LmmsDrums)));
        if (Directory.Exists(HydrogenKits))
            foreach (var dir in Directory.GetDirectories(HydrogenKits).OrderBy(d => d, StringComparer.Ordinal))
            {
                string name = "kit-hydrogen-" + Slug(Path.GetFileName(dir));
                list.Add(new Entry(name, "hydrogen-drumkits", true, () => SampleKitSource.FromHydrogenKit(name, dir)));
            }
        return list;
    }

    /// <summary>"The Black Pearl 1.0" → "the-black-pearl-1-0".</summary>
    internal static string Slug(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        return string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>All known source names (drum kits included), installed or not.</summary>
    public static IReadOnlyList<string> Names() => Entries().Select(e => e.Name).ToList();

    /// <summary>The sources whose packages are installed and usable (Hydrogen kits without kick, snare and hat are left out).</summary>
    public static List<TimbreSource> Available()
    {
        var found = new List<TimbreSource>();
        foreach (var e in Entries())
        {
            try { if (e.Create() is { } s) found.Add(s); }
            catch (EquiTempoException) { }
        }
        return found;
    }

    /// <summary>The source called <paramref name="name"/>; an error names the package to install or lists the known names.</summary>
    public static TimbreSource Get(string name)
    {
        var entries = Entries();
        var e = entries.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw EquiTempoException.InvalidSetting("source", $"unknown timbre source '{name}'; known: {string.Join(", ", entries.Select(x => x.Name))}");
        return e.Create() ?? throw new EquiTempoException(ErrorReason.InvalidData, name, "this drum kit has no kick, snare and closed hat samples, so it cannot play the styles");
    }
}
