using System.ComponentModel;
using EquiTempo.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class AverageCommand : Command<AverageCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODELS>"), Description("Model files of one architecture (e.g. a run's epochs/epoch-NNN.eqtm).")]
        public string[] Models { get; init; } = Array.Empty<string>();
        [CommandOption("-o|--out <FILE>"), Description("Where to write the averaged model.")] public string Out { get; init; } = "";

        public override ValidationResult Validate() => OptionChecks.First(
            OptionChecks.Required("--out", Out),
            OptionChecks.NotAFolder("--out", Out),
            Models.Length < 2 ? "give two or more model files to average" : null,
            Models.FirstOrDefault(m => !File.Exists(m)) is { } missing ? $"{missing}: no such model file" : null);
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        using var mean = WeightAverage.Mean(s.Models);
        mean.Save(s.Out);
        AnsiConsole.MarkupLineInterpolated($"{s.Out}: the mean of {s.Models.Length} models' weights");
        return 0;
    }
}
