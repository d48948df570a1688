using TorchSharp;

namespace EquiTempo.Model.Kernels;

/// <summary>
/// How many threads the hand-written network kernels split a batch over: LibTorch's intra-op thread count
/// (so <c>OMP_NUM_THREADS</c> and <c>torch.set_num_threads</c> govern both), unless the calling thread has
/// chosen its own count with <see cref="Use"/>.
/// </summary>
/// <remarks>
/// Why a count of their own: training runs LibTorch on one thread and the kernels on all cores. The kernels
/// hand out work dynamically (<see cref="Parallel"/>), so a loader thread running beside them costs only
/// its own share, while LibTorch's OpenMP teams split work statically, spin after each op, and wait for
/// their slowest thread whenever another thread holds a core.
/// </remarks>
public static class KernelThreads
{
    [ThreadStatic] private static int t_threads;

    /// <summary>Workers for <paramref name="work"/> independent items on the calling thread.</summary>
    public static int For(int work) => Math.Max(1, Math.Min(work, t_threads > 0 ? t_threads : torch.get_num_threads()));

    /// <summary>Kernels called from this thread use <paramref name="threads"/> workers until the result is disposed.</summary>
    public static IDisposable Use(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        int before = t_threads;
        t_threads = threads;
        return new Restore(before);
    }

    private sealed class Restore(int before) : IDisposable
    {
        public void Dispose() => t_threads = before;
    }

    /// <summary>Σ over views of each view's <paramref name="count"/> partial sums (view v at v·count), added in view
    /// order. Why a kernel keeps its views apart: a worker's running sum over the views the pool happened to hand it
    /// rounds differently from run to run, and a resumed training run would then not be the uninterrupted one.</summary>
    public static double[] SumInViewOrder(double[] perView, int views, int count)
    {
        var sum = new double[count];
        for (int v = 0; v < views; v++)
            for (int i = 0; i < count; i++) sum[i] += perView[(long)v * count + i];
        return sum;
    }
}
