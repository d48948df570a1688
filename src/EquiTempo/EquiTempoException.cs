namespace EquiTempo;

/// <summary>What kind of mistake an <see cref="EquiTempoException"/> reports. Every reason is a problem with
/// what the caller gave (a file, a setting, a model, a data set), never a bug in the library: a bug
/// surfaces as any other exception, so that it is never mistaken for one bad input.</summary>
public enum ErrorReason
{
    /// <summary>An audio input cannot be opened, read or decoded, or holds no samples.</summary>
    Audio,
    /// <summary>The input decodes but carries no tempo (silence, too short, no periodic onsets).</summary>
    NoTempo,
    /// <summary>A setting or argument is out of its valid range, or settings contradict each other.</summary>
    InvalidSetting,
    /// <summary>A model file is missing, corrupt, from another network version, or its parts disagree.</summary>
    InvalidModel,
    /// <summary>A data set, label index, annotation or corpus is missing, malformed or unusable.</summary>
    InvalidData,
    /// <summary>A training run folder cannot be started or resumed as asked.</summary>
    TrainingRun,
    /// <summary>An external program the operation needs (ffmpeg, fluidsynth) is missing or failed.</summary>
    ExternalTool,
}

/// <summary>
/// The root of every error the library reports for a caller's input. <see cref="Subject"/> names what the
/// problem is about (a file path, a setting's name) and starts the message, so that a batch over many files
/// says which one failed; <see cref="Problem"/> is the rest. Callers that catch this type catch exactly the
/// expected failures; anything else is a defect and should crash with its trace.
/// </summary>
public class EquiTempoException : Exception
{
    public ErrorReason Reason { get; }
    /// <summary>The file or setting the problem is about; null when it concerns no single thing.</summary>
    public string? Subject { get; }
    /// <summary>The problem, without the subject.</summary>
    public string Problem { get; }

    public EquiTempoException(ErrorReason reason, string? subject, string problem, Exception? inner = null)
        : base(subject is null ? problem : $"{subject}: {problem}", inner)
    {
        Reason = reason;
        Subject = subject;
        Problem = problem;
    }

    /// <summary>A setting outside its range: the message names the setting and says what is allowed.</summary>
    public static EquiTempoException InvalidSetting(string setting, string problem) =>
        new(ErrorReason.InvalidSetting, setting, problem);
}

/// <summary>Raised when a track has no usable tempo evidence (silence, or too little signal): the
/// estimator never invents a tempo.</summary>
public sealed class NoTempoException(string file, string problem) : EquiTempoException(ErrorReason.NoTempo, file, problem)
{
    public string FilePath => Subject!;
}
