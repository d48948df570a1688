using System.ComponentModel;
using EquiTempo.Training.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>Realistic label-free training audio: styled songs, several synthesisers and recorded drum kits, a
/// production chain; WAV + .beats (felt beats, downbeat = 1) + index.tsv (path, bpm, kind, beats, source, style, production).</summary>
public sealed class RenderMixCommand : Command<RenderMixCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--out <DIR>")] public string Out { get; init; } = "";
        [CommandOption("-n|--count <N>")] public int Count { get; init; } = 100;
        [CommandOption("--seconds <S>")] public double Seconds { get; init; } = 30;
        [CommandOption("--seed <N>")] public int Seed { get; init; } = 1;
        [CommandOption("--sources <LIST>"), Description("Comma-separated timbre sources: synthesisers and drum kits (default: every installed one; --list shows them).")]
        public string? Sources { get; init; }
        [CommandOption("--styles <LIST>"), Description("Comma-separated rhythm styles (default: all; --list shows them).")] public string? Styles { get; init; }
        [CommandOption("--kit-probability <P>"), Description("Chance that a drum kit source, not the synthesiser's own kit, plays a song's drums (default 0.5).")]
        public double KitProbability { get; init; } = 0.5;
        [CommandOption("--no-production"), Description("Skip the production chain (EQ, saturation, compression, reverb, noise, lossy codec).")] public bool NoProduction { get; init; }
        [CommandOption("--min-bpm <BPM>")] public double MinBpm { get; init; } = 50;
        [CommandOption("--max-bpm <BPM>")] public double MaxBpm { get; init; } = 220;
        [CommandOption("--jobs <N>"), Description("Tracks rendered at once (1 or 2).")] public int Jobs { get; init; } = 2;
        [CommandOption("--list"), Description("List the styles and the timbre sources (installed or not) and exit.")] public bool List { get; init; }

        public override ValidationResult Validate() => List ? ValidationResult.Success() : OptionChecks.First(
            OptionChecks.Required("--out", Out),
            OptionChecks.NotAFile("--out", Out),
            OptionChecks.IntRange("--count", Count, 1, 100_000),
            OptionChecks.Range("--seconds", Seconds, 1, 600),
            OptionChecks.Range("--kit-probability", KitProbability, 0, 1),
            OptionChecks.Range("--min-bpm", MinBpm, 20, 299),
            OptionChecks.Range("--max-bpm", MaxBpm, 20, 299),
            OptionChecks.Ordered("--min-bpm", MinBpm, "--max-bpm", MaxBpm),
            OptionChecks.IntRange("--jobs", Jobs, 1, 2));
    }

    private static string[] SplitList(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override int Execute(CommandContext context, Settings s, CancellationToken ct)
    {
        if (s.List)
        {
            foreach (var st in RhythmStyles.All) Console.WriteLine($"style\t{st.Name}\t{st.Meter}\t{st.MinBpm}-{st.MaxBpm} BPM\t{st.FeltBeat}");
            var available = TimbreSources.Available().Select(x => x.Name).ToHashSet();
            foreach (var name in TimbreSources.Names()) Console.WriteLine($"source\t{name}\t{(available.Contains(name) ? "installed" : "not installed or unusable")}");
            return 0;
        }
        var styles = s.Styles is null ? RhythmStyles.All.ToList() : SplitList(s.Styles).Select(RhythmStyles.Get).ToList();
        var sources = s.Sources is null ? TimbreSources.Available() : SplitList(s.Sources).Select(TimbreSources.Get).ToList();
        var plans = MixRenderer.Plan(s.Count, s.Seed, styles, sources.Where(x => !x.IsDrumKit).ToList(), sources.Where(x => x.IsDrumKit).ToList(),
            s.KitProbability, !s.NoProduction, s.MinBpm, s.MaxBpm);
        Directory.CreateDirectory(s.Out);
        var rows = new RenderIndexRow[plans.Count];
        int done = 0;
        var started = DateTime.UtcNow;
        try
        {
            Parallel.For(0, plans.Count, new ParallelOptions { MaxDegreeOfParallelism = s.Jobs, CancellationToken = ct }, i =>
            {
                rows[i] = MixRenderer.RenderTo(plans[i], s.Seconds, s.Out, ct);
                int k = Interlocked.Increment(ref done);
                if (k % 10 == 0 || k == plans.Count) Console.WriteLine($"{k}/{plans.Count} tracks ({(DateTime.UtcNow - started).TotalSeconds:F0} s)");
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failure, as the error reporter knows it (the file and the tool named), not the parallel wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        try { Directory.Delete(Path.Combine(s.Out, ".scratch"), true); } catch (DirectoryNotFoundException) { }
        RenderIndex.Write(Path.Combine(s.Out, RenderIndex.FileName), rows);
        AnsiConsole.MarkupLineInterpolated($"[green]{plans.Count}[/] tracks (WAV + .beats) and index.tsv in {s.Out}: {styles.Count} styles, sources {string.Join(", ", sources.Select(x => x.Name))}");
        return 0;
    }
}
