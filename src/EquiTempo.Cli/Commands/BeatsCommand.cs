using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EquiTempo.Audio;
using EquiTempo.Baselines;
using EquiTempo.Beats;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>`equitempo beats`: beat times of audio files, as text (one time a line), JSON lines, .beats files per
/// input, or a click track mixed into the audio.</summary>
public sealed class BeatsCommand : Command<BeatsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[PATHS]"), Description("Audio files or folders (searched recursively); - for standard input.")] public string[] Paths { get; init; } = Array.Empty<string>();
        [CommandOption("--files-from <LIST>"), Description("Also read input paths from this file, one per line (- for standard input).")] public string? FilesFrom { get; init; }
        [CommandOption("--method <NAME>"), Description("Where the tempo the beats follow comes from: tempogram (default; the onset envelope's own autocorrelation, as librosa's beat_track), model (the trained network) or dsp (the DSP tempo baseline).")] public string Method { get; init; } = TempogramMethod;
        [CommandOption("-m|--model <FILE|NAME>"), Description("Model for the tempo (implies --method model): " + EstimateCommand.Settings.ModelDescription)] public string? Model { get; init; }
        [CommandOption("--activation <KIND>"), Description(BeatActivationOptions.ActivationDescription)] public string? Activation { get; init; }
        [CommandOption("--beat-model <FILE|NAME>"), Description(BeatActivationOptions.BeatModelDescription)] public string? BeatModel { get; init; }
        [CommandOption("--json"), Description("One JSON object per input and line: file, bpm, tempo_source, duration_s, beats (seconds), and where the activation has downbeats numbers, beats_per_bar, downbeats; a failed input is {\"file\", \"error\"}.")] public bool Json { get; init; }
        [CommandOption("--out <DIR>"), Description("Write NAME.beats (one time per line, \"time TAB number\" where beats are numbered) per input into DIR instead of printing (its path below the inputs' common folder, extension replaced).")] public string? Out { get; init; }
        [CommandOption("--sonify <OUT.wav>"), Description("Also write the audio with a click at each beat (one input only).")] public string? Sonify { get; init; }
        [CommandOption("-q|--quiet"), Description("Only errors on stderr (no notes).")] public bool Quiet { get; init; }

        public const string TempogramMethod = "tempogram";
        public static IReadOnlyList<string> Methods { get; } = [TempogramMethod, .. TempoMethods.Names];

        /// <summary>The tempo method, by name; null for the tempogram.</summary>
        public string? TempoMethodName => Model is not null ? "model" : Method.Equals(TempogramMethod, StringComparison.OrdinalIgnoreCase) ? null : Method.ToLowerInvariant();

        public override ValidationResult Validate()
        {
            if (Paths.Length == 0 && FilesFrom is null) return ValidationResult.Error("give at least one audio file or folder, or --files-from LIST");
            if (!Methods.Contains(Method.ToLowerInvariant())) return ValidationResult.Error($"--method {Method}: must be one of {string.Join(", ", Methods)}");
            if (Model is not null && !Method.Equals("model", StringComparison.OrdinalIgnoreCase) && !Method.Equals(TempogramMethod, StringComparison.OrdinalIgnoreCase))
                return ValidationResult.Error($"--model: the {Method} method uses no model file");
            if (Model is not null && !File.Exists(Model) && !TempoMethods.NamesShippedModel(Model)) return ValidationResult.Error($"--model {Model}: no such file");
            if (BeatActivationOptions.Problem(Activation, BeatModel) is { } activationProblem) return ValidationResult.Error(activationProblem);
            if (FilesFrom is not null && FilesFrom != "-" && !File.Exists(FilesFrom)) return ValidationResult.Error($"--files-from {FilesFrom}: no such file");
            if (Out is not null && File.Exists(Out)) return ValidationResult.Error($"--out {Out}: is a file, not a folder");
            if (Json && Out is not null) return ValidationResult.Error("--json and --out contradict each other: --out writes .beats files");
            if (Sonify is not null && !Sonify.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--sonify {Sonify}: must be a .wav path");
            if (Sonify is not null && (Paths.Length > 1 || FilesFrom is not null)) return ValidationResult.Error($"--sonify {Sonify}: holds the clicks of one input, but several are given");
            return ValidationResult.Success();
        }
    }

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var console = RunConsole.ForProcess(s.Quiet ? Verbosity.Quiet : Verbosity.Normal);
        var inputs = EstimateCommand.CollectInputs(s.Paths, s.FilesFrom);
        var files = inputs.Where(i => i.Problem is null).Select(i => i.Path).ToList();
        if (s.Sonify is not null && files.Count > 1)
            throw new UsageException($"--sonify {s.Sonify}: holds the clicks of one input, but {files.Count} files were found");
        if (files.Count == 0)
        {
            foreach (var i in inputs) console.Error(i.Problem!);
            return ErrorReporting.InputFailed;
        }
        var outPaths = s.Out is null ? null : PerInputPaths.Map(files, s.Out, "").ToDictionary(kv => kv.Key, kv => Path.ChangeExtension(kv.Value, ".beats"));

        using var activation = BeatActivationOptions.Create(s.Activation, s.BeatModel);
        // Given the head, the model computes its activation in its own pass over the file (decoded once, one log-mel).
        using var tempo = s.TempoMethodName is string method ? TempoMethods.Create(method, s.Model, beatHead: activation as ModelBeatActivation) : null;
        using var tracker = new BeatTracker(tempo, activation: activation);
        int failed = 0;
        foreach (var input in inputs)
        {
            ct.ThrowIfCancellationRequested();
            string? error = input.Problem;
            BeatTrack? track = null;
            if (error is null)
            {
                try { track = Track(tracker, input.Path, s.Sonify, console, ct); }
                catch (EquiTempoException e) { error = e.Subject is null ? $"{input.Path}: {e.Message}" : e.Message; }
            }
            if (error is not null)
            {
                failed++;
                console.Error(error);
                if (s.Json) console.Result(new JsonObject { ["file"] = input.Path, ["error"] = error }.ToJsonString(Compact));
                continue;
            }
            if (track!.NoBeatsReason is { } why) console.Note($"{input.Path}: {why}");
            if (s.Json) console.Result(Json(track, input.Path).ToJsonString(Compact));
            else if (outPaths is not null) WriteBeatsFile(outPaths[input.Path], track, console);
            else foreach (var line in BeatAnnotation.Of(track).Lines()) console.Result(inputs.Count > 1 ? $"{TempoEstimateFormats.TsvField(input.Path)}\t{line}" : line);
        }
        return failed == 0 ? 0 : ErrorReporting.InputFailed;
    }

    private static BeatTrack Track(BeatTracker tracker, string path, string? sonify, RunConsole console, CancellationToken ct)
    {
        if (path == PerInputPaths.StdinName && sonify is null) return tracker.Track(Console.OpenStandardInput(), path, ct);
        // Sonifying needs the samples, so the file (or standard input) is decoded once and tracked from memory.
        var audio = path == PerInputPaths.StdinName
            ? AudioDecoder.DecodeMono(Console.OpenStandardInput(), path, ct: ct)
            : sonify is null ? null : AudioDecoder.DecodeMono(path, ct: ct);
        if (audio is null) return tracker.Track(path, ct);
        var track = tracker.Track(audio, path, ct);
        try
        {
            WavWriter.WriteMono16(sonify!, BeatSonifier.Mix(audio.Samples, audio.SampleRate, track.Times, track.Numbers), audio.SampleRate);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.InvalidSetting, $"--sonify {sonify}", $"cannot be written: {e.Message}");
        }
        console.Note($"clicks: {sonify}");
        return track;
    }

    private static void WriteBeatsFile(string path, BeatTrack track, RunConsole console)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllLines(path, BeatAnnotation.Of(track).Lines());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EquiTempoException(ErrorReason.InvalidSetting, $"--out {path}", $"cannot be written: {e.Message}");
        }
        console.Note($"beats: {path}");
    }

    internal static JsonObject Json(BeatTrack track, string file)
    {
        var o = new JsonObject
        {
            ["file"] = file,
            ["bpm"] = Math.Round(track.Bpm, 2),
            ["tempo_source"] = track.TempoSource,
            ["activation"] = track.Activation,
            ["duration_s"] = Math.Round(track.DurationSeconds, 2),
            ["beats"] = BeatArray(track),
        };
        AddBars(o, track);
        if (track.NoBeatsReason is { } why) o["no_beats"] = why;
        return o;
    }

    internal static JsonArray BeatArray(BeatTrack track) => new(track.Times.Select(t => (JsonNode)Math.Round(t, 3)).ToArray());

    /// <summary>Where the beats are numbered: "numbers" (one a beat, 1 = downbeat), "beats_per_bar" (the meter most beats
    /// were numbered in; null without beats) and "downbeats" (the times of the beats numbered 1). Nothing otherwise.</summary>
    internal static void AddBars(JsonObject o, BeatTrack track)
    {
        if (track.Numbers is not { } numbers) return;
        o["numbers"] = new JsonArray(numbers.Select(n => (JsonNode)n).ToArray());
        o["beats_per_bar"] = track.BeatsPerBar;
        o["downbeats"] = new JsonArray(track.DownbeatTimes!.Select(t => (JsonNode)Math.Round(t, 3)).ToArray());
    }
}
