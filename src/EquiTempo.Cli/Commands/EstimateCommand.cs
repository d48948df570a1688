using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using EquiTempo.Audio;
using EquiTempo.Inference;
using Spectre.Console;
using Spectre.Console.Cli;
using EquiTempo.Evaluation;

namespace EquiTempo.Cli.Commands;

public sealed class EstimateCommand : Command<EstimateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PATHS>"), Description("Audio files or folders (searched recursively).")] public string[] Paths { get; init; } = Array.Empty<string>();
        [CommandOption("--method <NAME>"), Description("model (default): the trained network; dsp: the signal-processing baseline (onset autocorrelation, librosa-style).")] public string Method { get; init; } = "model";
        public const string ModelDescription = "Model file for --method model, or a shipped model by name: default (used when omitted), labelfree.";
        [CommandOption("-m|--model <FILE|NAME>"), Description(ModelDescription)] public string? Model { get; init; }
        [CommandOption("-f|--format <FORMAT>"), Description("table (default), json (one object per line) or tsv.")] public string Format { get; init; } = "table";
        [CommandOption("--local"), Description("Also compute a local tempo curve (sliding window).")] public bool Local { get; init; }
        [CommandOption("--hop <SECONDS>"), Description("Chunk hop for --method model (default: chunk length, non-overlapping).")] public double? Hop { get; init; }
        [CommandOption("--plot <PNG|DIR>"), Description("Draw the local tempo curve (implies --local): a .png path for one file, else a folder that gets one <audio name>.png per file.")] public string? Plot { get; init; }
        public override ValidationResult Validate() =>
            Paths.Length == 0 ? ValidationResult.Error("give at least one audio file or folder")
            : Format is not ("table" or "json" or "tsv") ? ValidationResult.Error("--format must be table, json or tsv")
            : !TempoMethods.Names.Contains(Method.ToLowerInvariant()) ? ValidationResult.Error($"--method must be one of: {string.Join(", ", TempoMethods.Names)}")
            : Method.Equals(EquiTempo.Baselines.DspTempoEstimator.MethodName, StringComparison.OrdinalIgnoreCase) && Model is not null ? ValidationResult.Error("--model: the dsp method uses no model file")
            : Method.Equals(EquiTempo.Baselines.DspTempoEstimator.MethodName, StringComparison.OrdinalIgnoreCase) && Hop is not null ? ValidationResult.Error("--hop: the dsp method has no chunk hop")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var files = new List<string>();
        var errors = new ConcurrentBag<(string, string)>();
        foreach (var p in s.Paths)
        {
            if (p == StdinArgument) { if (StdinProblem(files) is { } problem) errors.Add((p, $"{StdinName}: {problem}")); else files.Add(p); }
            else if (Directory.Exists(p)) files.AddRange(AudioDecoder.FindAudioFiles(new[] { p }));
            else if (File.Exists(p)) files.Add(p);
            else errors.Add((p, $"{p}: no such file or folder"));
        }
        using var estimator = TempoMethods.Create(s.Method, s.Model, new EstimatorConfig { HopSeconds = s.Hop });
        var results = new TempoEstimate?[files.Count];
        void EstimateAll(Action? onFile)
        {
            Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, i =>
            {
                try
                {
                    results[i] = files[i] == StdinArgument ? estimator.Estimate(Console.OpenStandardInput(), StdinName, s.Local || s.Plot is not null, ct)
                        : estimator.Estimate(files[i], s.Local || s.Plot is not null, ct);
                    if (s.Plot is not null) TempoCurvePlot.Write(PlotPath(s.Plot, files[i] == StdinArgument ? "stdin" : files[i], files.Count), results[i]!);
                }
                catch (EquiTempoException e) // one file's failure; anything else is a bug and stops the run
                { errors.Add((files[i], e.Subject is null ? $"{files[i]}: {e.Message}" : e.Message)); }
                onFile?.Invoke();
            });
        }
        // A bar only where someone watches it: a terminal, several files, and a table (json/tsv go to scripts).
        if (files.Count > 1 && s.Format == "table" && AnsiConsole.Profile.Capabilities.Interactive)
            AnsiConsole.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"estimating {files.Count} files", maxValue: files.Count);
                    EstimateAll(() => task.Increment(1));
                });
        else EstimateAll(null);
        var ok = results.Where(r => r != null).Select(r => r!).ToList();
        switch (s.Format)
        {
            case "json":
                foreach (var r in ok)
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        file = r.File, method = estimator.Name, bpm = Math.Round(r.Bpm, 2), bpm2 = Math.Round(r.Bpm2, 2), salience = Math.Round(r.Salience, 3),
                        confidence = Math.Round(r.Confidence, 3), duration_s = Math.Round(r.DurationSeconds, 2), readout = r.Readout,
                        curve = r.Curve?.Select(p => new[] { Math.Round(p.TimeSeconds, 2), Math.Round(p.Bpm, 2) }),
                    }));
                break;
            case "tsv":
                Console.WriteLine("file\tbpm\tbpm2\tsalience\tconfidence\tduration_s\tmethod");
                foreach (var r in ok)
                    Console.WriteLine(string.Join('\t', r.File, F(r.Bpm), F(r.Bpm2), F(r.Salience), F(r.Confidence), F(r.DurationSeconds), estimator.Name));
                break;
            default:
                var t = new Table().AddColumns("file", "BPM", "2nd BPM", "salience", "confidence", "duration")
                    .Caption($"method: {Markup.Escape(estimator.Name)}");
                foreach (var r in ok)
                    t.AddRow(Markup.Escape(r.File ?? ""), r.Bpm.ToString("F1"), r.Bpm2.ToString("F1"), r.Salience.ToString("F2"), r.Confidence.ToString("F2"), $"{r.DurationSeconds:F1} s");
                if (ok.Count > 0) AnsiConsole.Write(t);
                if (s.Local)
                    foreach (var r in ok.Where(r => r.Curve != null))
                        AnsiConsole.MarkupLineInterpolated($"[grey]{r.File}: {string.Join("  ", r.Curve!.Select(p => $"{p.TimeSeconds:F0}s {p.Bpm:F0}"))}[/]");
                break;
        }
        foreach (var (_, m) in errors.OrderBy(e => e.Item1))
            ErrorReporting.WriteError(Console.Error, m);
        return errors.IsEmpty ? 0 : 1;
    }

    /// <summary>How results and errors name standard input, and what "-" becomes before parsing (the parser takes a
    /// lone "-" for an option; no path contains a NUL).</summary>
    private const string StdinName = "<stdin>", StdinArgument = "\0stdin";

    private static string? StdinProblem(List<string> files) =>
        files.Contains(StdinArgument) ? "given more than once: standard input can be read only once" : null;

    /// <summary>The arguments with each lone "-" of an estimate command marked as standard input.</summary>
    public static string[] MarkStdin(string[] args) =>
        args.Length > 0 && args[0] == "estimate" ? args.Select(a => a == "-" ? StdinArgument : a).ToArray() : args;

    private static string PlotPath(string plot, string audio, int files) =>
        files == 1 && plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? plot : Path.Combine(plot, Path.GetFileName(audio) + ".png");

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
