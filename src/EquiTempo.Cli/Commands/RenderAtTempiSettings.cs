using Spectre.Console;
using Spectre.Console.Cli;

namespace EquiTempo.Cli.Commands;

/// <summary>Options shared by the commands that render labelled audio at tempi drawn log-uniformly from a range.</summary>
public abstract class RenderAtTempiSettings : CommandSettings
{
    [CommandOption("-o|--out <DIR>")] public string Out { get; init; } = "";
    [CommandOption("--seconds <S>")] public double Seconds { get; init; } = 30;
    [CommandOption("--min-bpm <BPM>")] public double MinBpm { get; init; } = 60;
    [CommandOption("--max-bpm <BPM>")] public double MaxBpm { get; init; } = 200;
    [CommandOption("--seed <N>")] public int Seed { get; init; } = 1;
    /// <summary>How many items to render (each command has its own --count default).</summary>
    public abstract int Items { get; }

    public override ValidationResult Validate() => OptionChecks.First(
        OptionChecks.Required("--out", Out),
        OptionChecks.NotAFile("--out", Out),
        OptionChecks.IntRange("--count", Items, 1, MaxItems),
        OptionChecks.Range("--seconds", Seconds, MinSeconds, MaxSeconds),
        OptionChecks.Range("--min-bpm", MinBpm, LowestBpm, HighestBpm),
        OptionChecks.Range("--max-bpm", MaxBpm, LowestBpm, HighestBpm),
        OptionChecks.Ordered("--min-bpm", MinBpm, "--max-bpm", MaxBpm));

    /// <summary>The tempo head's classes end at 299 BPM; below 20 BPM a beat is over 3 s apart, no pulse.</summary>
    private const double LowestBpm = 20, HighestBpm = 299;
    /// <summary>A second holds a beat at 60 BPM; ten minutes keep a file's samples (float, in memory) near 100 MB.</summary>
    private const double MinSeconds = 1, MaxSeconds = 600;
    private const int MaxItems = 100_000;

    /// <summary>The tempi, log-uniform over [MinBpm, MaxBpm] (equal share for every octave), from the seed.</summary>
    public double[] DrawTempi()
    {
        var rng = new Random(Seed);
        return Enumerable.Range(0, Items).Select(_ => MinBpm * Math.Pow(MaxBpm / MinBpm, rng.NextDouble())).ToArray();
    }
}
