using EquiTempo.Inference;
using EquiTempo.Model;

namespace EquiTempo.Cli.Commands;

/// <summary>The <c>--fuse</c> and <c>--fuse-weight</c> options of estimate and eval: a log-tempo model's distribution
/// fused with the DSP pulse-train evidence (<see cref="DspFusionConfig"/>) of the onset envelope (<c>dsp</c>) or of the
/// beat head's activation of <c>--beat-model</c> (<c>beats</c>).</summary>
internal static class FuseOptions
{
    public const string Dsp = "dsp", Beats = "beats";
    public const string FuseDescription = "Fuse a log-tempo model's tempo distribution with this evidence before its metrical prior: dsp (the DSP baseline's onset autocorrelation, from the same onset envelope) or beats (the same autocorrelation reading of the beat head's activation of --beat-model, 100 frames/s; needs --beat-model). Only for a log-tempo model.";
    public const string WeightDescription = "Exponent of the fused evidence (with --fuse; default 4, 0 = the model alone, at most 10).";

    /// <summary>The fusion settings the options ask for, or null without --fuse.</summary>
    public static DspFusionConfig? Config(string? fuse, double? weight)
    {
        if (fuse is null) return null;
        var config = new DspFusionConfig { Evidence = AsksForBeats(fuse) ? FusionEvidence.BeatActivation : FusionEvidence.Onsets };
        return weight is double w ? config with { Weight = w } : config;
    }

    /// <summary>Whether --fuse asks for the beat head's activation, which needs the head of --beat-model.</summary>
    public static bool AsksForBeats(string? fuse) => Beats.Equals(fuse, StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the options cannot be used with this method and model, or null.</summary>
    public static string? Problem(string? fuse, double? weight, bool isDsp, string? model, string? beatModel)
    {
        if (fuse is null) return weight is null ? null : $"--fuse-weight: needs --fuse {Dsp} or --fuse {Beats}";
        if (!fuse.Equals(Dsp, StringComparison.OrdinalIgnoreCase) && !AsksForBeats(fuse)) return $"--fuse {fuse}: must be {Dsp} or {Beats}";
        if (isDsp) return "--fuse: the dsp method has no model distribution to fuse; use --method model with a log-tempo model";
        if (AsksForBeats(fuse) && beatModel is null)
            return $"--fuse {Beats}: needs --beat-model (the model whose beat head's activation is the evidence, e.g. --beat-model {ShippedModels.Beats})";
        if (OptionChecks.Range("--fuse-weight", weight, 0, 10) is { } bad) return bad;
        if (model is null || TempoMethods.NamesShippedModel(model))
            return ShippedModels.IsLogTempo(model ?? ShippedModels.Default) ? null
                : $"--fuse: needs a log-tempo model; the shipped model '{model}' is the paper's network, which has no distribution over tempo bins";
        if (File.Exists(model) && !IsLogTempo(model))
            return $"--fuse: {model} is the paper's network (family tcn), which has no distribution over tempo bins; it needs a log-tempo model";
        return null;
    }

    private static bool IsLogTempo(string model)
    {
        try { return LogTempoModel.IsLogTempoFile(model); }
        catch (EquiTempoException) { return true; }   // an unreadable file is reported by the estimator, with its reason
    }
}
