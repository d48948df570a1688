using System.ComponentModel;
using EquiTempo.Training.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>Composes multi-instrument songs at known tempi and renders them with fluidsynth: labelled music with no human label.</summary>
public sealed class RenderSongsCommand : Command<RenderSongsCommand.Settings>
{
    public sealed class Settings : RenderAtTempiSettings
    {
        [CommandOption("-n|--count <N>")] public int Count { get; init; } = 100;
        [CommandOption("--soundfont <SF2>"), Description("General MIDI soundfont (default: FluidR3_GM from fluid-soundfont-gm).")] public string? SoundFont { get; init; }
        public override int Items => Count;
        public override ValidationResult Validate() =>
            OptionChecks.NotAFolder("--soundfont", SoundFont) is { } problem ? ValidationResult.Error(problem) : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        var synth = new FluidSynthRenderer(s.SoundFont);
        Directory.CreateDirectory(s.Out);
        var tempi = s.DrawTempi();
        var rows = new RenderIndexRow[s.Count];
        int done = 0;
        Parallel.For(0, s.Count, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct }, i =>
        {
            var song = MidiSongComposer.Compose(tempi[i], s.Seed * 100_000 + i, new SongConfig(Seconds: s.Seconds));
            var name = $"song{i:D4}_{tempi[i]:F2}bpm";
            var mid = Path.Combine(s.Out, name + ".mid");
            File.WriteAllBytes(mid, song.Midi);
            // Existing renders are kept, so an interrupted run continues where it stopped.
            if (!File.Exists(Path.Combine(s.Out, name + ".wav"))) synth.Render(mid, Path.Combine(s.Out, name + ".wav"), ct: ct);
            rows[i] = new RenderIndexRow(name + ".wav", song.Bpm, "rendered-song", song.DrumStyle, song.Instruments);
            int k = Interlocked.Increment(ref done);
            if (k % 25 == 0 || k == s.Count) Console.WriteLine($"{k}/{s.Count} songs rendered");
        });
        RenderIndex.Write(Path.Combine(s.Out, RenderIndex.FileName), rows);
        AnsiConsole.MarkupLineInterpolated($"[green]{s.Count}[/] composed songs (MIDI + WAV) and index.tsv in {s.Out}; tempo known by construction, no human labels");
        return 0;
    }
}
