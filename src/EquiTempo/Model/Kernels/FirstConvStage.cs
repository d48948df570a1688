using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Model.Kernels;

/// <summary>
/// The TCN's first stage, conv(1 → C, 3×3, valid) → max-pool (3×1 over bands, floor mode) → ELU, as one
/// autograd function computed by hand in a single pass.
/// </summary>
/// <remarks>
/// Why by hand: LibTorch runs this single-input-channel conv at about 1 GFLOP/s on this CPU and then
/// writes, re-reads and (for backward) keeps the full C × 78 × frames activation, 6.9 MB per view: the
/// stage took two thirds of a training step (measured with bench <c>profile-step</c>: 26 of 38 ms per
/// view). Here each 3-band window of conv outputs is computed in registers from five input rows, only
/// the pooled, activated value is written, and backward keeps only the input and that output (which the
/// next layer holds anyway): it recomputes the three conv rows (cheap: 27 multiply-adds per output) to find
/// the arg-max, exactly as forward found it. No library offers this fusion on CPU; oneDNN's post-ops fuse ELU but not the
/// pool, and not the backward.
///
/// Same function as the unfused ops: ties in the pool go to the first band, as PyTorch's max-pool does;
/// ELU is applied after the max, which equals max-then-ELU because ELU is strictly increasing (see
/// <see cref="TempoTcn"/>); the sums run in a fixed order with fused multiply-adds, so results match
/// LibTorch's within float rounding (tests compare outputs and all three gradients).
/// </remarks>
internal static unsafe class FirstConvStage
{
    /// <summary>Whether the fused kernel serves this input and weight; otherwise callers use LibTorch's ops.</summary>
    public static bool Supports(Tensor input, Tensor weight, Tensor? bias) =>
        bias is not null && SimdDispatch.Best != SimdWidth.None
        && input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32
        && input.dim() == 4 && input.shape[1] == 1 && input.shape[2] >= 5 && input.shape[3] >= 3
        && weight.dim() == 4 && weight.shape[1] == 1 && weight.shape[2] == 3 && weight.shape[3] == 3
        // Spans over tensor memory are int-indexed.
        && input.numel() * 4 < int.MaxValue
        && input.shape[0] * weight.shape[0] * ((input.shape[2] - 2) / 3) * (input.shape[3] - 2) * 4 < int.MaxValue;

    /// <summary>(B, 1, bands, frames) → (B, C, (bands − 2) / 3, frames − 2).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor bias, SimdWidth width = SimdWidth.None)
    {
        if (width == SimdWidth.None) width = SimdDispatch.Best;
        if (SimdDispatch.NeedsGradient(input, weight, bias)) return Function.apply(input, weight, bias, width);
        using var x = input.contiguous();
        using var w = weight.contiguous();
        using var b = bias.contiguous();
        return ComputeForward(x, w, b, width);
    }

    /// <summary>The forward kernel on contiguous tensors.</summary>
    private static Tensor ComputeForward(Tensor x, Tensor w, Tensor b, SimdWidth width)
    {
        var s = new Shape(x, w);
        var y = empty(new long[] { s.Views, s.Channels, s.Rows, s.OutFrames }, ScalarType.Float32);
        switch (width)
        {
            case SimdWidth.W512: Forward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y)); break;
            case SimdWidth.W256: Forward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y)); break;
            default: Forward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y)); break;
        }
        return y;
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "EquiTempoFirstConvStage";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            var w = ((Tensor)vars[1]).contiguous();
            var b = ((Tensor)vars[2]).contiguous();
            var width = (SimdWidth)vars[3];
            ctx.save_data("width", width);
            var y = ComputeForward(x, w, b, width);
            // The output is kept anyway (the next layer reads it); backward takes ELU' = y + 1 below zero from it.
            ctx.save_for_backward(new List<Tensor> { x, w, b, y });
            return y;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            // Each call hands out new wrappers of the saved tensors; undisposed, they kept the tensors' memory
            // until the garbage collector got to them (a training run grew by about 40 MB a minute).
            var saved = ctx.get_saved_variables();
            try
            {
            Tensor x = saved[0], w = saved[1], b = saved[2], y = saved[3];
            var s = new Shape(x, w);
            using var g = gradOutput.contiguous();
            var dx = zeros_like(x);
            var dw = zeros_like(w);
            var db = zeros_like(b);
            switch ((SimdWidth)ctx.get_data("width"))
            {
                case SimdWidth.W512: Backward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y), Ptr(g), Ptr(dx), Ptr(dw), Ptr(db)); break;
                case SimdWidth.W256: Backward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y), Ptr(g), Ptr(dx), Ptr(dw), Ptr(db)); break;
                default: Backward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(w), Ptr(b), Ptr(y), Ptr(g), Ptr(dx), Ptr(dw), Ptr(db)); break;
            }
            return new List<Tensor> { dx, dw, db, null! };   // none for the width argument
            }
            finally { foreach (var t in saved) t.Dispose(); }
        }
    }

    private readonly struct Shape
    {
        public readonly int Views, Bands, Frames, Channels, Rows, OutFrames;
        public Shape(Tensor x, Tensor w)
        {
            Views = (int)x.shape[0]; Bands = (int)x.shape[2]; Frames = (int)x.shape[3];
            Channels = (int)w.shape[0]; Rows = (Bands - 2) / 3; OutFrames = Frames - 2;
        }
        public long InputView => (long)Bands * Frames;
        public long OutputView => (long)Channels * Rows * OutFrames;
        public long ChannelStride => (long)Rows * OutFrames;
    }

    private static float* Ptr(Tensor t) { fixed (byte* p = t.bytes) return (float*)p; }


    // ---- forward ----

    private static void Forward<S, V>(Shape s, float* x, float* w, float* b, float* y) where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
        int work = s.Views * s.Rows;
        Parallel.For(0, work, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(work) }, vr =>
        {
            int v = vr / s.Rows, r = vr % s.Rows;
            float* rows = (float*)xp + v * s.InputView + 3L * r * s.Frames;
            float* outRow = (float*)yp + v * s.OutputView + (long)r * s.OutFrames;
            ForwardRow<S, V>(s, rows, (float*)wp, (float*)bp, outRow);
        });
    }

    /// <summary>One pooled row of every channel: input rows 3r..3r+4 → y[c, r, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow<S, V>(Shape s, float* x0, float* w, float* b, float* y) where S : struct, ISimd<V> where V : unmanaged
    {
        int f = s.Frames, n = s.OutFrames, vl = S.Count;
        float* x1 = x0 + f, x2 = x1 + f, x3 = x2 + f, x4 = x3 + f;
        int t = 0;
        for (; t + vl <= n; t += vl)
        {
            var x00 = S.Load(x0 + t); var x01 = S.Load(x0 + t + 1); var x02 = S.Load(x0 + t + 2);
            var x10 = S.Load(x1 + t); var x11 = S.Load(x1 + t + 1); var x12 = S.Load(x1 + t + 2);
            var x20 = S.Load(x2 + t); var x21 = S.Load(x2 + t + 1); var x22 = S.Load(x2 + t + 2);
            var x30 = S.Load(x3 + t); var x31 = S.Load(x3 + t + 1); var x32 = S.Load(x3 + t + 2);
            var x40 = S.Load(x4 + t); var x41 = S.Load(x4 + t + 1); var x42 = S.Load(x4 + t + 2);
            for (int c = 0; c < s.Channels; c++)
            {
                float* wc = w + 9 * c;
                var bias = S.Create(b[c]);
                var a0 = Conv9<S, V>(bias, wc, x00, x01, x02, x10, x11, x12, x20, x21, x22);
                var a1 = Conv9<S, V>(bias, wc, x10, x11, x12, x20, x21, x22, x30, x31, x32);
                var a2 = Conv9<S, V>(bias, wc, x20, x21, x22, x30, x31, x32, x40, x41, x42);
                var m = S.Select(S.GreaterThan(a1, a0), a1, a0);
                m = S.Select(S.GreaterThan(a2, m), a2, m);
                S.Store(m, y + c * s.ChannelStride + t);
            }
        }
        for (; t < n; t++)
            for (int c = 0; c < s.Channels; c++)
            {
                var (m, _) = PooledScalar(x0 + t, f, w + 9 * c, b[c]);
                y[c * s.ChannelStride + t] = m;
            }
        // ELU in a pass of its own: inlined into the channel loop, its exp needed more registers than the
        // fifteen input vectors left free, and they were spilled and reloaded for every channel.
        for (int c = 0; c < s.Channels; c++)
        {
            float* yc = y + c * s.ChannelStride;
            int u = 0;
            for (; u + vl <= n; u += vl) S.Store(Elu<S, V>(S.Load(yc + u)), yc + u);
            for (; u < n; u++) yc[u] = yc[u] > 0 ? yc[u] : MathF.Exp(yc[u]) - 1f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Conv9<S, V>(V acc, float* w, V p0, V p1, V p2, V q0, V q1, V q2, V r0, V r1, V r2) where S : struct, ISimd<V> where V : unmanaged
    {
        acc = S.Fma(S.Create(w[0]), p0, acc);
        acc = S.Fma(S.Create(w[1]), p1, acc);
        acc = S.Fma(S.Create(w[2]), p2, acc);
        acc = S.Fma(S.Create(w[3]), q0, acc);
        acc = S.Fma(S.Create(w[4]), q1, acc);
        acc = S.Fma(S.Create(w[5]), q2, acc);
        acc = S.Fma(S.Create(w[6]), r0, acc);
        acc = S.Fma(S.Create(w[7]), r1, acc);
        acc = S.Fma(S.Create(w[8]), r2, acc);
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Elu<S, V>(V m) where S : struct, ISimd<V> where V : unmanaged =>
        S.Select(S.GreaterThan(m, S.Zero), m, S.Subtract(S.Exp(m), S.One));

    /// <summary>The scalar twin of the vector path (same order of operations) for the last frames of a row:
    /// the max over the three conv rows at x[.., t] and its first arg-max.</summary>
    private static (float Max, int Arg) PooledScalar(float* x, int stride, float* w, float bias)
    {
        float best = 0; int arg = 0;
        for (int k = 0; k < 3; k++)
        {
            float acc = bias;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    acc = MathF.FusedMultiplyAdd(w[3 * i + j], x[(k + i) * stride + j], acc);
            if (k == 0 || acc > best) { best = acc; arg = k; }
        }
        return (best, arg);
    }

    // ---- backward ----

    private static void Backward<S, V>(Shape s, float* x, float* w, float* b, float* y, float* g, float* dx, float* dw, float* db) where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y, gp = (nint)g, dxp = (nint)dx;
        int c9 = s.Channels * 9;
        // Each view's gradient kept apart, summed in view order afterwards (see KernelThreads.SumInViewOrder).
        int per = c9 + s.Channels;
        var perView = new double[s.Views * per];
        Parallel.For(0, s.Views, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(s.Views) },
            () => new BackwardScratch<V>(s),
            (v, _, scratch) =>
            {
                for (int r = 0; r < s.Rows; r++)
                    BackwardRow<S, V>(s, (float*)xp + v * s.InputView + 3L * r * s.Frames, (float*)wp, (float*)bp,
                        (float*)yp + v * s.OutputView + (long)r * s.OutFrames, (float*)gp + v * s.OutputView + (long)r * s.OutFrames, (float*)dxp + v * s.InputView + 3L * r * s.Frames, scratch);
                int o = v * per;
                for (int k = 0; k < c9; k++) perView[o + k] = S.Sum(scratch.Dw[k]) + scratch.DwTail[k];
                for (int c = 0; c < s.Channels; c++) perView[o + c9 + c] = S.Sum(scratch.Db[c]) + scratch.DbTail[c];
                scratch.Clear();
                return scratch;
            },
            _ => { });
        var sum = KernelThreads.SumInViewOrder(perView, s.Views, per);
        for (int k = 0; k < c9; k++) dw[k] = (float)sum[k];
        for (int c = 0; c < s.Channels; c++) db[c] = (float)sum[c9 + c];
    }

    private sealed class BackwardScratch<V> where V : unmanaged
    {
        public readonly V[] Dw, Db;
        public readonly float[] DwTail, DbTail;
        /// <summary>Per input row offset (0..4) and column shift (0..2), the gradient reaching x[3r + row, t + shift].</summary>
        public readonly float[] H;
        public BackwardScratch(Shape s)
        {
            Dw = new V[s.Channels * 9]; Db = new V[s.Channels];
            DwTail = new float[s.Channels * 9]; DbTail = new float[s.Channels];
            H = new float[15 * s.OutFrames];
        }
        /// <summary>Zeroes the gradient sums for the next view.</summary>
        public void Clear()
        {
            Array.Clear(Dw); Array.Clear(Db); Array.Clear(DwTail); Array.Clear(DbTail);
        }
    }

    /// <summary>Gradients of one pooled row r: accumulates dW and db into the scratch and adds the input
    /// gradient of rows 3r..3r+4 into dx (rows overlap between consecutive r, so one thread owns a view).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardRow<S, V>(Shape s, float* x0, float* w, float* b, float* y, float* g, float* dx0, BackwardScratch<V> scratch) where S : struct, ISimd<V> where V : unmanaged
    {
        int f = s.Frames, n = s.OutFrames, vl = S.Count;
        float* x1 = x0 + f, x2 = x1 + f, x3 = x2 + f, x4 = x3 + f;
        fixed (V* dwAcc = scratch.Dw, dbAcc = scratch.Db)
        fixed (float* h = scratch.H)
        {
                        var zero = S.Zero;
            int t = 0;
            for (; t + vl <= n; t += vl)
            {
                var x00 = S.Load(x0 + t); var x01 = S.Load(x0 + t + 1); var x02 = S.Load(x0 + t + 2);
                var x10 = S.Load(x1 + t); var x11 = S.Load(x1 + t + 1); var x12 = S.Load(x1 + t + 2);
                var x20 = S.Load(x2 + t); var x21 = S.Load(x2 + t + 1); var x22 = S.Load(x2 + t + 2);
                var x30 = S.Load(x3 + t); var x31 = S.Load(x3 + t + 1); var x32 = S.Load(x3 + t + 2);
                var x40 = S.Load(x4 + t); var x41 = S.Load(x4 + t + 1); var x42 = S.Load(x4 + t + 2);
                V h00 = zero, h01 = zero, h02 = zero, h10 = zero, h11 = zero, h12 = zero, h20 = zero, h21 = zero, h22 = zero,
                              h30 = zero, h31 = zero, h32 = zero, h40 = zero, h41 = zero, h42 = zero;
                for (int c = 0; c < s.Channels; c++)
                {
                    float* wc = w + 9 * c;
                    var bias = S.Create(b[c]);
                    var a0 = Conv9<S, V>(bias, wc, x00, x01, x02, x10, x11, x12, x20, x21, x22);
                    var a1 = Conv9<S, V>(bias, wc, x10, x11, x12, x20, x21, x22, x30, x31, x32);
                    var a2 = Conv9<S, V>(bias, wc, x20, x21, x22, x30, x31, x32, x40, x41, x42);
                    var take1 = S.GreaterThan(a1, a0);
                    var m = S.Select(take1, a1, a0);
                    var take2 = S.GreaterThan(a2, m);
                    m = S.Select(take2, a2, m);
                    var go = S.Load(g + c * s.ChannelStride + t);
                    // dELU/dm is 1 above zero and exp(m) = y + 1 at or below it.
                    var yo = S.Load(y + c * s.ChannelStride + t);
                    var gm = S.Select(S.GreaterThan(yo, zero), go, S.Multiply(go, S.Add(yo, S.One)));
                    var g2 = S.Select(take2, gm, zero);
                    var g1 = S.Select(S.AndNot(take1, take2), gm, zero);
                    var g0 = S.Subtract(S.Subtract(gm, g1), g2);
                    dbAcc[c] = S.Add(dbAcc[c], gm);
                    V* dwc = dwAcc + 9 * c;
                    dwc[0] = S.Fma(g2, x20, S.Fma(g1, x10, S.Fma(g0, x00, dwc[0]))); dwc[1] = S.Fma(g2, x21, S.Fma(g1, x11, S.Fma(g0, x01, dwc[1]))); dwc[2] = S.Fma(g2, x22, S.Fma(g1, x12, S.Fma(g0, x02, dwc[2])));
                    dwc[3] = S.Fma(g2, x30, S.Fma(g1, x20, S.Fma(g0, x10, dwc[3]))); dwc[4] = S.Fma(g2, x31, S.Fma(g1, x21, S.Fma(g0, x11, dwc[4]))); dwc[5] = S.Fma(g2, x32, S.Fma(g1, x22, S.Fma(g0, x12, dwc[5])));
                    dwc[6] = S.Fma(g2, x40, S.Fma(g1, x30, S.Fma(g0, x20, dwc[6]))); dwc[7] = S.Fma(g2, x41, S.Fma(g1, x31, S.Fma(g0, x21, dwc[7]))); dwc[8] = S.Fma(g2, x42, S.Fma(g1, x32, S.Fma(g0, x22, dwc[8])));
                    // Input rows 0..4 of this window receive g_k · w[i, j] at row k + i, shift j.
                    var w0 = S.Create(wc[0]); var w1 = S.Create(wc[1]); var w2 = S.Create(wc[2]);
                    var w3 = S.Create(wc[3]); var w4 = S.Create(wc[4]); var w5 = S.Create(wc[5]);
                    var w6 = S.Create(wc[6]); var w7 = S.Create(wc[7]); var w8 = S.Create(wc[8]);
                    h00 = S.Fma(g0, w0, h00); h01 = S.Fma(g0, w1, h01); h02 = S.Fma(g0, w2, h02);
                    h10 = S.Fma(g1, w0, S.Fma(g0, w3, h10)); h11 = S.Fma(g1, w1, S.Fma(g0, w4, h11)); h12 = S.Fma(g1, w2, S.Fma(g0, w5, h12));
                    h20 = S.Fma(g2, w0, S.Fma(g1, w3, S.Fma(g0, w6, h20))); h21 = S.Fma(g2, w1, S.Fma(g1, w4, S.Fma(g0, w7, h21))); h22 = S.Fma(g2, w2, S.Fma(g1, w5, S.Fma(g0, w8, h22)));
                    h30 = S.Fma(g2, w3, S.Fma(g1, w6, h30)); h31 = S.Fma(g2, w4, S.Fma(g1, w7, h31)); h32 = S.Fma(g2, w5, S.Fma(g1, w8, h32));
                    h40 = S.Fma(g2, w6, h40); h41 = S.Fma(g2, w7, h41); h42 = S.Fma(g2, w8, h42);
                }
                S.Store(h00, h + 0 * n + t); S.Store(h01, h + 1 * n + t); S.Store(h02, h + 2 * n + t);
                S.Store(h10, h + 3 * n + t); S.Store(h11, h + 4 * n + t); S.Store(h12, h + 5 * n + t);
                S.Store(h20, h + 6 * n + t); S.Store(h21, h + 7 * n + t); S.Store(h22, h + 8 * n + t);
                S.Store(h30, h + 9 * n + t); S.Store(h31, h + 10 * n + t); S.Store(h32, h + 11 * n + t);
                S.Store(h40, h + 12 * n + t); S.Store(h41, h + 13 * n + t); S.Store(h42, h + 14 * n + t);
            }
            for (; t < n; t++)
            {
                for (int k = 0; k < 15; k++) h[k * n + t] = 0;
                for (int c = 0; c < s.Channels; c++)
                {
                    float* wc = w + 9 * c;
                    var (m, arg) = PooledScalar(x0 + t, f, wc, b[c]);
                    float go = g[c * s.ChannelStride + t];
                    float yo = y[c * s.ChannelStride + t];
                    float gm = yo > 0 ? go : go * (yo + 1f);
                    scratch.DbTail[c] += gm;
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                        {
                            scratch.DwTail[9 * c + 3 * i + j] += gm * x0[(arg + i) * f + t + j];
                            h[(3 * (arg + i) + j) * n + t] += gm * wc[3 * i + j];
                        }
                }
            }
            // dx[row, t + j] += H[row, j, t]
            for (int row = 0; row < 5; row++)
            {
                float* d = dx0 + row * f;
                for (int j = 0; j < 3; j++)
                {
                    float* hr = h + (3 * row + j) * n;
                    float* dj = d + j;
                    int u = 0;
                    for (; u + vl <= n; u += vl) S.Store(S.Add(S.Load(dj + u), S.Load(hr + u)), dj + u);
                    for (; u < n; u++) dj[u] += hr[u];
                }
            }
        }
    }
}
