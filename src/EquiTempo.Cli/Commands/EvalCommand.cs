using System.ComponentModel;
using EquiTempo.Evaluation;
using EquiTempo.Inference;
using EquiTempo.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-l|--labels <PATH>"), Description("Index file (CSV/TSV/.mf with path and bpm) or folder of annotation files (.bpm .txt .beats .jams .mirex).")]
        public string Labels { get; init; } = "";
        [CommandOption("-a|--audio <DIR>"), Description("Audio folder: paired with an annotation folder by file name, or the base of an index's relative paths.")]
        public string? Audio { get; init; }
        [CommandOption("--method <NAME>"), Description("Tempo method (default: model).")]
        public string Method { get; init; } = "model";
        [CommandOption("-m|--model <FILE|NAME>"), Description(EstimateCommand.Settings.ModelDescription)]
        public string? Model { get; init; }
        [CommandOption("--fuse <EVIDENCE>"), Description(FuseOptions.FuseDescription)]
        public string? Fuse { get; init; }
        [CommandOption("--fuse-weight <W>"), Description(FuseOptions.WeightDescription)]
        public double? FuseWeight { get; init; }
        [CommandOption("--activation <KIND>"), Description("Beat scoring (tracks with beat times): " + BeatActivationOptions.ActivationDescription)]
        public string? Activation { get; init; }
        [CommandOption("--beat-model <FILE|NAME>"), Description(BeatActivationOptions.BeatModelDescription)]
        public string? BeatModel { get; init; }
        [CommandOption("--tolerance <FRACTION>"), Description("Relative tolerance of Acc1 and Acc2 (default 0.04).")]
        public double Tolerance { get; init; } = TempoMetrics.DefaultTolerance;
        [CommandOption("--max-tracks <N>"), Description("Evaluate at most N tracks, a fixed pseudo-random subset.")]
        public int? MaxTracks { get; init; }
        [CommandOption("-o|--out <DIR>"), Description("Folder for tracks.csv, report.md and scatter.png.")]
        public string Out { get; init; } = "";
        [CommandOption("-q|--quiet"), Description("Only errors on stderr (no progress, no notes).")]
        public bool Quiet { get; init; }
        [CommandOption("-v|--verbose"), Description("Also one line per track on stderr: its estimate and reference, or why it failed.")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Labels)) return ValidationResult.Error("--labels is required");
            if (!File.Exists(Labels) && !Directory.Exists(Labels)) return ValidationResult.Error($"--labels {Labels}: no such file or folder");
            if (Audio is not null && !Directory.Exists(Audio)) return ValidationResult.Error($"--audio {Audio}: no such folder");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required");
            if (!TempoMethods.Names.Contains(Method, StringComparer.OrdinalIgnoreCase))
                return ValidationResult.Error($"--method must be one of: {string.Join(", ", TempoMethods.Names)}");
            if (Model is not null && Method.Equals(EquiTempo.Baselines.DspTempoEstimator.MethodName, StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error("--model: the dsp method uses no model file");
            if (Model is not null && !File.Exists(Model) && !TempoMethods.NamesShippedModel(Model)) return ValidationResult.Error($"--model {Model}: no such file");
            if (FuseOptions.Problem(Fuse, FuseWeight, Method.Equals(EquiTempo.Baselines.DspTempoEstimator.MethodName, StringComparison.OrdinalIgnoreCase), Model, BeatModel) is { } fuseProblem)
                return ValidationResult.Error(fuseProblem);
            if (BeatActivationOptions.Problem(Activation, BeatModel) is { } activationProblem) return ValidationResult.Error(activationProblem);
            if (!(Tolerance > 0 && Tolerance < 1)) return ValidationResult.Error("--tolerance must be between 0 and 1 (0.04 is ±4 %)");
            if (MaxTracks is < 1) return ValidationResult.Error("--max-tracks must be at least 1");
            if (Quiet && Verbose) return ValidationResult.Error("--quiet and --verbose contradict each other: give one");
            return ValidationResult.Success();
        }
    }

    public const string CsvName = "tracks.csv", ReportName = "report.md", ScatterName = "scatter.png";

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var console = RunConsole.ForProcess(s.Quiet ? Verbosity.Quiet : s.Verbose ? Verbosity.Verbose : Verbosity.Normal);
        var dataset = LabelledDataset.Load(s.Labels, s.Audio);
        foreach (var note in dataset.Notes) console.Note($"note: {note}");
        var tracks = s.MaxTracks is int max ? LabelledDataset.Sample(dataset.Tracks, max) : dataset.Tracks.ToList();
        if (tracks.Count == 0)
        {
            throw new EquiTempoException(ErrorReason.InvalidData, s.Labels, "no labelled track to evaluate");
        }
        Directory.CreateDirectory(s.Out);
        using var beatActivation = BeatActivationOptions.Create(s.Activation, s.BeatModel);
        using var method = TempoMethods.Create(s.Method, s.Model, s.Fuse is null ? null : new EstimatorConfig { Fusion = FuseOptions.Config(s.Fuse, s.FuseWeight) },
            beatActivation as ModelBeatActivation);
        var options = new EvaluationOptions { Tolerance = s.Tolerance, BeatActivation = beatActivation };
        console.Note($"evaluating {method.Name} on {tracks.Count} track(s)" + (beatActivation is null ? "" : $", beats on {beatActivation.Name} of {s.BeatModel ?? ShippedModels.Beats}"));
        var result = Run(method, tracks, options, console, ct);

        EvaluationReportWriter.WriteCsv(result, Path.Combine(s.Out, CsvName));
        EvaluationReportWriter.WriteMarkdown(result, Path.Combine(s.Out, ReportName), "equitempo " + string.Join(' ', context.Arguments.Select(Quote)), ScatterName);
        EvaluationScatterPlot.Write(result, Path.Combine(s.Out, ScatterName));

        bool beats = result.Overall.BeatTracks > 0, downbeats = result.Overall.DownbeatTracks > 0;
        var table = new Table().AddColumns(["kind", "n", "Acc1", "Acc2", "P-score", .. beats ? new[] { "beat F", "CMLt", "AMLt" } : [],
            .. downbeats ? new[] { "downbeat F" } : [], "failed"]);
        foreach (var k in EvaluationReportWriter.SummaryRows(result))
            table.AddRow([Markup.Escape(k.Kind), k.Tracks.ToString(), EvaluationReportWriter.Pct(k.Acc1), EvaluationReportWriter.Pct(k.Acc2),
                EvaluationReportWriter.PScoreCell(k), .. beats ? EvaluationReportWriter.BeatCells(k) : [],
                .. downbeats ? new[] { EvaluationReportWriter.DownbeatCell(k) } : [], k.Failed.ToString()]);
        AnsiConsole.Write(table);
        foreach (var f in result.Outcomes.Where(o => o.Failed))
            console.Error($"failed: {f.Error}");
        console.Note($"wrote {Path.Combine(s.Out, CsvName)}, {ReportName} and {ScatterName}");
        if (result.EvaluatedTracks == 0)
        {
            ErrorReporting.WriteError(Console.Error, $"none of the {tracks.Count} track(s) could be evaluated");
            return ErrorReporting.InputFailed;
        }
        if (result.FailedTracks > 0)
            AnsiConsole.MarkupLineInterpolated($"[yellow]{result.FailedTracks} of {tracks.Count} track(s) failed and count as misses[/]");
        return 0;
    }

    /// <summary>Runs the evaluation with a progress line on stderr when it is a terminal and, when verbose, a line
    /// per track; stdout is kept for the summary.</summary>
    private static TempoEvaluationResult Run(ITempoMethod method, IReadOnlyList<LabelledTrack> tracks, EvaluationOptions options, RunConsole console, CancellationToken ct)
    {
        var progress = new SyncProgress<EvaluationProgress>(p =>
        {
            console.Detail($"[{p.Done}/{p.Total}] {Describe(p.Latest)}");
            console.Progress($"{p.Done}/{p.Total} tracks" + (p.Failed > 0 ? $", {p.Failed} failed" : "") + $"  {Path.GetFileName(p.Latest.Track.Path)}");
        });
        var result = TempoEvaluation.Run(method, tracks, options, progress, ct);
        console.Progress(null);
        return result;
    }

    private static string Describe(TrackOutcome o) =>
        o.Failed ? $"FAILED {o.Error}" : $"{o.Track.Path}: {o.Bpm:F1} BPM (reference {o.Track.Bpm:F1})";

    private static string Quote(string arg) => arg.Length == 0 || arg.Any(char.IsWhiteSpace) ? $"\"{arg}\"" : arg;
}
