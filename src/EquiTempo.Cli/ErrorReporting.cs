using Spectre.Console.Cli;

namespace EquiTempo.Cli;

/// <summary>
/// The one place that decides which failures are expected and what exit code each gets: 0 success,
/// 1 an input or setting failed (<see cref="EquiTempoException"/>: its message, naming the file or setting, goes to
/// stderr), 2 a usage error (unknown option, missing argument, invalid value). Anything else is a bug: it is not
/// caught here, so the process crashes with its stack trace.
/// </summary>
public static class ErrorReporting
{
    public const int InputFailed = 1, UsageError = 2;

    public static int Run(Func<int> run, TextWriter stderr)
    {
        try
        {
            return run();
        }
        catch (EquiTempoException e)
        {
            WriteError(stderr, e.Message);
            return InputFailed;
        }
        catch (Exception e) when (e is CommandParseException or CommandRuntimeException or UsageException)
        {
            WriteError(stderr, e.Message);
            return UsageError;
        }
    }

    /// <summary>One plain "error: ..." line (no markup, no wrapping), for scripts and logs.</summary>
    public static void WriteError(TextWriter stderr, string message) => stderr.WriteLine($"error: {message}");
}
