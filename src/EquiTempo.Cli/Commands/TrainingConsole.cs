using EquiTempo.Training;
using Spectre.Console;

namespace EquiTempo.Cli.Commands;

/// <summary>Shows a training run's progress: a live bar on a terminal, plain lines otherwise (logs, CI).</summary>
internal static class TrainingConsole
{
    public static T Run<T>(string what, Func<IProgress<TrainingProgress>, Action<string>, T> run)
    {
        try { return Show(what, run); }
        catch (EquiTempoException e) when (e.Reason == ErrorReason.TrainingRun)
        {
            // The library talks about the run folder; the flags are the CLI's to name, on the same error line.
            throw new EquiTempoException(e.Reason, e.Subject,
                $"{e.Problem} (--resume continues the run in --out; without it, choose an --out that holds no run)", e);
        }
    }

    /// <summary>Where the model went, or that there is none: a run that completed no epoch wrote no model.</summary>
    public static string ModelLine(string modelPath) => File.Exists(modelPath) ? $"model: {modelPath}" : "no model written";

    private static T Show<T>(string what, Func<IProgress<TrainingProgress>, Action<string>, T> run)
    {
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            void Log(string m) => AnsiConsole.MarkupLineInterpolated($"[grey]{m}[/]");
            return AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(what, maxValue: 1.0);
                    var progress = new Progress<TrainingProgress>(p =>
                    {
                        task.Value = Math.Min(1.0, ((p.Epoch - 1) + (double)p.Step / Math.Max(1, p.StepsPerEpoch)) / p.Epochs);
                        task.Description = $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F4} {p.ViewsPerSecond:F1} views/s, {p.Remaining:hh\\:mm\\:ss} left"
                            + (p.ValidationLoss is double v ? $" val {v:F4}" : "");
                    });
                    return run(progress, Log);
                });
        }
        int lastPrinted = -1;
        var plain = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.EpochDone || p.Step == 1 || p.Step - lastPrinted >= 10)
            {
                lastPrinted = p.Step;
                Console.WriteLine($"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch} loss {p.Loss:F4} {p.ViewsPerSecond:F1} views/s elapsed {p.Elapsed:hh\\:mm\\:ss} left {p.Remaining:hh\\:mm\\:ss}"
                    + (p.ValidationLoss is double v ? $" validation {v:F4}" : ""));
            }
        });
        return run(plain, m => Console.WriteLine(m));
    }
}

/// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool and may reorder lines).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
