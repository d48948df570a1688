using EquiTempo.Beats;
using EquiTempo.Inference;

namespace EquiTempo.Cli.Commands;

/// <summary>The <c>--activation</c> and <c>--beat-model</c> options of beats, estimate (with --beats) and eval: what the
/// beat tracker follows, the DSP onset strength (the default) or the beat head of a model (<see cref="ModelBeatActivation"/>).</summary>
internal static class BeatActivationOptions
{
    public const string Onset = "onset", Model = "model";
    public const string ActivationDescription = "What the beats are tracked on: onset (default; the DSP onset-strength envelope) or model (the beat head of --beat-model, 100 frames/s).";
    public const string BeatModelDescription = "Model with a beat head (a file, or a shipped model's name) whose frame-wise beat activation the beats are tracked on (implies --activation model).";

    /// <summary>Why the options cannot be used together, or null.</summary>
    public static string? Problem(string? activation, string? beatModel)
    {
        if (activation is not null && !activation.Equals(Onset, StringComparison.OrdinalIgnoreCase) && !activation.Equals(Model, StringComparison.OrdinalIgnoreCase))
            return $"--activation {activation}: must be {Onset} or {Model}";
        bool model = beatModel is not null || Model.Equals(activation, StringComparison.OrdinalIgnoreCase);
        if (model && beatModel is null) return $"--activation {Model}: give the model whose beat head to use, --beat-model FILE";
        if (model && Onset.Equals(activation, StringComparison.OrdinalIgnoreCase)) return "--beat-model: the onset activation uses no model";
        if (beatModel is not null && !File.Exists(beatModel) && !TempoMethods.NamesShippedModel(beatModel))
            return Directory.Exists(beatModel) ? $"--beat-model {beatModel}: is a folder, not a model file" : $"--beat-model {beatModel}: no such file";
        return null;
    }

    /// <summary>The activation source the options ask for (the caller disposes it), or null for the tracker's default.</summary>
    public static IBeatActivationSource? Create(string? beatModel) => beatModel is null ? null : ModelBeatActivation.Load(beatModel);
}
