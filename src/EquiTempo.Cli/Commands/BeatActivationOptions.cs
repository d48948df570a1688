using EquiTempo.Beats;
using EquiTempo.Inference;
using EquiTempo.Model;

namespace EquiTempo.Cli.Commands;

/// <summary>The <c>--activation</c> and <c>--beat-model</c> options of beats, estimate (with --beats) and eval: what the
/// beat tracker follows, the beat head of a model (<see cref="ModelBeatActivation"/>; the shipped beats model unless
/// --beat-model names another), or the DSP onset strength. The learnt head is the default because it tracks better on
/// every development set with beat times (README, "Beats"). The model method computes the head's activation in its own
/// pass (one decoding, one log-mel); beside the dsp method the head reads the file again, so there standard input,
/// which cannot be read twice, falls back to the onset envelope the estimate carries, and the output's activation
/// field says which was used.</summary>
internal static class BeatActivationOptions
{
    public const string Onset = "onset", Model = "model";
    public const string ActivationDescription = "What the beats are tracked on: model (default; the learnt beat head of --beat-model, 100 frames/s; on standard input beside --method dsp: onset) or onset (the DSP onset-strength envelope).";
    public const string BeatModelDescription = "Model with a beat head (a file, or a shipped model's name; default: beats) whose frame-wise beat activation the beats are tracked on (implies --activation model).";

    /// <summary>Why the options cannot be used together, or null.</summary>
    public static string? Problem(string? activation, string? beatModel)
    {
        if (activation is not null && !activation.Equals(Onset, StringComparison.OrdinalIgnoreCase) && !activation.Equals(Model, StringComparison.OrdinalIgnoreCase))
            return $"--activation {activation}: must be {Onset} or {Model}";
        if (beatModel is not null && Onset.Equals(activation, StringComparison.OrdinalIgnoreCase)) return "--beat-model: the onset activation uses no model";
        if (beatModel is not null && !File.Exists(beatModel) && !TempoMethods.NamesShippedModel(beatModel))
            return Directory.Exists(beatModel) ? $"--beat-model {beatModel}: is a folder, not a model file" : $"--beat-model {beatModel}: no such file";
        return null;
    }

    /// <summary>Whether the options ask for the onset envelope: --activation onset, or standard input with no activation
    /// chosen (<paramref name="standardInput"/>).</summary>
    public static bool UsesOnsets(string? activation, string? beatModel, bool standardInput = false) =>
        Onset.Equals(activation, StringComparison.OrdinalIgnoreCase) || (standardInput && activation is null && beatModel is null);

    /// <summary>The activation source the options ask for (the caller disposes it), or null for the tracker's default
    /// (the onset envelope).</summary>
    public static IBeatActivationSource? Create(string? activation, string? beatModel, bool standardInput = false) =>
        UsesOnsets(activation, beatModel, standardInput) ? null : ModelBeatActivation.Load(beatModel ?? ShippedModels.Beats);
}
