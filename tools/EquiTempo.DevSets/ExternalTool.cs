using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EquiTempo.DevSets.Tool;

/// <summary>How a run of an external program ended: its exit code (null when it was stopped at the time limit) and the end of what it wrote on stderr.</summary>
internal sealed record ToolRun(string Tool, int? ExitCode, string StderrTail)
{
    public bool TimedOut => ExitCode is null;

    public override string ToString() =>
        (TimedOut ? $"{Tool} stopped at the time limit" : $"{Tool} exit {ExitCode!.Value.ToString(CultureInfo.InvariantCulture)}") +
        (StderrTail.Length > 0 ? $": {StderrTail}" : "");
}

/// <summary>Runs the renderers (fluidsynth, lmms, h2cli) with both output streams drained and a time limit.</summary>
internal static partial class ExternalTool
{
    /// <summary>
    /// Runs <paramref name="tool"/> and waits for it; one still running after <paramref name="timeout"/>
    /// is killed with its children. A program that cannot be started is a <see cref="FileNotFoundException"/>
    /// naming <paramref name="debianPackage"/>.
    /// </summary>
    public static ToolRun Run(string tool, IEnumerable<string> arguments, TimeSpan timeout, string debianPackage,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FileNotFoundException($"{tool} cannot be run ({e.Message}); Debian: apt-get install {debianPackage}", e);
        }
        using var _ = process;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        stdout.Wait();
        return new ToolRun(tool, exited ? process.ExitCode : null, Tail(stderr.Result));
    }

    /// <summary>The last 300 characters of <paramref name="text"/> on one line, without terminal colour codes.</summary>
    private static string Tail(string text)
    {
        string line = Whitespace().Replace(ColourCode().Replace(text, ""), " ").Trim();
        return line.Length <= 300 ? line : "…" + line[^300..];
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex ColourCode();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
