using System.ComponentModel;
using EquiTempo.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class CompactCommand : Command<CompactCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>"), Description("Model file to compact.")] public string Model { get; init; } = "";
        [CommandArgument(1, "<OUT>"), Description("Where to write the half-precision copy.")] public string Out { get; init; } = "";
        public override ValidationResult Validate() => OptionChecks.First(OptionChecks.NotAFolder("MODEL", Model), OptionChecks.NotAFolder("OUT", Out));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var model = TempoModel.Load(s.Model);
        model.Save(s.Out, halfPrecision: true);
        AnsiConsole.MarkupLineInterpolated($"{s.Out}: {new FileInfo(s.Out).Length / 1024.0:F1} kB (was {new FileInfo(s.Model).Length / 1024.0:F1} kB), weights stored as float16");
        return 0;
    }
}
