using System.Threading.Channels;

namespace EquiTempo.Training;

/// <summary>
/// A loader on a worker thread feeding the training loop through a bounded queue, so reading and
/// stretching overlap the network step. A loader error surfaces in the loop; a cancelled or failed
/// loop stops the loader and drops what it had queued.
/// </summary>
internal static class BackgroundBatches
{
    public static void Run<T>(int capacity, Action<Action<T>, CancellationToken> produce, Action<T> consume, CancellationToken ct)
    {
        using var loaderCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<T>(Math.Max(1, capacity));
        var token = loaderCts.Token;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                produce(item => channel.Writer.WriteAsync(item, token).AsTask().GetAwaiter().GetResult(), token);
                channel.Writer.Complete();
                done.SetResult();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e is OperationCanceledException ? null : e);
                if (e is OperationCanceledException) done.SetResult(); else done.SetException(e);
            }
        }) { IsBackground = true, Name = "EquiTempo batch loader" };
        // A thread of its own rather than the pool's: it runs for a whole epoch, and its LibTorch calls keep
        // their per-thread settings (see SelfSupervisedTrainer).
        thread.Start();
        var producer = done.Task;
        try
        {
            while (channel.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var item)) consume(item);
            producer.GetAwaiter().GetResult();
        }
        finally
        {
            loaderCts.Cancel();
            try { producer.Wait(); } catch { /* cancellation or a loader error already surfaced */ }
            while (channel.Reader.TryRead(out var left)) (left as IDisposable)?.Dispose();
        }
    }
}
