using System.ComponentModel;
using System.Globalization;
using EquiTempo.Audio;
using EquiTempo.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>Writes rendered drum patterns at known tempi (WAV files + index.tsv): labelled audio made without any human label.</summary>
public sealed class RenderRhythmsCommand : Command<RenderRhythmsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--out <DIR>")] public string Out { get; init; } = "";
        [CommandOption("-n|--count <N>")] public int Count { get; init; } = 50;
        [CommandOption("--seconds <S>")] public double Seconds { get; init; } = 30;
        [CommandOption("--min-bpm <BPM>")] public double MinBpm { get; init; } = 60;
        [CommandOption("--max-bpm <BPM>")] public double MaxBpm { get; init; } = 200;
        [CommandOption("--seed <N>")] public int Seed { get; init; } = 1;
        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required")
            : MinBpm <= 0 || MaxBpm < MinBpm ? ValidationResult.Error("need 0 < --min-bpm <= --max-bpm") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        Directory.CreateDirectory(s.Out);
        var rng = new Random(s.Seed);
        var rows = new List<string> { "path\tbpm\tkind" };
        for (int i = 0; i < s.Count; i++)
        {
            double bpm = s.MinBpm * Math.Pow(s.MaxBpm / s.MinBpm, rng.NextDouble());
            var x = DrumPatternRenderer.Render(bpm, s.Seed * 100_000 + i, new DrumRenderConfig(Seconds: s.Seconds));
            var name = $"rhythm{i:D4}_{bpm:F2}bpm.wav";
            WavWriter.WriteMono16(Path.Combine(s.Out, name), x, 44100);
            rows.Add($"{name}\t{bpm.ToString("F3", CultureInfo.InvariantCulture)}\trendered");
        }
        File.WriteAllLines(Path.Combine(s.Out, "index.tsv"), rows);
        AnsiConsole.MarkupLineInterpolated($"[green]{s.Count}[/] rendered rhythms and index.tsv in {s.Out}");
        return 0;
    }
}
