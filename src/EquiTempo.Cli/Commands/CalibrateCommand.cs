using System.ComponentModel;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class CalibrateCommand : Command<CalibrateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <FILE>"), Description("Model file to calibrate (updated in place unless --out).")] public string Model { get; init; } = "";
        [CommandOption("-o|--out <FILE>"), Description("Write the calibrated model here instead.")] public string? Out { get; init; }
        [CommandOption("--examples <N>"), Description("Rendered rhythm examples (label-free route).")] public int Examples { get; init; } = 96;
        [CommandOption("-l|--labels <INDEX>"), Description("Few-label route: fit on these labelled tracks (CSV/TSV index with path and bpm) instead of renders.")]
        public string? Labels { get; init; }
        [CommandOption("--max-tracks <N>"), Description("Use at most N labelled tracks (N can be 1).")] public int? MaxTracks { get; init; }
        [CommandOption("--evaluate <INDEX>"), Description("After fitting, report Acc1/Acc2 of the scale readout on this labelled index.")]
        public string? Evaluate { get; init; }
        [CommandOption("--seed <N>")] public int Seed { get; init; } = 42;
        [CommandOption("--min-prior-octaves <W>"), Description("Log-tempo models: the narrowest metrical prior the fit may choose (0.5–2 octaves; default 1).")]
        public double? MinPriorOctaves { get; init; }
        public override ValidationResult Validate() => OptionChecks.First(
            OptionChecks.Required("--model", Model),
            OptionChecks.NotAFolder("--model", Model),
            OptionChecks.NotAFolder("--out", Out),
            OptionChecks.IntRange("--examples", Examples, 2, MaxExamples),
            OptionChecks.Needs("--max-tracks", MaxTracks is not null, "--labels", Labels is not null),
            OptionChecks.IntRange("--max-tracks", MaxTracks, 1),
            OptionChecks.Range("--min-prior-octaves", MinPriorOctaves, 0.5, 2));

        /// <summary>The renders are held in memory together (2.4 MB each at the default chunk).</summary>
        private const int MaxExamples = 1000;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (LogTempoModel.IsLogTempoFile(s.Model)) return CalibrateLogTempo(s);
        IReadOnlyList<EquiTempo.Evaluation.LabelledTrack>? labels = null;
        if (s.Labels is not null)
        {
            labels = EquiTempo.Evaluation.TempoIndex.Read(s.Labels);
            if (labels.Count == 0) throw new EquiTempoException(ErrorReason.InvalidData, s.Labels, "holds no labelled tracks");
            if (s.MaxTracks is int m) labels = EquiTempo.Evaluation.LabelledDataset.Sample(labels.ToList(), m, s.Seed);
        }
        // Read before fitting, so a bad --evaluate index fails before the model is rewritten.
        var evaluation = s.Evaluate is null ? null : EquiTempo.Evaluation.TempoIndex.Read(s.Evaluate);
        var output = s.Out ?? s.Model;   // in place unless --out: the caller asked for it by leaving --out out
        var result = ScaleCalibrator.Calibrate(s.Model, output, new CalibrationOptions { Examples = s.Examples, Labels = labels, Seed = s.Seed },
            w => Console.Error.WriteLine($"warning: {w}"));
        var fit = result.Fit;
        var t = new Table().AddColumns("measure", "value");
        t.AddRow("scale (BPM per unit z)", fit.Scale.ToString("G5"));
        t.AddRow("examples", fit.Examples.ToString());
        t.AddRow("r(log z, log BPM)", fit.LogCorrelation.ToString("F3"));
        t.AddRow("Acc1 / Acc2 on the fitting examples", $"{fit.Acc1:P1} / {fit.Acc2:P1}");
        t.AddRow("source", Markup.Escape(fit.Source));
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLineInterpolated($"[green]saved[/] {output}{(result.HalfPrecision ? " (float16, as the input)" : "")}");
        if (result.Warning is not null) Console.Error.WriteLine($"warning: {result.Warning}");
        if (evaluation is not null)
        {
            using var model = TempoModel.Load(output);
            using var fe = model.CreateFrontEnd();
            var e = ScaleCalibration.Evaluate(model.Network, fe, fit.Scale, evaluation, w => Console.Error.WriteLine($"warning: {w}"));
            AnsiConsole.MarkupLineInterpolated($"evaluation on {s.Evaluate}: n = {e.Tracks}, Acc1 = {e.Acc1:P1}, Acc2 = {e.Acc2:P1}, r(log z, log BPM) = {e.LogCorrelation:F3}");
        }
        return 0;
    }

    /// <summary>A log-tempo model: its offset and metrical-level prior fitted on renders (the label-free route only).</summary>
    private static int CalibrateLogTempo(Settings s)
    {
        if (s.Labels is not null || s.Evaluate is not null)
            throw EquiTempoException.InvalidSetting(s.Labels is not null ? "--labels" : "--evaluate", $"{s.Model} is a log-tempo model, which is calibrated on renders only (measure it with eval)");
        var output = s.Out ?? s.Model;
        var fit = EquiTempo.Training.LogTempo.LogTempoCalibrator.Calibrate(s.Model, output,
            new EquiTempo.Training.LogTempo.LogTempoCalibrationConfig(Examples: s.Examples, Seed: s.Seed, MinPriorOctaves: s.MinPriorOctaves ?? new EquiTempo.Training.LogTempo.LogTempoCalibrationConfig().MinPriorOctaves));
        var r = fit.Readout;
        var t = new Table().AddColumns("measure", "value");
        t.AddRow("offset (bins)", r.OffsetBins.ToString("F2"));
        t.AddRow("prior", r.PriorCentreBpm is double c ? $"log-normal at {c:F1} BPM, {r.PriorOctaves:F2} octaves" : "none");
        t.AddRow("examples", fit.Examples.ToString());
        t.AddRow("folded spread of log2(peak / tempo)", $"{fit.FoldedSpreadOctaves:F3} octaves");
        t.AddRow("Acc1 on the renders: peak / with prior", $"{fit.Acc1Peak:P1} / {fit.Acc1Prior:P1}");
        t.AddRow("Acc2 on the renders", fit.Acc2.ToString("P1"));
        t.AddRow("source", Markup.Escape(r.Source));
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLineInterpolated($"[green]saved[/] {output}");
        return 0;
    }
}
