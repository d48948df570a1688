using static TorchSharp.torch;

namespace EquiTempo.Training.LogTempo;

/// <summary>
/// One batch of the log-tempo objective: full tempograms (N, bands, bins) of view A (stretched by 2^(mA/K)), its augmented
/// copy A2 and view B (stretched by 2^(mB/K)), and each view's crop offset. B's crop shows A's crop moved by
/// Δ = (mB − mA) − (oB − oA) bins.
/// </summary>
public sealed class LogTempoBatch : IDisposable
{
    public Tensor A { get; }
    public Tensor A2 { get; }
    public Tensor B { get; }
    public long[] OffsetA { get; }
    public long[] OffsetB { get; }
    /// <summary>Δ per example, in bins.</summary>
    public long[] Shifts { get; }
    public int Count => OffsetA.Length;

    public LogTempoBatch(Tensor a, Tensor a2, Tensor b, long[] stretchA, long[] stretchB, long[] offsetA, long[] offsetB)
    {
        A = a; A2 = a2; B = b; OffsetA = offsetA; OffsetB = offsetB;
        Shifts = Enumerable.Range(0, offsetA.Length).Select(i => stretchB[i] - stretchA[i] - (offsetB[i] - offsetA[i])).ToArray();
    }

    /// <summary>The crop [offset, offset + width) of each row's tempogram: (N, bands, width).</summary>
    public static Tensor Crop(Tensor tempograms, long[] offsets, int width)
    {
        using var scope = NewDisposeScope();
        long n = tempograms.shape[0], bands = tempograms.shape[1];
        var idx = new long[n * width];
        for (long r = 0; r < n; r++) for (long k = 0; k < width; k++) idx[r * width + k] = offsets[r] + k;
        var index = tensor(idx, new[] { n, 1, (long)width }).expand(n, bands, width);
        return tempograms.gather(2, index).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        A.Dispose(); A2.Dispose(); B.Dispose();
    }
}
