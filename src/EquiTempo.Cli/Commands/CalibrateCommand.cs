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
        [CommandOption("--examples <N>"), Description("Rendered rhythm examples (label-free).")] public int Examples { get; init; } = 96;
        [CommandOption("--seed <N>")] public int Seed { get; init; } = 42;
        public override ValidationResult Validate() => string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var model = TempoModel.Load(s.Model);
        using var fe = new LogMelFrontEnd(model.Metadata.FrontEnd);
        var fit = ScaleCalibration.FitOnRenderedRhythms(model.Network, fe, s.Examples, seed: s.Seed);
        model.Metadata.Readout.Scale = fit.Scale;
        model.Metadata.Readout.ScaleSource = fit.Source;
        model.Metadata.Training["calibration_examples"] = fit.Examples.ToString();
        model.Metadata.Training["calibration_log_correlation"] = fit.LogCorrelation.ToString("F3");
        model.Metadata.Training["calibration_acc1_on_renders"] = fit.Acc1.ToString("F3");
        model.Save(s.Out ?? s.Model);
        var t = new Table().AddColumns("measure", "value");
        t.AddRow("scale (BPM per unit z)", fit.Scale.ToString("G5"));
        t.AddRow("examples", fit.Examples.ToString());
        t.AddRow("r(log z, log BPM)", fit.LogCorrelation.ToString("F3"));
        t.AddRow("Acc1 / Acc2 on the renders", $"{fit.Acc1:P1} / {fit.Acc2:P1}");
        t.AddRow("source", Markup.Escape(fit.Source));
        AnsiConsole.Write(t);
        AnsiConsole.MarkupLineInterpolated($"[green]saved[/] {s.Out ?? s.Model}");
        return 0;
    }
}
