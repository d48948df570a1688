namespace EquiTempo.Inference;

/// <summary>
/// The tempo methods the CLI and the evaluation harness can run, by name. "model" is the trained
/// network (the shipped model unless a model file is given); baselines register here too.
/// </summary>
public static class TempoMethods
{
    public static IReadOnlyList<string> Names { get; } = new[] { "model" };

    public static ITempoMethod Create(string method, string? modelPath = null, EstimatorConfig? config = null) =>
        method.ToLowerInvariant() switch
        {
            "model" => TempoEstimator.Load(modelPath, config),
            _ => throw new ArgumentException($"unknown method '{method}' (known: {string.Join(", ", Names)})"),
        };
}
