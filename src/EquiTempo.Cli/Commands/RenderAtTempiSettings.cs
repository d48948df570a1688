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

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required")
        : MinBpm <= 0 || MaxBpm < MinBpm ? ValidationResult.Error("need 0 < --min-bpm <= --max-bpm") : ValidationResult.Success();

    /// <summary>The tempi, log-uniform over [MinBpm, MaxBpm] (equal share for every octave), from the seed.</summary>
    public double[] DrawTempi()
    {
        var rng = new Random(Seed);
        return Enumerable.Range(0, Items).Select(_ => MinBpm * Math.Pow(MaxBpm / MinBpm, rng.NextDouble())).ToArray();
    }
}
