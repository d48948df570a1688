using EquiTempo.Audio;

namespace EquiTempo.DevSets.Tool;

/// <summary>
/// Productions made by people: LMMS projects rendered with <c>lmms render</c> and Hydrogen songs
/// rendered with <c>h2cli</c>, labelled with the one tempo the project sets (<see cref="ProductionProject"/>).
/// Projects whose tempo moves, and the LMMS tutorials, are left out. Each render is cut at the
/// maximum length and kept as mono 44.1 kHz 16-bit WAV, with a <c>.beats</c> file beside it: the
/// project's beat grid from time 0, which assumes the audio starts on the grid with no offset, numbered
/// in its bars when the project states them (<see cref="ProductionProject.BeatsPerBar"/>). Without
/// <see cref="DevSetOptions.RenderMissing"/> nothing is rendered: projects without a render are left out.
/// </summary>
internal static class ProductionDevSet
{
    private const int SampleRate = 44100;
    /// <summary>A render whose peak is below this (−60 dBFS) is taken as silent, a failed render.</summary>
    private const float SilentPeak = 1e-3f;
    private static readonly string[] ExtraColumns = ["meter", "quarter_bpm", "beats", "start_offset", "score_with"];

    public static int Build(DevSetOptions options, TextWriter report)
    {
        var build = new DevSetBuild(options, "production", ExtraColumns);
        string scratch = build.FullPath(".work");
        foreach (var (file, project) in build.OpenEach(ProductionProject.Open, ".mmp", ".mmpz", ".h2song"))
        {
            if (file.Name.StartsWith("tutorials__", StringComparison.Ordinal))
            {
                build.Skip(file, "", "tutorial", "an LMMS tutorial, not a production", project.Bpm);
                continue;
            }
            if (project.TempoChange is { } change)
            {
                build.Skip(file, "", "changing-tempo", change, project.Bpm);
                continue;
            }
            string audio = build.AudioPath(file);
            double seconds;
            double? existing = ExistingSeconds(build.FullPath(audio), options.MaxSeconds);
            if (existing is null && !options.RenderMissing)
            {
                build.Skip(file, "", "not-rendered", "no render yet (or one longer than the cap), and this run renders none", project.Bpm);
                continue;
            }
            try
            {
                seconds = existing ?? Render(build, file, project.Tool, audio, scratch, options.MaxSeconds);
            }
            catch (InvalidOperationException e)
            {
                build.Skip(file, "", "render-failed", e.Message, project.Bpm);
                continue;
            }
            if (seconds < options.MinSeconds)
            {
                File.Delete(build.FullPath(audio));
                build.Skip(file, "", "short", $"{seconds:F1} s rendered", project.Bpm, seconds: seconds);
                continue;
            }
            string beats = Path.ChangeExtension(audio, ".beats");
            WriteBeats(build.FullPath(beats), project, seconds);
            build.Keep(file, "", audio, project.Bpm, 1, seconds,
                [project.Meter, DevSetBuild.Number(project.QuarterBpm), beats, "0 (assumed)", "acc1"],
                $"{project.Meter}; beats {beats} on the project grid from 0 s (start offset of the audio assumed 0)");
        }
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        build.Finish(report);
        return 0;
    }

    /// <summary>The length of a render kept from an earlier run, or null when there is none or it is longer than the cap now asks.</summary>
    private static double? ExistingSeconds(string wav, double maxSeconds)
    {
        if (!File.Exists(wav)) return null;
        double seconds = DevSetBuild.WavSeconds(wav);
        return seconds <= maxSeconds + 1.0 / SampleRate ? seconds : null;
    }

    /// <summary>
    /// Renders the project with its program into the scratch folder (with HOME there too, since both
    /// programs write settings into it) and keeps the first <paramref name="maxSeconds"/> as mono.
    /// Success is judged by the file, not the exit status: lmms 1.2.2 can crash on exit after writing
    /// it. h2cli plays in real time; it is stopped at the cap plus a minute.
    /// </summary>
    private static double Render(DevSetBuild build, SourceFile file, ProductionTool tool, string audio, string scratch, double maxSeconds)
    {
        Directory.CreateDirectory(Path.Combine(scratch, "home"));
        string raw = Path.Combine(scratch, "render.wav");
        File.Delete(raw);
        var environment = new Dictionary<string, string> { ["HOME"] = Path.Combine(scratch, "home"), ["QT_QPA_PLATFORM"] = "offscreen" };
        var run = tool == ProductionTool.Lmms
            ? ExternalTool.Run("lmms", ["--allowroot", "render", file.FullPath, "-f", "wav", "-s", $"{SampleRate}", "-o", raw],
                TimeSpan.FromMinutes(20), "lmms", environment)
            : ExternalTool.Run("h2cli", ["-s", file.FullPath, "-d", "fake", "-o", raw, "-r", $"{SampleRate}", "-b", "16"],
                TimeSpan.FromSeconds(maxSeconds + 60), "hydrogen", environment);
        if (!File.Exists(raw) || new FileInfo(raw).Length <= 44) throw new InvalidOperationException($"no audio written ({run})");
        AudioBuffer mono;
        try
        {
            mono = AudioDecoder.DecodeMono(raw, SampleRate, 0, maxSeconds);
        }
        catch (EquiTempoException e)
        {
            throw new InvalidOperationException($"the render cannot be read: {e.Message} ({run})", e);
        }
        float peak = mono.Samples.Length == 0 ? 0 : mono.Samples.Max(Math.Abs);
        if (peak < SilentPeak)
            throw new InvalidOperationException($"silent render, peak {20 * Math.Log10(Math.Max(peak, 1e-10)):F0} dBFS ({run})");
        build.WriteMonoAudio(audio, mono.Samples, SampleRate);
        File.Delete(raw);
        return mono.DurationSeconds;
    }

    /// <summary>
    /// The beats 0, 60/BPM, 2·60/BPM, … up to the end of the render; both programs start bar 1 at time 0,
    /// so the first is a downbeat and the numbers run 1 … beats in a bar, when the project states its bars.
    /// </summary>
    private static void WriteBeats(string path, ProductionProject project, double seconds)
    {
        double period = 60 / project.Bpm;
        double[] times = [.. Enumerable.Range(0, (int)Math.Floor(seconds / period + 1e-9) + 1).Select(k => k * period)];
        DevSetBuild.WriteBeats(path, NumberedBeats.FromDownbeat(times, project.BeatsPerBar));
    }
}
