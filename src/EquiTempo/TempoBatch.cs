using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace EquiTempo;

/// <summary>One input of a batch once it is done: its estimate, or the expected failure that stopped it.</summary>
/// <param name="Index">Position of the input in the list given to <see cref="TempoBatch"/>.</param>
/// <param name="Elapsed">Wall time spent on this input alone.</param>
public sealed record BatchOutcome(int Index, string Path, TempoEstimate? Estimate, EquiTempoException? Error, TimeSpan Elapsed)
{
    public bool Failed => Error is not null;
}

/// <summary>One input of a batch: a file by its path, or a stream that only <paramref name="Open"/> can produce (standard
/// input, a socket), shown as <paramref name="Name"/>. A stream is read once, front to back.</summary>
public sealed record BatchInput(string Name, Func<Stream>? Open = null)
{
    public static implicit operator BatchInput(string path) => new(path);

    internal TempoEstimate EstimateWith(ITempoMethod method, bool localCurve, CancellationToken ct)
    {
        if (Open is null) return method.Estimate(Name, localCurve, ct);
        using var stream = Open();
        return method.Estimate(stream, Name, localCurve, ct);
    }
}

/// <summary>
/// Estimates a list of inputs a few at a time and reports each one as soon as it and every input before it are done,
/// so that a caller writing results as they come writes them in input order and loses nothing finished when it is
/// stopped. Inputs are handed out in order, one at a time, so only those that finish ahead of an earlier, slower
/// one are held back.
/// </summary>
public static class TempoBatch
{
    /// <summary>
    /// Runs <paramref name="method"/> on every path with at most <paramref name="parallelism"/> at once and calls
    /// <paramref name="onOutcome"/> once per input, in input order and never concurrently. An
    /// <see cref="EquiTempoException"/> is that input's outcome and the others go on; any other exception (a bug, or
    /// one thrown by <paramref name="onOutcome"/>) and cancellation stop the batch and are rethrown once the running
    /// inputs have stopped.
    /// </summary>
    public static void Run(ITempoMethod method, IReadOnlyList<string> paths, bool localCurve, Action<BatchOutcome> onOutcome,
        int parallelism = 2, CancellationToken ct = default) =>
        Run(method, paths.Select(p => new BatchInput(p)).ToList(), localCurve, onOutcome, parallelism, ct);

    /// <inheritdoc cref="Run(ITempoMethod, IReadOnlyList{string}, bool, Action{BatchOutcome}, int, CancellationToken)"/>
    public static void Run(ITempoMethod method, IReadOnlyList<BatchInput> paths, bool localCurve, Action<BatchOutcome> onOutcome,
        int parallelism = 2, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(onOutcome);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        int next = -1, emitted = 0;
        var finishedAhead = new Dictionary<int, BatchOutcome>();
        var gate = new object();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ExceptionDispatchInfo? firstFailure = null;

        void Work()
        {
            try
            {
                for (int i = Interlocked.Increment(ref next); i < paths.Count; i = Interlocked.Increment(ref next))
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var clock = Stopwatch.StartNew();
                    BatchOutcome outcome;
                    try
                    {
                        outcome = new BatchOutcome(i, paths[i].Name, paths[i].EstimateWith(method, localCurve, stop.Token), null, clock.Elapsed);
                    }
                    catch (EquiTempoException e)
                    {
                        outcome = new BatchOutcome(i, paths[i].Name, null, e, clock.Elapsed);
                    }
                    lock (gate)
                    {
                        finishedAhead[i] = outcome;
                        while (finishedAhead.Remove(emitted, out var ready))
                        {
                            onOutcome(ready);
                            emitted++;
                        }
                    }
                }
            }
            catch (Exception e)
            {
                lock (gate) firstFailure ??= ExceptionDispatchInfo.Capture(e);
                stop.Cancel();
            }
        }

        var workers = Enumerable.Range(0, Math.Min(parallelism, Math.Max(paths.Count, 1)))
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        Task.WaitAll(workers);
        // A caller's cancellation is reported as such, not as whichever input noticed it first.
        ct.ThrowIfCancellationRequested();
        firstFailure?.Throw();
    }
}
