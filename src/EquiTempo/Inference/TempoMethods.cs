using EquiTempo.Baselines;
using EquiTempo.Model;

namespace EquiTempo.Inference;

/// <summary>
/// The tempo methods the CLI and the evaluation harness can run, by name. "model" is the trained
/// network (the shipped default model unless a model is given: a file, or the name of a shipped model,
/// <see cref="ShippedModels.Names"/>, when no file has that name); "dsp" is the signal-processing baseline
/// (<see cref="DspTempoEstimator"/>), which takes the silence threshold, tolerance, tempo range, evidence
/// settings and local-curve hop from
/// the <c>config</c> given to <see cref="Create"/> but takes no model file and no chunk hop.
/// </summary>
public static class TempoMethods
{
    public static IReadOnlyList<string> Names { get; } = new[] { "model", DspTempoEstimator.MethodName };

    /// <param name="beatHead">A beat head whose activation the model's estimates carry, computed in their own pass
    /// (<see cref="TempoEstimate.BeatHeadActivation"/>); the DSP baseline computes none. The caller's to dispose.</param>
    public static ITempoMethod Create(string method, string? modelPath = null, EstimatorConfig? config = null, ModelBeatActivation? beatHead = null) =>
        method.ToLowerInvariant() switch
        {
            "model" => NamesShippedModel(modelPath) ? TempoEstimator.LoadShipped(modelPath!, config, beatHead) : TempoEstimator.Load(modelPath, config, beatHead),
            DspTempoEstimator.MethodName => CreateDsp(modelPath, config),
            _ => throw EquiTempoException.InvalidSetting("method", $"unknown method '{method}' (known: {string.Join(", ", Names)})"),
        };

    /// <summary>True when <paramref name="model"/> is the name of a shipped model and no file has that name.</summary>
    public static bool NamesShippedModel(string? model) =>
        model is not null && !File.Exists(model) && ShippedModels.Names.Contains(model, StringComparer.OrdinalIgnoreCase);

    private static DspTempoEstimator CreateDsp(string? modelPath, EstimatorConfig? config)
    {
        if (modelPath is not null) throw EquiTempoException.InvalidSetting("model", $"method '{DspTempoEstimator.MethodName}' uses no model file (given: {modelPath})");
        if (config?.HopSeconds is not null) throw EquiTempoException.InvalidSetting("hop", $"method '{DspTempoEstimator.MethodName}' has no chunk hop: it reads every onset frame");
        config = config?.Validated();
        var defaults = new DspTempoConfig();
        return new DspTempoEstimator(config is null ? defaults : defaults with
        {
            SilenceDbfs = config.SilenceDbfs,
            Tolerance = config.Tolerance,
            LocalHopSeconds = config.LocalHopSeconds,
            Evidence = config.Evidence,
            Tempogram = defaults.Tempogram with
            {
                MinBpm = config.MinBpm ?? defaults.Tempogram.MinBpm,
                MaxBpm = Math.Min(defaults.Tempogram.MaxBpm, config.MaxBpm ?? double.PositiveInfinity),
            },
        });
    }
}
