using System.Reflection;

namespace EquiTempo.Model;

/// <summary>
/// The models that ship inside the EquiTempo assembly (embedded resources built from models/*.eqtm, see
/// models/MODEL_CARD.md), by name: they need no file beside the binaries, so they work from the NuGet
/// package in any consumer. <c>TempoEstimator.Load()</c> uses <see cref="Default"/>;
/// <c>TempoEstimator.LoadShipped(ShippedModels.LabelFree)</c> the other.
/// </summary>
public static class ShippedModels
{
    /// <summary>Head fine-tuned on the program's renders, then on human-labelled audio (models/equitempo-default.eqtm).</summary>
    public const string Default = "default";
    /// <summary>Head fine-tuned only on the program's own renders: no human tempo label anywhere (models/equitempo-labelfree.eqtm).</summary>
    public const string LabelFree = "labelfree";

    public static IReadOnlyList<string> Names { get; } = new[] { Default, LabelFree };

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

    public static TempoModel Load(string name)
    {
        using var s = Open(name);
        return TempoModel.Load(s, ResourceName(name));
    }

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
