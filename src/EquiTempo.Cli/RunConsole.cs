namespace EquiTempo.Cli;

/// <summary>How much a command says on stderr besides its errors.</summary>
public enum Verbosity { Quiet, Normal, Verbose }

/// <summary>
/// The two streams of a batch command: results on stdout, everything else on stderr (errors always; notes unless
/// quiet; details when verbose; a one-line progress display only when stderr is a terminal). Every write clears
/// the progress line first and redraws it after, so the progress never ends up inside a result or an error.
/// Writes from several threads are serialised.
/// </summary>
public sealed class RunConsole(Verbosity verbosity, TextWriter stdout, TextWriter stderr, bool stderrIsTerminal)
{
    private bool _stderrIsTerminal = stderrIsTerminal;
    private string? _progress;
    private readonly Lock _gate = new();

    public static RunConsole ForProcess(Verbosity verbosity) =>
        new(verbosity, Console.Out, Console.Error, !Console.IsErrorRedirected);

    public bool Verbose => verbosity == Verbosity.Verbose;

    /// <summary>One result, flushed at once so that a run stopped later keeps it.</summary>
    public void Result(string text) => Around(() => { stdout.WriteLine(text); stdout.Flush(); });

    public void Error(string message) => Around(() => ErrorReporting.WriteError(stderr, message));

    public void Note(string message)
    {
        if (verbosity != Verbosity.Quiet) Around(() => stderr.WriteLine(message));
    }

    public void Detail(string message)
    {
        if (Verbose) Around(() => stderr.WriteLine(message));
    }

    /// <summary>Replaces the progress line (terminal only, never when quiet); null removes it.</summary>
    public void Progress(string? line)
    {
        if (!_stderrIsTerminal || verbosity == Verbosity.Quiet) return;
        lock (_gate)
        {
            Clear();
            _progress = line;
            Draw();
        }
    }

    private void Around(Action write)
    {
        lock (_gate)
        {
            Clear();
            write();
            Draw();
        }
    }

    private void Clear() => Decorate("\r\u001b[K");

    private void Draw() => Decorate(_progress);

    /// <summary>The progress line is decoration: a terminal that went away (closed window, ended session) stops it
    /// rather than the run.</summary>
    private void Decorate(string? text)
    {
        if (_progress is null || text is null) return;
        try
        {
            stderr.Write(text);
            stderr.Flush();
        }
        catch (IOException)
        {
            _progress = null;
            _stderrIsTerminal = false;
        }
    }
}
