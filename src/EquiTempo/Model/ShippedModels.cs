using System.Reflection;

namespace EquiTempo.Model;

/// <summary>
/// The models that ship inside the EquiTempo assembly (embedded resources built from models/*.eqtm, see
/// models/MODEL_CARD.md), by name: they need no file beside the binaries, so they work from the NuGet
/// package in any consumer. <c>TempoEstimator.Load()</c> uses <see cref="Default"/>;
/// <c>TempoEstimator.LoadShipped(name)</c> any of <see cref="Names"/>, whatever its family.
/// </summary>
public static class ShippedModels
{
    /// <summary>The log-tempo network fine-tuned on the program's realistic renders, then on the Groove MIDI drum set
    /// (human-set labels) with the renders (models/equitempo-default.eqtm).</summary>
    public const string Default = "default";
    /// <summary>The log-tempo network fine-tuned only on the program's own realistic renders: no human tempo label
    /// anywhere (models/equitempo-labelfree.eqtm).</summary>
    public const string LabelFree = "labelfree";
    /// <summary>The paper's network with its 300-class head fine-tuned on renders, then on the Groove MIDI drum set: the
    /// default until 2026-12-02 (models/equitempo-tcn-default.eqtm). Kept because it is the paper's route and the
    /// family whose frame features a beat head reads.</summary>
    public const string TcnDefault = "tcn-default";
    /// <summary>The paper's network with its class head fine-tuned on renders only (models/equitempo-tcn-labelfree.eqtm).</summary>
    public const string TcnLabelFree = "tcn-labelfree";

    /// <summary>The paper's network with a learnt beat head (<see cref="TempoTcn.HasBeatHead"/>), fine-tuned multi-task from
    /// <see cref="TcnDefault"/> on the realistic renders and GMD train, whose beat times come from the renderer and the
    /// MIDI (models/equitempo-beats.eqtm): what beats are tracked on by default in the command line.</summary>
    public const string Beats = "beats";

    public static IReadOnlyList<string> Names { get; } = new[] { Default, LabelFree, TcnDefault, TcnLabelFree, Beats };

    private static readonly Assembly Assembly = typeof(ShippedModels).Assembly;

    /// <summary>The manifest resource that holds a shipped model (also the name its load errors carry).</summary>
    public static string ResourceName(string name) => $"EquiTempo.Models.equitempo-{Check(name)}.eqtm";

    /// <summary>A read-only stream of the model file; the caller disposes it.</summary>
    public static Stream Open(string name)
    {
        var resource = ResourceName(name);
        return Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{resource}: shipped model missing from {Assembly.GetName().Name}.dll (built without models/*.eqtm?)");
    }

    /// <summary>A shipped model of the paper's family (<see cref="TcnDefault"/>, <see cref="TcnLabelFree"/>); a log-tempo
    /// one is refused with the error <see cref="TempoModel.Load(Stream, string)"/> gives.</summary>
    public static TempoModel Load(string name)
    {
        using var s = Open(name);
        return TempoModel.Load(s, ResourceName(name));
    }

    /// <summary>A shipped model of the log-tempo family (<see cref="Default"/>, <see cref="LabelFree"/>).</summary>
    public static LogTempoModel LoadLogTempo(string name)
    {
        using var s = Open(name);
        return LogTempoModel.Load(s, ResourceName(name));
    }

    /// <summary>Whether the shipped model is of the log-tempo family (reads the header only).</summary>
    public static bool IsLogTempo(string name) => ReadMetadata(name).IsLogTempo;

    /// <summary>The model's JSON header (no LibTorch work).</summary>
    public static ModelMetadata ReadMetadata(string name)
    {
        using var s = Open(name);
        return TempoModel.ReadMetadata(s, ResourceName(name));
    }

    private static string Check(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var known = Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        return known ?? throw new ArgumentException($"no shipped model '{name}' (shipped: {string.Join(", ", Names)})", nameof(name));
    }
}
