using System.Globalization;
using EquiTempo.Evaluation;
using EquiTempo.Model;

namespace EquiTempo.Training;

/// <summary>How to calibrate: on rendered rhythms (no labels) or, when <see cref="Labels"/> is given, on those labelled tracks.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Rendered rhythm examples for the label-free route.</summary>
    public int Examples { get; init; } = 96;
    /// <summary>Labelled tracks for the few-label route; null = rendered rhythms.</summary>
    public IReadOnlyList<LabelledTrack>? Labels { get; init; }
    public int Seed { get; init; } = 42;
}

/// <summary>Outcome of <see cref="ScaleCalibrator.Calibrate"/>: the fit, where the model went, and a warning when the fit is poor.</summary>
public sealed record CalibrationResult(ScaleFit Fit, string OutputPath, bool HalfPrecision, string? Warning);

/// <summary>
/// Fits the scale readout of a model and saves the calibrated model: the readout and the calibration
/// record in the training metadata are replaced, the storage precision of the input file is kept.
/// </summary>
public static class ScaleCalibrator
{
    /// <summary>Below this r(log z, log BPM) one global scale cannot work well.</summary>
    public const double PoorLogCorrelation = 0.3;

    /// <summary>Calibrates <paramref name="modelPath"/> and writes the result to <paramref name="outputPath"/>; the input is
    /// only overwritten when the caller passes the same path. Tracks that cannot be decoded go to <paramref name="warn"/>.</summary>
    public static CalibrationResult Calibrate(string modelPath, string outputPath, CalibrationOptions? options = null, Action<string>? warn = null)
    {
        options ??= new CalibrationOptions();
        if (options.Labels is null && options.Examples < 2) throw EquiTempoException.InvalidSetting(nameof(options.Examples), $"must be at least 2 (got {options.Examples})");
        if (options.Labels is { Count: 0 }) throw new EquiTempoException(ErrorReason.InvalidData, null, "no labelled track to calibrate on");
        using var model = TempoModel.Load(modelPath);
        using var fe = model.CreateFrontEnd();
        var fit = options.Labels is null
            ? ScaleCalibration.FitOnRenderedRhythms(model.Network, fe, options.Examples, seed: options.Seed)
            : ScaleCalibration.FitOnLabelledTracks(model.Network, fe, options.Labels, warn);
        // A z that falls as tempo rises has no scale: saving the fit would make a model that reads tempo backwards.
        // NaN (one example, or all z equal) cannot be judged and is let through with the warning below.
        if (fit.LogCorrelation <= 0)
            throw new EquiTempoException(ErrorReason.InvalidModel, modelPath,
                $"r(log z, log BPM) is {fit.LogCorrelation:F3} over {fit.Examples} examples: z does not rise with tempo, so no scale can read it; nothing was written");
        model.Metadata.SetReadout(new ScaleReadout(fit.Scale, fit.Source));
        model.Metadata.Training["calibration_examples"] = fit.Examples.ToString(CultureInfo.InvariantCulture);
        model.Metadata.Training["calibration_log_correlation"] = fit.LogCorrelation.ToString("F3", CultureInfo.InvariantCulture);
        model.Metadata.Training["calibration_acc1_on_renders"] = fit.Acc1.ToString("F3", CultureInfo.InvariantCulture);
        model.Save(outputPath, model.HalfPrecision);
        string? warning = double.IsNaN(fit.LogCorrelation)
            ? $"r(log z, log BPM) cannot be measured on {fit.Examples} example(s): nothing shows that one scale reads this model well"
            : fit.LogCorrelation < PoorLogCorrelation
            ? $"r(log z, log BPM) is {fit.LogCorrelation:F3} (< {PoorLogCorrelation}): the output barely follows tempo, so one scale cannot read it well"
            : null;
        return new CalibrationResult(fit, outputPath, model.HalfPrecision, warning);
    }
}
