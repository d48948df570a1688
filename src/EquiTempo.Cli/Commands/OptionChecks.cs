using System.Globalization;
using Spectre.Console;

namespace EquiTempo.Cli.Commands;

/// <summary>
/// Range checks for the options of a command's Settings.Validate: each returns null when the value is
/// absent or allowed, else a message that names the flag, what it allows and what it got (a usage error,
/// exit 2). The library checks the same settings again, by their own names, for callers without a CLI.
/// </summary>
internal static class OptionChecks
{
    /// <summary>The first problem found, or success.</summary>
    public static ValidationResult First(params string?[] problems) =>
        problems.FirstOrDefault(p => p is not null) is { } problem ? ValidationResult.Error(problem) : ValidationResult.Success();

    public static string? Required(string flag, string? value) => string.IsNullOrWhiteSpace(value) ? $"{flag} is required" : null;

    public static string? Required<T>(string flag, IReadOnlyCollection<T> values) => values.Count == 0 ? $"{flag} is required" : null;

    public static string? IntRange(string flag, int? value, int min, int max = int.MaxValue) =>
        value is int v && (v < min || v > max)
            ? max == int.MaxValue ? $"{flag} must be at least {min} (got {v})" : $"{flag} must be between {min} and {max} (got {v})"
            : null;

    /// <summary>A finite number in [min, max].</summary>
    public static string? Range(string flag, double? value, double min, double max) =>
        value is double v && !(v >= min && v <= max) ? $"{flag} must be a number from {N(min)} to {N(max)} (got {N(v)})" : null;

    /// <summary>A finite number &gt; 0.</summary>
    public static string? Positive(string flag, double? value) =>
        value is double v && !(v > 0 && double.IsFinite(v)) ? $"{flag} must be a number greater than 0 (got {N(v)})" : null;

    /// <summary>A share in [0, 1): some data must be left to train on.</summary>
    public static string? Fraction(string flag, double? value) =>
        value is double v && !(v >= 0 && v < 1) ? $"{flag} must be a fraction from 0 to below 1 (got {N(v)})" : null;

    public static string? OneOf(string flag, string? value, params string[] allowed) =>
        value is not null && !allowed.Contains(value) ? $"{flag} must be {string.Join(" or ", allowed)} (got '{value}')" : null;

    /// <summary>Lowest ≤ highest, when both are given.</summary>
    public static string? Ordered(string lowFlag, double? low, string highFlag, double? high) =>
        low is double a && high is double b && a > b ? $"{lowFlag} ({N(a)}) must not exceed {highFlag} ({N(b)})" : null;

    /// <summary>An output that must be a file: refused when a folder stands there.</summary>
    public static string? NotAFolder(string flag, string? path) =>
        path is not null && Directory.Exists(path) ? $"{flag} {path} is a folder; give a file name" : null;

    /// <summary>An output that must be a folder: refused when a file stands there.</summary>
    public static string? NotAFile(string flag, string? path) =>
        path is not null && File.Exists(path) ? $"{flag} {path} is a file; give a folder" : null;

    public static string? Exclusive(string flag, bool given, string otherFlag, bool otherGiven) =>
        given && otherGiven ? $"{flag} and {otherFlag} cannot be used together" : null;

    public static string? Needs(string flag, bool given, string neededFlag, bool neededGiven) =>
        given && !neededGiven ? $"{flag} needs {neededFlag}" : null;

    private static string N(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}

/// <summary>The bounds of the training excerpt options (train and finetune).</summary>
internal static class ExcerptLimits
{
    /// <summary>The network needs 16 frames at the default model input's hop.</summary>
    public static readonly int MinSamples = 16 * new EquiTempo.Features.ModelInput().HopLength;
    /// <summary>One minute at 44.1 kHz: every view of a batch is held in memory at this length.</summary>
    public const int MaxSamples = 60 * 44_100;
    /// <summary>The epoch's order lists every excerpt of every file, so this bounds its size.</summary>
    public const int MaxPerFile = 1000;
    /// <summary>Stretches two octaves either way at most: further, a fine-tuning label moves out of the head's 1–299 BPM
    /// classes for most music, and a self-supervised view is mostly silence or a few beats.</summary>
    public const double MinStretch = 0.25, MaxStretch = 4;
}
