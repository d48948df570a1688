using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace EquiTempo.Model.Kernels;

// Written out in part: the 16-accumulator blocks are written out so that the JIT keeps them in registers
// (an array of accumulators is kept on the stack and halves the multiply-add rate). The per-view methods
// are compiled fully optimised at once: they are called a few hundred times per step, and their tier-0 and
// on-stack-replacement versions, which ran the first calls, measured several times slower. They are split
// so that each stays within the JIT's inlining budget; one method with all phases got calls to Fma and
// Create instead of instructions.

/// <summary>
/// One residual block of the TCN, y = conv1x1_res(x) + conv1x1(mask · ELU(conv(x))) with conv a
/// Conv1d(16 → 16, k = 5, dilation d, padding 2d), as one autograd function computed by hand.
/// </summary>
/// <remarks>
/// Why by hand: after the conv → pool → ELU stages were fused, the 10 residual blocks were the largest
/// LibTorch share of a step (bench <c>profile-step 16</c>, 2 threads: 1.5–1.9 ms per view forward and
/// 2.4–3.7 ms backward, 7 · 256 multiply-adds per frame per block run at a few GFLOP/s; the k = 5 convs
/// alone were ~60 % of it). LibTorch makes three conv calls, an ELU, a dropout and an add per block, each
/// a pass over memory with its own layout reorder; here 16 output channels of one vector of frames stay
/// in registers, each input load feeds 16 multiply-adds with the weights broadcast from memory, and the
/// ELU, mask, both 1×1 convs and the sum are applied while the conv output is still in registers.
/// Forward keeps only the input and the pre-ELU conv output for backward; backward recomputes the
/// activation from it. Measured for the 10 blocks at 16 views of 1357 frames: one thread, CPU time per
/// view, 1.4 ms forward and 3.0 ms backward against LibTorch's 3.1 and 5.7; <c>profile-step 16</c> on 2
/// threads of the shared machine, medians of three runs, 1.2 and 2.8 ms against LibTorch's 6.6 and 14.2
/// in the same runs (LibTorch suffers most from the other load; on a quiet machine it had 1.8 and 2.5).
///
/// The spatial-dropout mask is an input, (B, 16) of 0 and 1/(1 − p), drawn by the caller with LibTorch's
/// RNG so seeding stays LibTorch's. Sums run in a fixed order with fused multiply-adds, so results match
/// LibTorch's within float rounding (tests compare the output and all seven gradients).
/// </remarks>
internal static unsafe class ResidualBlockKernel
{
    private const int C = 16, K = 5;

    /// <summary>Whether the kernel serves these shapes; otherwise callers use LibTorch's ops.</summary>
    public static bool Supports(Tensor input, Tensor weight, Tensor? bias, Tensor weight1x1, Tensor? bias1x1, Tensor weightRes, Tensor? biasRes, long dilation) =>
        bias is not null && bias1x1 is not null && biasRes is not null && SimdDispatch.Best != SimdWidth.None
        && input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32
        && weight.dtype == ScalarType.Float32 && weight1x1.dtype == ScalarType.Float32 && weightRes.dtype == ScalarType.Float32
        && input.dim() == 3 && input.shape[1] == C && input.shape[2] >= 1
        && weight.dim() == 3 && weight.shape[0] == C && weight.shape[1] == C && weight.shape[2] == K
        && weight1x1.dim() == 3 && weight1x1.shape[0] == C && weight1x1.shape[1] == C && weight1x1.shape[2] == 1
        && weightRes.dim() == 3 && weightRes.shape[0] == C && weightRes.shape[1] == C && weightRes.shape[2] == 1
        && dilation >= 1
        // Spans and scratch buffers are int-indexed.
        && input.numel() * 4 < int.MaxValue && (long)C * (input.shape[2] + 16 + 4 * dilation) * 4 < int.MaxValue;

    /// <summary>x (B, 16, T) → y (B, 16, T). <paramref name="mask"/>: (B, 16) channel scales of the spatial
    /// dropout, or null for none (eval, or p = 0).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor bias, Tensor weight1x1, Tensor bias1x1, Tensor weightRes, Tensor biasRes,
        int dilation, Tensor? mask, SimdWidth width = SimdWidth.None)
    {
        float[]? m = null;
        if (mask is not null)
        {
            if (mask.dim() != 2 || mask.shape[0] != input.shape[0] || mask.shape[1] != C)
                throw new ArgumentException($"the mask must be (views, {C}), not ({string.Join(", ", mask.shape)})", nameof(mask));
            using var mc = mask.detach().to(ScalarType.Float32).contiguous();
            m = mc.data<float>().ToArray();
        }
        if (width == SimdWidth.None) width = SimdDispatch.Best;
        if (SimdDispatch.NeedsGradient(input, weight, bias, weight1x1, bias1x1, weightRes, biasRes))
            return Function.apply(input, weight, bias, weight1x1, bias1x1, weightRes, biasRes, dilation, m!, width);
        using var x = input.contiguous();
        using var w = weight.contiguous();
        using var b = bias.contiguous();
        using var w2 = weight1x1.contiguous();
        using var b2 = bias1x1.contiguous();
        using var wr = weightRes.contiguous();
        using var br = biasRes.contiguous();
        var (y, h) = ComputeForward(x, w, b, w2, b2, wr, br, dilation, m, width);
        h.Dispose();
        return y;
    }

    /// <summary>The forward kernel on contiguous tensors: the block's output and the pre-ELU conv output h.</summary>
    private static (Tensor Y, Tensor H) ComputeForward(Tensor x, Tensor w, Tensor b, Tensor w2, Tensor b2, Tensor wr, Tensor br,
        int dilation, float[]? mask, SimdWidth width)
    {
        var s = new Shape(x, dilation, Lanes(width));
        var y = empty(new long[] { s.Views, C, s.Frames }, ScalarType.Float32);
        var h = empty(new long[] { s.Views, C, s.Frames }, ScalarType.Float32);
        using var wT = w.permute(1, 2, 0).contiguous();                  // [ci][k][co]
        using var w2T = w2.squeeze(-1).t().contiguous();                  // [c][co]
        using var wrT = wr.squeeze(-1).t().contiguous();                  // [ci][co]
        using var bSum = b2.add(br, HeldScalars.One);   // not `b2 + br`: see HeldScalars
        fixed (float* mp = mask)
        {
            switch (width)
            {
                case SimdWidth.W512: Forward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(w2T), Ptr(wrT), Ptr(bSum), mp, Ptr(h), Ptr(y)); break;
                case SimdWidth.W256: Forward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(w2T), Ptr(wrT), Ptr(bSum), mp, Ptr(h), Ptr(y)); break;
                default: Forward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(wT), Ptr(b), Ptr(w2T), Ptr(wrT), Ptr(bSum), mp, Ptr(h), Ptr(y)); break;
            }
        }
        return (y, h);
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => "EquiTempoResidualBlock";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = ((Tensor)vars[0]).contiguous();
            var w = ((Tensor)vars[1]).contiguous();
            var b = ((Tensor)vars[2]).contiguous();
            var w2 = ((Tensor)vars[3]).contiguous();
            var b2 = ((Tensor)vars[4]).contiguous();
            var wr = ((Tensor)vars[5]).contiguous();
            var br = ((Tensor)vars[6]).contiguous();
            int dilation = (int)vars[7];
            var mask = vars[8] as float[];
            var width = (SimdWidth)vars[9];
            var (y, h) = ComputeForward(x, w, b, w2, b2, wr, br, dilation, mask, width);
            ctx.save_for_backward(new List<Tensor> { x, w, w2, wr, h });
            ctx.save_data("dilation", dilation);
            ctx.save_data("mask", mask!);
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
            Tensor x = saved[0], w = saved[1], w2 = saved[2], wr = saved[3], h = saved[4];
            int dilation = (int)ctx.get_data("dilation");
            var mask = ctx.get_data("mask") as float[];
            var width = (SimdWidth)ctx.get_data("width");
            var s = new Shape(x, dilation, Lanes(width));
            using var g = gradOutput.contiguous();
            var dx = empty_like(x);
            var dw = empty(new long[] { C, C, K }, ScalarType.Float32);
            var db = empty(new long[] { C }, ScalarType.Float32);
            var dw2 = empty(new long[] { C, C, 1 }, ScalarType.Float32);
            var dwr = empty(new long[] { C, C, 1 }, ScalarType.Float32);
            var dbOut = empty(new long[] { C }, ScalarType.Float32);
            using var wD = w.permute(0, 2, 1).contiguous();                    // [co][k][ci]
            using var w2D = w2.squeeze(-1).contiguous();                       // [co][c]
            using var wrD = wr.squeeze(-1).contiguous();                       // [co][ci]
            fixed (float* mp = mask)
            {
                switch (width)
                {
                    case SimdWidth.W512: Backward<Simd512, Vector512<float>>(s, Ptr(x), Ptr(h), Ptr(g), Ptr(wD), Ptr(w2D), Ptr(wrD), mp, Ptr(dx), Ptr(dw), Ptr(db), Ptr(dw2), Ptr(dwr), Ptr(dbOut)); break;
                    case SimdWidth.W256: Backward<Simd256, Vector256<float>>(s, Ptr(x), Ptr(h), Ptr(g), Ptr(wD), Ptr(w2D), Ptr(wrD), mp, Ptr(dx), Ptr(dw), Ptr(db), Ptr(dw2), Ptr(dwr), Ptr(dbOut)); break;
                    default: Backward<Simd128, Vector128<float>>(s, Ptr(x), Ptr(h), Ptr(g), Ptr(wD), Ptr(w2D), Ptr(wrD), mp, Ptr(dx), Ptr(dw), Ptr(db), Ptr(dw2), Ptr(dwr), Ptr(dbOut)); break;
                }
            }
            // The 1×1 convs' biases are summed into every output alike, so both get the same gradient.
            var dbr = dbOut.clone();
            return new List<Tensor> { dx, dw, db, dw2, dbOut, dwr, dbr, null!, null!, null! };   // none for dilation, mask, width
            }
            finally { foreach (var t in saved) t.Dispose(); }
        }
    }

    private static int Lanes(SimdWidth width) => width switch { SimdWidth.W512 => 16, SimdWidth.W256 => 8, _ => 4 };

    private readonly struct Shape
    {
        public readonly int Views, Frames, Dilation;
        /// <summary>Frames rounded up to whole vectors; the padded row width, 2d zeros either side and the rounding.</summary>
        public readonly int Vec, PadWidth;
        public Shape(Tensor x, int dilation, int vl)
        {
            Views = (int)x.shape[0]; Frames = (int)x.shape[2]; Dilation = dilation;
            Vec = (Frames + vl - 1) / vl * vl;
            PadWidth = Vec + 4 * dilation;
        }
        public long View => (long)C * Frames;
    }

    private static float* Ptr(Tensor t) { fixed (byte* p = t.bytes) return (float*)p; }


    /// <summary>Rows of <paramref name="frames"/> floats copied to rows of <paramref name="width"/>, starting at
    /// <paramref name="offset"/>, zero elsewhere.</summary>
    private static void CopyPadded(float* src, int frames, float* dst, int width, int offset)
    {
        for (int r = 0; r < C; r++)
        {
            var row = new Span<float>(dst + (long)r * width, width);
            row.Clear();
            new ReadOnlySpan<float>(src + (long)r * frames, frames).CopyTo(row.Slice(offset));
        }
    }

    private static void CopyOut(float* src, int width, float* dst, int frames)
    {
        for (int r = 0; r < C; r++)
            new ReadOnlySpan<float>(src + (long)r * width, frames).CopyTo(new Span<float>(dst + (long)r * frames, frames));
    }

    private static V Elu<S, V>(V h, V e) where S : struct, ISimd<V> where V : unmanaged =>
        S.Select(S.GreaterThan(h, S.Zero), h, S.Subtract(e, S.One));

    // ---- forward ----

    private static void Forward<S, V>(Shape s, float* x, float* wT, float* b, float* w2T, float* wrT, float* bSum, float* mask, float* h, float* y)
        where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, wp = (nint)wT, bp = (nint)b, w2p = (nint)w2T, wrp = (nint)wrT, bsp = (nint)bSum, mp = (nint)mask, hp = (nint)h, yp = (nint)y;
        Parallel.For(0, s.Views, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(s.Views) }, v =>
        {
            var buffer = ArrayPool<float>.Shared.Rent(C * s.PadWidth + 2 * C * s.Vec + C);
            try
            {
                fixed (float* buf = buffer)
                {
                    float* m = buf + C * s.PadWidth + 2 * C * s.Vec;
                    for (int c = 0; c < C; c++) m[c] = mp == 0 ? 1f : ((float*)mp)[v * C + c];
                    ForwardView<S, V>(s, (float*)xp + v * s.View, (float*)wp, (float*)bp, (float*)w2p, (float*)wrp, (float*)bsp, m,
                        (float*)hp + v * s.View, (float*)yp + v * s.View, buf);
                }
            }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardView<S, V>(Shape s, float* x, float* wT, float* b, float* w2T, float* wrT, float* bSum, float* m, float* h, float* y, float* buf)
        where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count, d = s.Dilation, pw = s.PadWidth, tv = s.Vec;
        float* xpad = buf, hb = buf + C * pw, yb = hb + C * tv;
        CopyPadded(x, s.Frames, xpad, pw, 2 * d);
        V* act = stackalloc V[C];
        for (int t = 0; t < tv; t += vl)
        {
            {
                V a0 = S.Create(b[0]), a1 = S.Create(b[1]), a2 = S.Create(b[2]), a3 = S.Create(b[3]), a4 = S.Create(b[4]), a5 = S.Create(b[5]), a6 = S.Create(b[6]), a7 = S.Create(b[7]), a8 = S.Create(b[8]), a9 = S.Create(b[9]), a10 = S.Create(b[10]), a11 = S.Create(b[11]), a12 = S.Create(b[12]), a13 = S.Create(b[13]), a14 = S.Create(b[14]), a15 = S.Create(b[15]);
                for (int ci = 0; ci < C; ci++)
                {
                    float* xr = xpad + (long)ci * pw + t;
                    for (int k = 0; k < K; k++)
                    {
                        var xv = S.Load(xr + k * d);
                        float* wk = wT + (ci * K + k) * C;
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
                S.Store(a0, hb + 0 * tv + t);
                S.Store(a1, hb + 1 * tv + t);
                S.Store(a2, hb + 2 * tv + t);
                S.Store(a3, hb + 3 * tv + t);
                S.Store(a4, hb + 4 * tv + t);
                S.Store(a5, hb + 5 * tv + t);
                S.Store(a6, hb + 6 * tv + t);
                S.Store(a7, hb + 7 * tv + t);
                S.Store(a8, hb + 8 * tv + t);
                S.Store(a9, hb + 9 * tv + t);
                S.Store(a10, hb + 10 * tv + t);
                S.Store(a11, hb + 11 * tv + t);
                S.Store(a12, hb + 12 * tv + t);
                S.Store(a13, hb + 13 * tv + t);
                S.Store(a14, hb + 14 * tv + t);
                S.Store(a15, hb + 15 * tv + t);
            }
            // Out of the accumulators' block: an exp call there would spill all sixteen (vector registers are caller-saved).
            for (int c = 0; c < C; c++)
            {
                var hv = S.Load(hb + c * tv + t);
                act[c] = S.Multiply(Elu<S, V>(hv, S.Exp(hv)), S.Create(m[c]));
            }
            {
                V o0 = S.Create(bSum[0]), o1 = S.Create(bSum[1]), o2 = S.Create(bSum[2]), o3 = S.Create(bSum[3]), o4 = S.Create(bSum[4]), o5 = S.Create(bSum[5]), o6 = S.Create(bSum[6]), o7 = S.Create(bSum[7]), o8 = S.Create(bSum[8]), o9 = S.Create(bSum[9]), o10 = S.Create(bSum[10]), o11 = S.Create(bSum[11]), o12 = S.Create(bSum[12]), o13 = S.Create(bSum[13]), o14 = S.Create(bSum[14]), o15 = S.Create(bSum[15]);
                for (int c = 0; c < C; c++)
                {
                    var xv = S.Load(xpad + (long)c * pw + 2 * d + t);
                    var av = act[c];
                    float* wr = wrT + c * C;
                    float* w2 = w2T + c * C;
                    o0 = S.Fma(S.Create(w2[0]), av, S.Fma(S.Create(wr[0]), xv, o0));
                    o1 = S.Fma(S.Create(w2[1]), av, S.Fma(S.Create(wr[1]), xv, o1));
                    o2 = S.Fma(S.Create(w2[2]), av, S.Fma(S.Create(wr[2]), xv, o2));
                    o3 = S.Fma(S.Create(w2[3]), av, S.Fma(S.Create(wr[3]), xv, o3));
                    o4 = S.Fma(S.Create(w2[4]), av, S.Fma(S.Create(wr[4]), xv, o4));
                    o5 = S.Fma(S.Create(w2[5]), av, S.Fma(S.Create(wr[5]), xv, o5));
                    o6 = S.Fma(S.Create(w2[6]), av, S.Fma(S.Create(wr[6]), xv, o6));
                    o7 = S.Fma(S.Create(w2[7]), av, S.Fma(S.Create(wr[7]), xv, o7));
                    o8 = S.Fma(S.Create(w2[8]), av, S.Fma(S.Create(wr[8]), xv, o8));
                    o9 = S.Fma(S.Create(w2[9]), av, S.Fma(S.Create(wr[9]), xv, o9));
                    o10 = S.Fma(S.Create(w2[10]), av, S.Fma(S.Create(wr[10]), xv, o10));
                    o11 = S.Fma(S.Create(w2[11]), av, S.Fma(S.Create(wr[11]), xv, o11));
                    o12 = S.Fma(S.Create(w2[12]), av, S.Fma(S.Create(wr[12]), xv, o12));
                    o13 = S.Fma(S.Create(w2[13]), av, S.Fma(S.Create(wr[13]), xv, o13));
                    o14 = S.Fma(S.Create(w2[14]), av, S.Fma(S.Create(wr[14]), xv, o14));
                    o15 = S.Fma(S.Create(w2[15]), av, S.Fma(S.Create(wr[15]), xv, o15));
                }
                S.Store(o0, yb + 0 * tv + t);
                S.Store(o1, yb + 1 * tv + t);
                S.Store(o2, yb + 2 * tv + t);
                S.Store(o3, yb + 3 * tv + t);
                S.Store(o4, yb + 4 * tv + t);
                S.Store(o5, yb + 5 * tv + t);
                S.Store(o6, yb + 6 * tv + t);
                S.Store(o7, yb + 7 * tv + t);
                S.Store(o8, yb + 8 * tv + t);
                S.Store(o9, yb + 9 * tv + t);
                S.Store(o10, yb + 10 * tv + t);
                S.Store(o11, yb + 11 * tv + t);
                S.Store(o12, yb + 12 * tv + t);
                S.Store(o13, yb + 13 * tv + t);
                S.Store(o14, yb + 14 * tv + t);
                S.Store(o15, yb + 15 * tv + t);
            }
        }
        CopyOut(hb, tv, h, s.Frames);
        CopyOut(yb, tv, y, s.Frames);
    }

    // ---- backward ----

    private const int GradCount = C * C * K + C + C * C + C * C + C;   // dW, db, dW1x1, dWres, db of the 1×1 convs

    private static void Backward<S, V>(Shape s, float* x, float* h, float* g, float* wD, float* w2D, float* wrD, float* mask,
        float* dx, float* dw, float* db, float* dw2, float* dwr, float* dbOut) where S : struct, ISimd<V> where V : unmanaged
    {
        nint xp = (nint)x, hp = (nint)h, gp = (nint)g, wp = (nint)wD, w2p = (nint)w2D, wrp = (nint)wrD, mp = (nint)mask, dxp = (nint)dx;
        // Views summed in order after the loop, not in whichever worker got them (see KernelThreads.SumInViewOrder).
        var perView = new double[(long)s.Views * GradCount];
        Parallel.For(0, s.Views, new ParallelOptions { MaxDegreeOfParallelism = KernelThreads.For(s.Views) },
            () => new double[GradCount],
            (v, _, acc) =>
            {
                var buffer = ArrayPool<float>.Shared.Rent(2 * C * s.PadWidth + 4 * C * s.Vec + C);
                try
                {
                    fixed (float* buf = buffer)
                    fixed (double* a = acc)
                    {
                        float* m = buf + 2 * C * s.PadWidth + 4 * C * s.Vec;
                        for (int c = 0; c < C; c++) m[c] = mp == 0 ? 1f : ((float*)mp)[v * C + c];
                        BackwardView<S, V>(s, (float*)xp + v * s.View, (float*)hp + v * s.View, (float*)gp + v * s.View,
                            (float*)wp, (float*)w2p, (float*)wrp, m, (float*)dxp + v * s.View, buf, a);
                    }
                }
                finally { ArrayPool<float>.Shared.Return(buffer); }
                acc.CopyTo(perView, (long)v * GradCount);
                Array.Clear(acc);
                return acc;
            },
            _ => { });
        var sum = KernelThreads.SumInViewOrder(perView, s.Views, GradCount);
        int o = 0;
        for (int i = 0; i < C * C * K; i++) dw[i] = (float)sum[o++];
        for (int i = 0; i < C; i++) db[i] = (float)sum[o++];
        for (int i = 0; i < C * C; i++) dw2[i] = (float)sum[o++];
        for (int i = 0; i < C * C; i++) dwr[i] = (float)sum[o++];
        for (int i = 0; i < C; i++) dbOut[i] = (float)sum[o++];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardView<S, V>(Shape s, float* x, float* h, float* g, float* wD, float* w2D, float* wrD, float* m, float* dx, float* buf, double* acc)
        where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count, d = s.Dilation, pw = s.PadWidth, tv = s.Vec;
        float* xpad = buf, dhpad = buf + C * pw, gb = dhpad + C * pw, hb = gb + C * tv, ab = hb + C * tv, dxb = ab + C * tv;
        CopyPadded(x, s.Frames, xpad, pw, 2 * d);
        CopyPadded(g, s.Frames, gb, tv, 0);
        CopyPadded(h, s.Frames, hb, tv, 0);
        new Span<float>(dhpad, C * pw).Clear();
        V* da = stackalloc V[C];
        // Gradient at the conv output: dh[c] = m[c] · ELU'(h[c]) · Σ_co w1x1[co, c] · g[co]; zero beyond the
        // last frame because g is. The activation is recomputed for the 1×1 conv's weight gradient.
        for (int t = 0; t < tv; t += vl)
        {
            V a0 = S.Zero, a1 = S.Zero, a2 = S.Zero, a3 = S.Zero, a4 = S.Zero, a5 = S.Zero, a6 = S.Zero, a7 = S.Zero, a8 = S.Zero, a9 = S.Zero, a10 = S.Zero, a11 = S.Zero, a12 = S.Zero, a13 = S.Zero, a14 = S.Zero, a15 = S.Zero;
            for (int co = 0; co < C; co++)
            {
                var gv = S.Load(gb + co * tv + t);
                float* w2 = w2D + co * C;
                a0 = S.Fma(S.Create(w2[0]), gv, a0);
                a1 = S.Fma(S.Create(w2[1]), gv, a1);
                a2 = S.Fma(S.Create(w2[2]), gv, a2);
                a3 = S.Fma(S.Create(w2[3]), gv, a3);
                a4 = S.Fma(S.Create(w2[4]), gv, a4);
                a5 = S.Fma(S.Create(w2[5]), gv, a5);
                a6 = S.Fma(S.Create(w2[6]), gv, a6);
                a7 = S.Fma(S.Create(w2[7]), gv, a7);
                a8 = S.Fma(S.Create(w2[8]), gv, a8);
                a9 = S.Fma(S.Create(w2[9]), gv, a9);
                a10 = S.Fma(S.Create(w2[10]), gv, a10);
                a11 = S.Fma(S.Create(w2[11]), gv, a11);
                a12 = S.Fma(S.Create(w2[12]), gv, a12);
                a13 = S.Fma(S.Create(w2[13]), gv, a13);
                a14 = S.Fma(S.Create(w2[14]), gv, a14);
                a15 = S.Fma(S.Create(w2[15]), gv, a15);
            }
            da[0] = a0;
            da[1] = a1;
            da[2] = a2;
            da[3] = a3;
            da[4] = a4;
            da[5] = a5;
            da[6] = a6;
            da[7] = a7;
            da[8] = a8;
            da[9] = a9;
            da[10] = a10;
            da[11] = a11;
            da[12] = a12;
            da[13] = a13;
            da[14] = a14;
            da[15] = a15;
            for (int c = 0; c < C; c++)
            {
                var hv = S.Load(hb + c * tv + t); var e = S.Exp(hv); var mv = S.Create(m[c]);
                S.Store(S.Multiply(Elu<S, V>(hv, e), mv), ab + c * tv + t);
                S.Store(S.Multiply(S.Multiply(da[c], mv), S.Select(S.GreaterThan(hv, S.Zero), S.One, e)), dhpad + c * pw + 2 * d + t);
            }
        }
        WeightGradients<S, V>(s, xpad, dhpad, gb, ab, acc);
        InputGradient<S, V>(s, dhpad, gb, wD, wrD, dxb);
        CopyOut(dxb, tv, dx, s.Frames);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradients<S, V>(Shape s, float* xpad, float* dhpad, float* gb, float* ab, double* acc) where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count, d = s.Dilation, pw = s.PadWidth, tv = s.Vec;
        double* dwAcc = acc, dbAcc = acc + C * C * K, dw2Acc = dbAcc + C, dwrAcc = dw2Acc + C * C, dbOutAcc = dwrAcc + C * C;
        for (int c = 0; c < C; c++)
        {
            V sg = S.Zero, sh = S.Zero;
            for (int t = 0; t < tv; t += vl)
            {
                sg = S.Add(sg, S.Load(gb + c * tv + t));
                sh = S.Add(sh, S.Load(dhpad + c * pw + 2 * d + t));
            }
            dbOutAcc[c] += S.Sum(sg);
            dbAcc[c] += S.Sum(sh);
        }
        // Weight gradients, two output channels at a time: dW[co, ci, k] = Σ_t dh[co, t] · x[ci, t + (k − 2)d],
        // dWres[co, ci] = Σ_t g[co, t] · x[ci, t], dW1x1[co, c] = Σ_t g[co, t] · act[c, t].
        for (int ci = 0; ci < C; ci++)
        {
            float* xr = xpad + (long)ci * pw;
            float* ar = ab + (long)ci * tv;
            for (int co = 0; co < C; co += 2)
            {
                V p0 = S.Zero, p1 = S.Zero, p2 = S.Zero, p3 = S.Zero, p4 = S.Zero, q0 = S.Zero, q1 = S.Zero, q2 = S.Zero, q3 = S.Zero, q4 = S.Zero;
                V rp = S.Zero, rq = S.Zero, ap = S.Zero, aq = S.Zero;
                float* dh0 = dhpad + (long)co * pw + 2 * d, dh1 = dh0 + pw;
                float* g0 = gb + (long)co * tv, g1 = g0 + tv;
                for (int t = 0; t < tv; t += vl)
                {
                    var x0 = S.Load(xr + t); var x1 = S.Load(xr + t + d); var x2 = S.Load(xr + t + 2 * d); var x3 = S.Load(xr + t + 3 * d); var x4 = S.Load(xr + t + 4 * d);
                    var av = S.Load(ar + t);
                    var u = S.Load(dh0 + t);
                    p0 = S.Fma(u, x0, p0); p1 = S.Fma(u, x1, p1); p2 = S.Fma(u, x2, p2); p3 = S.Fma(u, x3, p3); p4 = S.Fma(u, x4, p4);
                    u = S.Load(dh1 + t);
                    q0 = S.Fma(u, x0, q0); q1 = S.Fma(u, x1, q1); q2 = S.Fma(u, x2, q2); q3 = S.Fma(u, x3, q3); q4 = S.Fma(u, x4, q4);
                    u = S.Load(g0 + t);
                    rp = S.Fma(u, x2, rp); ap = S.Fma(u, av, ap);
                    u = S.Load(g1 + t);
                    rq = S.Fma(u, x2, rq); aq = S.Fma(u, av, aq);
                }
                double* w0 = dwAcc + (co * C + ci) * K, w1 = w0 + C * K;
                w0[0] += S.Sum(p0); w0[1] += S.Sum(p1); w0[2] += S.Sum(p2); w0[3] += S.Sum(p3); w0[4] += S.Sum(p4);
                w1[0] += S.Sum(q0); w1[1] += S.Sum(q1); w1[2] += S.Sum(q2); w1[3] += S.Sum(q3); w1[4] += S.Sum(q4);
                dwrAcc[co * C + ci] += S.Sum(rp); dwrAcc[(co + 1) * C + ci] += S.Sum(rq);
                dw2Acc[co * C + ci] += S.Sum(ap); dw2Acc[(co + 1) * C + ci] += S.Sum(aq);
            }
        }
    }

    /// <summary>dx[ci, t] = Σ_co wres[co, ci] · g[co, t] + Σ_co,k w[co, ci, k] · dh[co, t − (k − 2)d]</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient<S, V>(Shape s, float* dhpad, float* gb, float* wD, float* wrD, float* dxb) where S : struct, ISimd<V> where V : unmanaged
    {
        int vl = S.Count, d = s.Dilation, pw = s.PadWidth, tv = s.Vec;
        for (int t = 0; t < tv; t += vl)
        {
            V a0 = S.Zero, a1 = S.Zero, a2 = S.Zero, a3 = S.Zero, a4 = S.Zero, a5 = S.Zero, a6 = S.Zero, a7 = S.Zero, a8 = S.Zero, a9 = S.Zero, a10 = S.Zero, a11 = S.Zero, a12 = S.Zero, a13 = S.Zero, a14 = S.Zero, a15 = S.Zero;
            for (int co = 0; co < C; co++)
            {
                var gv = S.Load(gb + co * tv + t);
                float* wr = wrD + co * C;
                a0 = S.Fma(S.Create(wr[0]), gv, a0);
                a1 = S.Fma(S.Create(wr[1]), gv, a1);
                a2 = S.Fma(S.Create(wr[2]), gv, a2);
                a3 = S.Fma(S.Create(wr[3]), gv, a3);
                a4 = S.Fma(S.Create(wr[4]), gv, a4);
                a5 = S.Fma(S.Create(wr[5]), gv, a5);
                a6 = S.Fma(S.Create(wr[6]), gv, a6);
                a7 = S.Fma(S.Create(wr[7]), gv, a7);
                a8 = S.Fma(S.Create(wr[8]), gv, a8);
                a9 = S.Fma(S.Create(wr[9]), gv, a9);
                a10 = S.Fma(S.Create(wr[10]), gv, a10);
                a11 = S.Fma(S.Create(wr[11]), gv, a11);
                a12 = S.Fma(S.Create(wr[12]), gv, a12);
                a13 = S.Fma(S.Create(wr[13]), gv, a13);
                a14 = S.Fma(S.Create(wr[14]), gv, a14);
                a15 = S.Fma(S.Create(wr[15]), gv, a15);
                float* dhr = dhpad + (long)co * pw + t;
                for (int k = 0; k < K; k++)
                {
                    var dv = S.Load(dhr + (K - 1 - k) * d);
                    float* wk = wD + (co * K + k) * C;
                    a0 = S.Fma(S.Create(wk[0]), dv, a0);
                    a1 = S.Fma(S.Create(wk[1]), dv, a1);
                    a2 = S.Fma(S.Create(wk[2]), dv, a2);
                    a3 = S.Fma(S.Create(wk[3]), dv, a3);
                    a4 = S.Fma(S.Create(wk[4]), dv, a4);
                    a5 = S.Fma(S.Create(wk[5]), dv, a5);
                    a6 = S.Fma(S.Create(wk[6]), dv, a6);
                    a7 = S.Fma(S.Create(wk[7]), dv, a7);
                    a8 = S.Fma(S.Create(wk[8]), dv, a8);
                    a9 = S.Fma(S.Create(wk[9]), dv, a9);
                    a10 = S.Fma(S.Create(wk[10]), dv, a10);
                    a11 = S.Fma(S.Create(wk[11]), dv, a11);
                    a12 = S.Fma(S.Create(wk[12]), dv, a12);
                    a13 = S.Fma(S.Create(wk[13]), dv, a13);
                    a14 = S.Fma(S.Create(wk[14]), dv, a14);
                    a15 = S.Fma(S.Create(wk[15]), dv, a15);
                }
            }
            S.Store(a0, dxb + 0 * tv + t);
            S.Store(a1, dxb + 1 * tv + t);
            S.Store(a2, dxb + 2 * tv + t);
            S.Store(a3, dxb + 3 * tv + t);
            S.Store(a4, dxb + 4 * tv + t);
            S.Store(a5, dxb + 5 * tv + t);
            S.Store(a6, dxb + 6 * tv + t);
            S.Store(a7, dxb + 7 * tv + t);
            S.Store(a8, dxb + 8 * tv + t);
            S.Store(a9, dxb + 9 * tv + t);
            S.Store(a10, dxb + 10 * tv + t);
            S.Store(a11, dxb + 11 * tv + t);
            S.Store(a12, dxb + 12 * tv + t);
            S.Store(a13, dxb + 13 * tv + t);
            S.Store(a14, dxb + 14 * tv + t);
            S.Store(a15, dxb + 15 * tv + t);
        }
    }
}
