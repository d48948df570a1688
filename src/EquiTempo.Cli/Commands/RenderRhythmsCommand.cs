using System.ComponentModel;
using EquiTempo.Audio;
using EquiTempo.Training.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>Writes rendered drum patterns at known tempi (WAV files + index.tsv): labelled audio made without any human label.</summary>
public sealed class RenderRhythmsCommand : Command<RenderRhythmsCommand.Settings>
{
    public sealed class Settings : RenderAtTempiSettings
    {
        [CommandOption("-n|--count <N>")] public int Count { get; init; } = 50;
        public override int Items => Count;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        Directory.CreateDirectory(s.Out);
        var tempi = s.DrawTempi();
        var rows = new List<RenderIndexRow>();
        for (int i = 0; i < s.Count; i++)
        {
            double bpm = tempi[i];
            var x = DrumPatternRenderer.Render(bpm, s.Seed * 100_000 + i, new DrumRenderConfig(Seconds: s.Seconds));
            var name = $"rhythm{i:D4}_{bpm:F2}bpm.wav";
            WavWriter.WriteMono16(Path.Combine(s.Out, name), x, 44100);
            rows.Add(new RenderIndexRow(name, bpm, "rendered"));
        }
        RenderIndex.Write(Path.Combine(s.Out, RenderIndex.FileName), rows);
        AnsiConsole.MarkupLineInterpolated($"[green]{s.Count}[/] rendered rhythms and index.tsv in {s.Out}");
        return 0;
    }
}
