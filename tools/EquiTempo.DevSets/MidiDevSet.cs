namespace EquiTempo.DevSets.Tool;

/// <summary>
/// MIDI songs labelled by <see cref="MidiTempoLabel"/>: those at one tempo for at least the minimum
/// share of the song and at least the minimum length are rendered with fluidsynth, each with a
/// <c>.beats</c> file beside it: the song's own beat grid (<see cref="MidiBeatGrid"/>) at the label's felt beat,
/// numbered in its bars where the song's time signatures state them.
/// </summary>
internal static class MidiDevSet
{
    private static readonly string[] ExtraColumns = ["meter", "quarter_bpm", "beats", "score_with"];

    public static int Build(DevSetOptions options, TextWriter report)
    {
        if (options.RenderMissing && !File.Exists(options.SoundFont))
            throw new FileNotFoundException($"{options.SoundFont}: soundfont not found (Debian: fluid-soundfont-gm)", options.SoundFont);
        var build = new DevSetBuild(options, "midi", ExtraColumns);
        foreach (var (file, (map, label)) in build.OpenEach(Open, ".mid", ".midi"))
        {
            if (label.Seconds < options.MinSeconds)
            {
                build.Skip(file, "", "short", $"{label.Seconds:F1} s of notes", label.Bpm, label.Share, label.Seconds);
                continue;
            }
            if (!label.IsSteady(options.MinShare))
            {
                build.Skip(file, "", "changing-tempo", $"{label.QuarterBpm:F1} BPM covers {label.Share:P0}", label.Bpm, label.Share, label.Seconds);
                continue;
            }
            string audio = build.AudioPath(file);
            string wav = build.FullPath(audio);
            if (!File.Exists(wav))
            {
                if (!options.RenderMissing)
                {
                    build.Skip(file, "", "not-rendered", "no render yet, and this run renders none", label.Bpm, label.Share, label.Seconds);
                    continue;
                }
                try
                {
                    Render(file.FullPath, wav, options.SoundFont);
                }
                catch (InvalidOperationException e)
                {
                    build.Skip(file, "", "render-failed", e.Message, label.Bpm, label.Share, label.Seconds);
                    continue;
                }
            }
            double seconds = DevSetBuild.WavSeconds(wav);
            string beats = Path.ChangeExtension(audio, ".beats");
            DevSetBuild.WriteBeats(build.FullPath(beats), MidiBeatGrid.Beats(map, label.BeatsPerQuarter, seconds));
            string meter = label.Meter?.ToString() ?? "";
            build.Keep(file, "", audio, label.Bpm, label.Share, seconds,
                [meter, DevSetBuild.Number(label.QuarterBpm), beats, "acc1"]);
        }
        build.Finish(report);
        return 0;
    }

    private static (MidiTempoMap Map, MidiTempoLabel Label) Open(string path)
    {
        var map = MidiTempoMap.Read(path);
        return (map, MidiTempoLabel.From(map));
    }

    /// <summary>fluidsynth with the settings of the GMD set (gain 0.8, 44.1 kHz), written under a temporary name and renamed when complete.</summary>
    private static void Render(string midi, string wav, string soundFont)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
        string temporary = wav + ".tmp.wav";
        var run = ExternalTool.Run("fluidsynth", ["-ni", "-g", "0.8", "-r", "44100", "-F", temporary, soundFont, midi],
            TimeSpan.FromMinutes(30), "fluidsynth");
        if (run.ExitCode != 0 || !File.Exists(temporary) || new FileInfo(temporary).Length <= 44)
        {
            File.Delete(temporary);
            throw new InvalidOperationException($"{midi}: fluidsynth failed ({run})");
        }
        File.Move(temporary, wav, overwrite: true);
    }
}
