using System.ComponentModel;
using System.Text.Json;
using EquiTempo.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

public sealed class InfoCommand : Command<InfoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<MODEL>"), Description("Model file (.eqtm).")] public string Model { get; init; } = "";
        public override ValidationResult Validate() => OptionChecks.First(OptionChecks.NotAFolder("MODEL", Model));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var meta = TempoModel.ReadMetadata(s.Model);
        Console.WriteLine(JsonSerializer.Serialize(meta, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
