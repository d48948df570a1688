namespace EquiTempo.DevSets.Tool;

/// <summary>
/// Tracker modules played through libopenmpt: each subsong is rendered and timed in one pass, and
/// kept when one row rate covers the minimum share of it (see <see cref="ModuleTempoLabel"/>).
/// </summary>
internal static class ModuleDevSet
{
    private const int SampleRate = 44100;
    private static readonly string[] ExtraColumns = ["rows_per_beat", "rows_per_beat_from", "rows_per_minute", "libopenmpt_bpm", "format", "score_with"];

    public static int Build(DevSetOptions options, TextWriter report)
    {
        var build = new DevSetBuild(options, "module", ExtraColumns);
        foreach (var (file, player) in build.OpenEach(ModulePlayer.Open, ".mod", ".xm", ".s3m", ".it"))
        {
            using (player)
                for (int subsong = 0; subsong < player.SubsongCount; subsong++)
                    AddSubsong(build, file, player, subsong);
        }
        build.Finish(report);
        return 0;
    }

    private static void AddSubsong(DevSetBuild build, SourceFile file, ModulePlayer player, int subsong)
    {
        var options = build.Options;
        string part = player.SubsongCount > 1 ? $"#{subsong + 1}" : "";
        var samples = new List<float>();
        var playback = player.Play(subsong, SampleRate, options.MaxSeconds, chunk => samples.AddRange(chunk));
        if (playback.PlayedSeconds < options.MinSeconds)
        {
            build.Skip(file, part, "short", $"{playback.PlayedSeconds:F1} s", seconds: playback.PlayedSeconds);
            return;
        }
        var label = ModuleTempoLabel.From(playback, player.FileRowsPerBeat, file.FullPath);
        if (!label.IsSteady(options.MinShare))
        {
            string why = label.Share < options.MinShare
                ? $"{label.RowsPerMinute:F1} rows/min covers {label.Share:P0}; states (speed/tempo: s) {Describe(playback)}"
                : $"{label.MeasuredRowsPerMinute:F1} rows/min counted against {label.RowsPerMinute:F1} from speed and tempo";
            build.Skip(file, part, label.Share < options.MinShare ? "changing-tempo" : "row-rate-mismatch", why,
                label.Bpm, label.Share, label.Seconds);
            return;
        }
        string audio = build.AudioPath(file, player.SubsongCount > 1 ? $".s{subsong + 1}" : "");
        build.WriteMonoAudio(audio, [.. samples], SampleRate);
        build.Keep(file, part, audio, label.Bpm, label.Share, label.Seconds,
        [
            label.RowsPerBeat.ToString(), label.RowsPerBeatFromFile ? "file" : "assumed",
            DevSetBuild.Number(label.RowsPerMinute), DevSetBuild.Number(label.LibOpenMptBpm), player.Format, "acc2",
        ]);
    }

    private static string Describe(ModulePlayback playback) =>
        string.Join(" ", playback.States.OrderByDescending(s => s.Seconds).Take(4).Select(s => $"{s.Speed}/{s.Tempo}:{s.Seconds:F0}"));
}
