using System.ComponentModel;
using EquiTempo.Features;
using EquiTempo.Model;
using EquiTempo.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using EquiTempo.Training.Corpus;

namespace EquiTempo.Cli.Commands;

public sealed class EquivarianceCommand : Command<EquivarianceCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <FILE>"), Description("Model file (.eqtm). Omit with --fresh.")] public string? Model { get; init; }
        [CommandOption("--fresh"), Description("Measure a freshly initialised network instead (the baseline).")] public bool Fresh { get; init; }
        [CommandOption("-a|--audio <PATH>"), Description("Audio files/folders, or a file list (.txt, one path per line, e.g. a run's validation-files.txt).")]
        public string[] Audio { get; init; } = Array.Empty<string>();
        [CommandOption("--max-files <N>")] public int MaxFiles { get; init; } = 50;
        [CommandOption("--seed <N>")] public int Seed { get; init; } = 1234;
        public override ValidationResult Validate() => OptionChecks.First(
            OptionChecks.Required("--audio", Audio),
            Model is null && !Fresh ? "give --model or --fresh" : null,
            OptionChecks.Exclusive("--model", Model is not null, "--fresh", Fresh),
            OptionChecks.NotAFolder("--model", Model),
            OptionChecks.IntRange("--max-files", MaxFiles, 1));
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var inputs = s.Audio.SelectMany(p => p.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) && File.Exists(p)
            ? File.ReadAllLines(p).Where(l => l.Trim().Length > 0) : new[] { p });
        var (files, skipped) = AudioCorpus.Scan(inputs, 0);
        files = files.Take(s.MaxFiles).ToList();
        if (files.Count == 0)
            throw new EquiTempoException(ErrorReason.Audio, string.Join(", ", s.Audio), skipped.Count > 0 ? $"no readable audio file ({skipped.Count} failed: {skipped[0]})" : "no audio files");
        TorchSharp.torch.manual_seed(s.Seed);
        using var model = s.Fresh ? new TempoModel() : TempoModel.Load(s.Model!);
        using var fe = model.CreateFrontEnd();
        var r = EquivarianceProbe.Measure(model.Network, fe, files, s.Seed);
        var t = new Table().AddColumns("measure", "value");
        t.AddRow("model", Markup.Escape(s.Fresh ? "fresh initialisation" : s.Model!));
        t.AddRow("files / excerpts", $"{r.Files} / {r.Excerpts}");
        t.AddRow("rates", string.Join(" ", r.Rates.Select(a => a.ToString("0.00"))));
        t.AddRow("median |(z_a/z_b)/(α_a/α_b) − 1|", $"{r.MedianRatioError:P2}");
        t.AddRow("slope of log z on log α", $"{r.Slope:F3}");
        t.AddRow("R² (within file)", $"{r.RSquared:F3}");
        t.AddRow("outputs z ≤ 0", r.NonPositive.ToString());
        t.AddRow("mean |z|", $"{r.MeanAbsZ:G4}");
        AnsiConsole.Write(t);
        return 0;
    }
}
