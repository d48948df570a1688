using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Model.Kernels;

// Written out in part: the 16- and 24-accumulator blocks are written out so that the JIT keeps them in
// registers (an array of accumulators is kept on the stack and halves the multiply-add rate).

/// <summary>
/// The TCN's second stage, conv(16 → 16, 3×3, valid) → max-pool (3×1 over bands, floor mode) → ELU, as
/// one autograd function computed by hand.
/// </summary>
/// <remarks>
/// Why by hand: after <see cref="FirstConvStage"/>, this stage was the largest share of a training step
/// (bench <c>profile-step</c>: about 11 of 20 ms per view on 2 threads, 75 M multiply-adds per view
/// forward run at ~15 GFLOP/s per core by LibTorch, whose oneDNN path reorders NCHW to blocked layouts
/// and back on every call). Here a direct convolution keeps 16 output channels of one 8-frame vector in
/// registers, so each input load feeds 16 multiply-adds; the pool and ELU are applied on the way out, and
/// backward reads the saved pooled output and arg-max instead of a full-resolution activation. Ties go to
/// the first band as in PyTorch's max-pool; tests compare outputs and all three gradients with LibTorch.
/// </remarks>
internal static unsafe class PooledConvStage
{
    private const int C = 16;

    public static bool Supports(Tensor input, Tensor weight, Tensor? bias) =>
        bias is not null && SimdDispatch.Best != SimdWidth.None
        && input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32
        && input.dim() == 4 && input.shape[1] == C && input.shape[2] >= 5 && input.shape[3] >= 3
        && weight.dim() == 4 && weight.shape[0] == C && weight.shape[1] == C && weight.shape[2] == 3 && weight.shape[3] == 3
        && input.numel() * 4 < int.MaxValue;

    /// <summary>(B, 16, bands, frames) → (B, 16, (bands − 2) / 3, frames − 2).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor bias, SimdWidth width = SimdWidth.None)
    {
        if (width == SimdWidth.None) width = SimdDispatch.Best;
        if (SimdDispatch.NeedsGradient(input, weight, bias)) return Function.apply(input, weight, bias, width);
        using var x = input.contiguous();
        using var w = weight.contiguous();
        using var b = bias.contiguous();
        var (y, arg) = ComputeForward(x, w, b, width);
        arg.Dispose();
        return y;
    }

    /// <summary>The forward kernel on contiguous tensors: the output and each output's arg-max band (0, 1, 2).</summary>
    private static (Tensor Y, Tensor Arg) ComputeForward(Tensor x, Tensor w, Tensor b, SimdWidth width)
    {
        var s = new Shape(x, Lanes(width));
        var y = empty(new long[] { s.Views, C, s.Rows, s.OutFrames }, ScalarType.Float32);
        var arg = empty(new long[] { s.Views, C, s.Rows, s.OutFrames }, ScalarType.Float32);
        using var wT = w.permute(1, 2, 3, 0).contiguous();   // [ci][i][j][co]
        switch (width)
        {
            case SimdWidth.W512: Forward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(y), Ptr(arg)); break;
            case SimdWidth.W256: Forward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(y), Ptr(arg)); break;
            default: Forward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(y), Ptr(arg)); break;
        }
        return (y, arg);
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "EquiTempoPooledConvStage";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            var w = ((Tensor)vars[1]).contiguous();
            var b = ((Tensor)vars[2]).contiguous();
            var width = (SimdWidth)vars[3];
            var (y, arg) = ComputeForward(x, w, b, width);
            ctx.save_for_backward(new List<Tensor> { x, w, y, arg });
            ctx.save_data("width", width);
            return y;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            // Each call hands out new wrappers of the saved tensors; undisposed, they kept the tensors' memory
            // until the garbage collector got to them (a training run grew by about 40 MB a minute).
            var saved = ctx.get_saved_variables();
            try
            {
            Tensor x = saved[0], w = saved[1], y = saved[2], arg = saved[3];
            var width = (SimdWidth)ctx.get_data("width");
            var s = new Shape(x, Lanes(width));
            using var g = gradOutput.contiguous();
            var dx = empty_like(x);
            var dw = empty_like(w);
            var db = empty(new long[] { C }, ScalarType.Float32);
            using var wD = w.permute(0, 2, 3, 1).contiguous();   // [co][i][j][ci]
            switch (width)
            {
                case SimdWidth.W512: Backward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(wD), Ptr(g), Ptr(y), Ptr(arg), Ptr(dx), Ptr(dw), Ptr(db)); break;
                case SimdWidth.W256: Backward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(wD), Ptr(g), Ptr(y), Ptr(arg), Ptr(dx), Ptr(dw), Ptr(db)); break;
                default: Backward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(wD), Ptr(g), Ptr(y), Ptr(arg), Ptr(dx), Ptr(dw), Ptr(db)); break;
            }
            return new List<Tensor> { dx, dw, db, null! };   // none for the width argument
            }
            finally { foreach (var t in saved) t.Dispose(); }
        }
    }

    private static int Lanes(SimdWidth width) => width switch { SimdWidth.W512 => 16, SimdWidth.W256 => 8, _ => 4 };

    private readonly struct Shape
    {
        public readonly int Views, Bands, Frames, Rows, OutFrames;
        /// <summary>Output frames rounded up to whole vectors, padded input and gradient row widths.</summary>
        public readonly int OutVec, InVec, XWidth, GWidth, GHeight;
        public Shape(Tensor x, int vl)
        {
            Views = (int)x.shape[0]; Bands = (int)x.shape[2]; Frames = (int)x.shape[3];
            Rows = (Bands - 2) / 3; OutFrames = Frames - 2;
            OutVec = (OutFrames + vl - 1) / vl * vl;
            InVec = (Frames + vl - 1) / vl * vl;
            XWidth = OutVec + vl;            // reads reach column OutVec + 1
            GWidth = InVec + vl;             // gradient columns are shifted by 2; reads reach InVec + 1
            GHeight = Bands + 2;             // conv row q sits at q + 2, with zero rows around
        }
        public long InputView => (long)C * Bands * Frames;
        public long OutputView => (long)C * Rows * OutFrames;
    }

    private static float* Ptr(Tensor t) { fixed (byte* p = t.bytes) return (float*)p; }


    /// <summary>x (C, bands, frames) copied into rows of <paramref name="width"/> floats, zero beyond.</summary>
    private static void CopyPadded(float* x, int rows, int frames, float* dst, int width)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(x + (long)r * frames, frames).CopyTo(new Span<float>(dst + (long)r * width, frames));
            new Span<float>(dst + (long)r * width + frames, width - frames).Clear();
        }
    }

    // ---- forward ----

    private static void Forward<S, V>(Shape s, float* x, float* wT, float* b, float* y, float* arg) where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, wp = (nint)wT, bp = (nint)b, yp = (nint)y, ap = (nint)arg;
        long padView = (long)C * s.Bands * s.XWidth;
        var padded = ArrayPool<float>.Shared.Rent((int)(padView * s.Views));
        try
        {
        fixed (float* pad0 = padded)
        {
            nint pp = (nint)pad0;
            Parallel.For(0, s.Views, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(s.Views) }, v =>
                CopyPadded((float*)xp + v * s.InputView, C * s.Bands, s.Frames, (float*)pp + v * padView, s.XWidth));
            int work = s.Views * s.Rows;
            Parallel.For(0, work, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(work) }, vr =>
            {
                int v = vr / s.Rows, r = vr % s.Rows;
                ForwardRow<S, V>(s, (float*)pp + v * padView, r, (float*)wp, (float*)bp,
                    (float*)yp + v * s.OutputView + (long)r * s.OutFrames, (float*)ap + v * s.OutputView + (long)r * s.OutFrames);
            });
        }
        }
        finally { ArrayPool<float>.Shared.Return(padded); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow<S, V>(Shape s, float* xp, int r, float* wT, float* b, float* y, float* arg) where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count, width = s.XWidth;
        long outChannel = (long)s.Rows * s.OutFrames;
        var rowBuffer = ArrayPool<float>.Shared.Rent(2 * C * s.OutVec);
        V* conv = stackalloc V[3 * C];
        try
        {
        fixed (float* yr = rowBuffer)
        {
            float* ar = yr + C * s.OutVec;
            for (int t = 0; t < s.OutVec; t += vl)
            {
                for (int k = 0; k < 3; k++)
                {
                    V a0 = S.Create(b[0]), a1 = S.Create(b[1]), a2 = S.Create(b[2]), a3 = S.Create(b[3]), a4 = S.Create(b[4]), a5 = S.Create(b[5]), a6 = S.Create(b[6]), a7 = S.Create(b[7]), a8 = S.Create(b[8]), a9 = S.Create(b[9]), a10 = S.Create(b[10]), a11 = S.Create(b[11]), a12 = S.Create(b[12]), a13 = S.Create(b[13]), a14 = S.Create(b[14]), a15 = S.Create(b[15]);
                    for (int ci = 0; ci < C; ci++)
                    {
                        float* xr = xp + ((long)ci * s.Bands + 3 * r + k) * width + t;
                        for (int ij = 0; ij < 9; ij++)
                        {
                            var xv = S.Load(xr + (ij / 3) * width + ij % 3);
                            float* wk = wT + (ci * 9 + ij) * C;
                        a0 = S.Fma(S.Create(wk[0]), xv, a0);
                        a1 = S.Fma(S.Create(wk[1]), xv, a1);
                        a2 = S.Fma(S.Create(wk[2]), xv, a2);
                        a3 = S.Fma(S.Create(wk[3]), xv, a3);
                        a4 = S.Fma(S.Create(wk[4]), xv, a4);
                        a5 = S.Fma(S.Create(wk[5]), xv, a5);
                        a6 = S.Fma(S.Create(wk[6]), xv, a6);
                        a7 = S.Fma(S.Create(wk[7]), xv, a7);
                        a8 = S.Fma(S.Create(wk[8]), xv, a8);
                        a9 = S.Fma(S.Create(wk[9]), xv, a9);
                        a10 = S.Fma(S.Create(wk[10]), xv, a10);
                        a11 = S.Fma(S.Create(wk[11]), xv, a11);
                        a12 = S.Fma(S.Create(wk[12]), xv, a12);
                        a13 = S.Fma(S.Create(wk[13]), xv, a13);
                        a14 = S.Fma(S.Create(wk[14]), xv, a14);
                        a15 = S.Fma(S.Create(wk[15]), xv, a15);
                        }
                    }
                    V* convK = conv + k * C;
                    convK[0] = a0;
                    convK[1] = a1;
                    convK[2] = a2;
                    convK[3] = a3;
                    convK[4] = a4;
                    convK[5] = a5;
                    convK[6] = a6;
                    convK[7] = a7;
                    convK[8] = a8;
                    convK[9] = a9;
                    convK[10] = a10;
                    convK[11] = a11;
                    convK[12] = a12;
                    convK[13] = a13;
                    convK[14] = a14;
                    convK[15] = a15;
                }
                var one = S.One; var two = S.Add(one, one);
                for (int c = 0; c < C; c++)
                {
                    var a0 = conv[c]; var a1 = conv[C + c]; var a2 = conv[2 * C + c];
                    var take1 = S.GreaterThan(a1, a0);
                    var m = S.Select(take1, a1, a0);
                    var take2 = S.GreaterThan(a2, m);
                    m = S.Select(take2, a2, m);
                    var idx = S.Select(take2, two, S.Select(take1, one, S.Zero));
                    S.Store(S.Select(S.GreaterThan(m, S.Zero), m, S.Subtract(S.Exp(m), one)), yr + c * s.OutVec + t);
                    S.Store(idx, ar + c * s.OutVec + t);
                }
            }
            for (int c = 0; c < C; c++)
            {
                new ReadOnlySpan<float>(yr + c * s.OutVec, s.OutFrames).CopyTo(new Span<float>(y + c * outChannel, s.OutFrames));
                new ReadOnlySpan<float>(ar + c * s.OutVec, s.OutFrames).CopyTo(new Span<float>(arg + c * outChannel, s.OutFrames));
            }
        }
        }
        finally { ArrayPool<float>.Shared.Return(rowBuffer); }
    }

    // ---- backward ----

    private static void Backward<S, V>(Shape s, float* x, float* wD, float* g, float* y, float* arg, float* dx, float* dw, float* db) where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, wp = (nint)wD, gp = (nint)g, yp = (nint)y, ap = (nint)arg, dxp = (nint)dx;
        // Views summed in order after the loop, not in whichever worker got them (see KernelThreads.SumInViewOrder).
        const int per = C * C * 9 + C;
        var perView = new double[s.Views * per];
        Parallel.For(0, s.Views, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(s.Views) },
            () => new Scratch(s),
            (v, _, scratch) =>
            {
                BackwardView<S, V>(s, (float*)xp + v * s.InputView, (float*)wp, (float*)gp + v * s.OutputView, (float*)yp + v * s.OutputView,
                    (float*)ap + v * s.OutputView, (float*)dxp + v * s.InputView, scratch);
                scratch.Dw.CopyTo(perView, v * per);
                scratch.Db.CopyTo(perView, v * per + C * C * 9);
                Array.Clear(scratch.Dw); Array.Clear(scratch.Db);
                return scratch;
            },
            scratch => scratch.Return());
        var sum = KernelThreads.SumInViewOrder(perView, s.Views, per);
        for (int k = 0; k < C * C * 9; k++) dw[k] = (float)sum[k];
        for (int c = 0; c < C; c++) db[c] = (float)sum[C * C * 9 + c];
    }

    private sealed class Scratch
    {
        public readonly double[] Dw = new double[C * C * 9], Db = new double[C];
        public readonly float[] X, G, Dx;
        public Scratch(Shape s)
        {
            X = ArrayPool<float>.Shared.Rent(C * s.Bands * s.XWidth);
            G = ArrayPool<float>.Shared.Rent(C * s.GHeight * s.GWidth);
            Dx = ArrayPool<float>.Shared.Rent(C * s.InVec);
        }
        public void Return()
        {
            ArrayPool<float>.Shared.Return(X); ArrayPool<float>.Shared.Return(G); ArrayPool<float>.Shared.Return(Dx);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardView<S, V>(Shape s, float* x, float* wD, float* g, float* y, float* arg, float* dx, Scratch scratch) where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count;
        int xw = s.XWidth, gw = s.GWidth, gh = s.GHeight;
        long gChannel = (long)gh * gw, outChannel = (long)s.Rows * s.OutFrames;
        fixed (float* xpad = scratch.X, gpad = scratch.G, dxRow0 = scratch.Dx)
        fixed (double* dwAcc = scratch.Dw)
        {
            CopyPadded(x, C * s.Bands, s.Frames, xpad, xw);
            // Gradient at each conv output: the pooled gradient times ELU', at the arg-max band, zero elsewhere.
            new Span<float>(gpad, C * gh * gw).Clear();
            for (int c = 0; c < C; c++)
            {
                double dbc = 0;
                for (int r = 0; r < s.Rows; r++)
                {
                    long o = c * outChannel + (long)r * s.OutFrames;
                    float* row0 = gpad + (c * gh + 3 * r + 2) * gw + 2;
                    var dbv = S.Zero;
                    int t = 0;
                    for (; t + vl <= s.OutFrames; t += vl)
                    {
                        var yv = S.Load(y + o + t);
                        var gv = S.Load(g + o + t);
                        var gm = S.Select(S.GreaterThan(yv, S.Zero), gv, S.Multiply(gv, S.Add(yv, S.One)));
                        dbv = S.Add(dbv, gm);
                        var a = S.Load(arg + o + t);
                        // arg is 0, 1 or 2 exactly: a > 1.5 picks band 2, a > 0.5 (and not 2) band 1.
                        var is2 = S.GreaterThan(a, S.Create(1.5f));
                        var is1 = S.AndNot(S.GreaterThan(a, S.Create(0.5f)), is2);
                        S.Store(S.Select(is2, S.Zero, S.Select(is1, S.Zero, gm)), row0 + t);
                        S.Store(S.Select(is1, gm, S.Zero), row0 + gw + t);
                        S.Store(S.Select(is2, gm, S.Zero), row0 + 2 * gw + t);
                    }
                    dbc += S.Sum(dbv);
                    for (; t < s.OutFrames; t++)
                    {
                        float yv = y[o + t];
                        float gm = yv > 0 ? g[o + t] : g[o + t] * (yv + 1f);
                        dbc += gm;
                        gpad[(c * gh + 3 * r + (int)arg[o + t] + 2) * gw + t + 2] = gm;
                    }
                }
                scratch.Db[c] += dbc;
            }
            // dW[co, ci, i, j] = Σ_q,t gconv[co, q, t] · x[ci, q + i, t + j], eight output channels at a time.
            int ci9 = C * 9;
            for (int co0 = 0; co0 < C; co0 += 8)
                for (int ci = 0; ci < C; ci++)
                    for (int i = 0; i < 3; i++)
                    {
                        V e0_0 = S.Zero, e0_1 = S.Zero, e0_2 = S.Zero, e1_0 = S.Zero, e1_1 = S.Zero, e1_2 = S.Zero, e2_0 = S.Zero, e2_1 = S.Zero, e2_2 = S.Zero, e3_0 = S.Zero, e3_1 = S.Zero, e3_2 = S.Zero, e4_0 = S.Zero, e4_1 = S.Zero, e4_2 = S.Zero, e5_0 = S.Zero, e5_1 = S.Zero, e5_2 = S.Zero, e6_0 = S.Zero, e6_1 = S.Zero, e6_2 = S.Zero, e7_0 = S.Zero, e7_1 = S.Zero, e7_2 = S.Zero;
                        V gv;
                        for (int q = 0; q < 3 * s.Rows; q++)
                        {
                            float* xr = xpad + ((long)ci * s.Bands + q + i) * xw;
                            float* gRow0 = gpad + ((long)co0 * gh + q + 2) * gw + 2;
                            for (int t = 0; t < s.OutVec; t += vl)
                            {
                                var x0 = S.Load(xr + t); var x1 = S.Load(xr + t + 1); var x2 = S.Load(xr + t + 2);
                                float* gRow = gRow0 + t;
                            gv = S.Load(gRow + 0 * gChannel);
                            e0_0 = S.Fma(gv, x0, e0_0);
                            e0_1 = S.Fma(gv, x1, e0_1);
                            e0_2 = S.Fma(gv, x2, e0_2);
                            gv = S.Load(gRow + 1 * gChannel);
                            e1_0 = S.Fma(gv, x0, e1_0);
                            e1_1 = S.Fma(gv, x1, e1_1);
                            e1_2 = S.Fma(gv, x2, e1_2);
                            gv = S.Load(gRow + 2 * gChannel);
                            e2_0 = S.Fma(gv, x0, e2_0);
                            e2_1 = S.Fma(gv, x1, e2_1);
                            e2_2 = S.Fma(gv, x2, e2_2);
                            gv = S.Load(gRow + 3 * gChannel);
                            e3_0 = S.Fma(gv, x0, e3_0);
                            e3_1 = S.Fma(gv, x1, e3_1);
                            e3_2 = S.Fma(gv, x2, e3_2);
                            gv = S.Load(gRow + 4 * gChannel);
                            e4_0 = S.Fma(gv, x0, e4_0);
                            e4_1 = S.Fma(gv, x1, e4_1);
                            e4_2 = S.Fma(gv, x2, e4_2);
                            gv = S.Load(gRow + 5 * gChannel);
                            e5_0 = S.Fma(gv, x0, e5_0);
                            e5_1 = S.Fma(gv, x1, e5_1);
                            e5_2 = S.Fma(gv, x2, e5_2);
                            gv = S.Load(gRow + 6 * gChannel);
                            e6_0 = S.Fma(gv, x0, e6_0);
                            e6_1 = S.Fma(gv, x1, e6_1);
                            e6_2 = S.Fma(gv, x2, e6_2);
                            gv = S.Load(gRow + 7 * gChannel);
                            e7_0 = S.Fma(gv, x0, e7_0);
                            e7_1 = S.Fma(gv, x1, e7_1);
                            e7_2 = S.Fma(gv, x2, e7_2);
                            }
                        }
                    dwAcc[((co0 + 0) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e0_0);
                    dwAcc[((co0 + 0) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e0_1);
                    dwAcc[((co0 + 0) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e0_2);
                    dwAcc[((co0 + 1) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e1_0);
                    dwAcc[((co0 + 1) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e1_1);
                    dwAcc[((co0 + 1) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e1_2);
                    dwAcc[((co0 + 2) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e2_0);
                    dwAcc[((co0 + 2) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e2_1);
                    dwAcc[((co0 + 2) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e2_2);
                    dwAcc[((co0 + 3) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e3_0);
                    dwAcc[((co0 + 3) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e3_1);
                    dwAcc[((co0 + 3) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e3_2);
                    dwAcc[((co0 + 4) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e4_0);
                    dwAcc[((co0 + 4) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e4_1);
                    dwAcc[((co0 + 4) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e4_2);
                    dwAcc[((co0 + 5) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e5_0);
                    dwAcc[((co0 + 5) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e5_1);
                    dwAcc[((co0 + 5) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e5_2);
                    dwAcc[((co0 + 6) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e6_0);
                    dwAcc[((co0 + 6) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e6_1);
                    dwAcc[((co0 + 6) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e6_2);
                    dwAcc[((co0 + 7) * ci9) + (ci * 3 + i) * 3 + 0] += S.Sum(e7_0);
                    dwAcc[((co0 + 7) * ci9) + (ci * 3 + i) * 3 + 1] += S.Sum(e7_1);
                    dwAcc[((co0 + 7) * ci9) + (ci * 3 + i) * 3 + 2] += S.Sum(e7_2);
                    }
            // dx[ci, p, s] = Σ_co,i,j gconv[co, p − i, s − j] · w[co, ci, i, j]
            long dxChannel = s.InVec;
            long inChannel = (long)s.Bands * s.Frames;
            for (int p = 0; p < s.Bands; p++)
            {
                for (int t = 0; t < s.InVec; t += vl)
                {
                    V d0 = S.Zero, d1 = S.Zero, d2 = S.Zero, d3 = S.Zero, d4 = S.Zero, d5 = S.Zero, d6 = S.Zero, d7 = S.Zero, d8 = S.Zero, d9 = S.Zero, d10 = S.Zero, d11 = S.Zero, d12 = S.Zero, d13 = S.Zero, d14 = S.Zero, d15 = S.Zero;
                    for (int co = 0; co < C; co++)
                        for (int ij = 0; ij < 9; ij++)
                        {
                            int i = ij / 3, j = ij % 3;
                            var gv = S.Load(gpad + ((long)co * gh + p - i + 2) * gw + t - j + 2);
                            float* wk = wD + (co * 9 + ij) * C;
                        d0 = S.Fma(S.Create(wk[0]), gv, d0);
                        d1 = S.Fma(S.Create(wk[1]), gv, d1);
                        d2 = S.Fma(S.Create(wk[2]), gv, d2);
                        d3 = S.Fma(S.Create(wk[3]), gv, d3);
                        d4 = S.Fma(S.Create(wk[4]), gv, d4);
                        d5 = S.Fma(S.Create(wk[5]), gv, d5);
                        d6 = S.Fma(S.Create(wk[6]), gv, d6);
                        d7 = S.Fma(S.Create(wk[7]), gv, d7);
                        d8 = S.Fma(S.Create(wk[8]), gv, d8);
                        d9 = S.Fma(S.Create(wk[9]), gv, d9);
                        d10 = S.Fma(S.Create(wk[10]), gv, d10);
                        d11 = S.Fma(S.Create(wk[11]), gv, d11);
                        d12 = S.Fma(S.Create(wk[12]), gv, d12);
                        d13 = S.Fma(S.Create(wk[13]), gv, d13);
                        d14 = S.Fma(S.Create(wk[14]), gv, d14);
                        d15 = S.Fma(S.Create(wk[15]), gv, d15);
                        }
                    float* dxRow = dxRow0 + t;
                    S.Store(d0, dxRow + 0 * dxChannel);
                    S.Store(d1, dxRow + 1 * dxChannel);
                    S.Store(d2, dxRow + 2 * dxChannel);
                    S.Store(d3, dxRow + 3 * dxChannel);
                    S.Store(d4, dxRow + 4 * dxChannel);
                    S.Store(d5, dxRow + 5 * dxChannel);
                    S.Store(d6, dxRow + 6 * dxChannel);
                    S.Store(d7, dxRow + 7 * dxChannel);
                    S.Store(d8, dxRow + 8 * dxChannel);
                    S.Store(d9, dxRow + 9 * dxChannel);
                    S.Store(d10, dxRow + 10 * dxChannel);
                    S.Store(d11, dxRow + 11 * dxChannel);
                    S.Store(d12, dxRow + 12 * dxChannel);
                    S.Store(d13, dxRow + 13 * dxChannel);
                    S.Store(d14, dxRow + 14 * dxChannel);
                    S.Store(d15, dxRow + 15 * dxChannel);
                }
                for (int ci = 0; ci < C; ci++)
                    new ReadOnlySpan<float>(dxRow0 + ci * dxChannel, s.Frames).CopyTo(new Span<float>(dx + ci * inChannel + (long)p * s.Frames, s.Frames));
            }
        }
    }
}
