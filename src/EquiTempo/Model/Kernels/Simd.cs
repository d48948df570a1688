using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EquiTempo.Model.Kernels;

/// <summary>
/// The float-vector operations the hand-written conv kernels use, over a vector type <typeparamref name="V"/>.
/// </summary>
/// <remarks>
/// Why not <see cref="System.Numerics.Vector{T}"/>: on AVX-512 machines .NET sizes it at 256 bits unless the
/// process starts with <c>DOTNET_MaxVectorTBitWidth=512</c> (an environment variable a library cannot set),
/// and the 512-bit form of these kernels measured 25–40 % faster here. .NET's own generic vector interface
/// (ISimdVector) is not public, so this one names the few operations needed; each implementation is an
/// empty struct, so a kernel written once against it is compiled separately, and fully inlined, per width.
/// </remarks>
internal unsafe interface ISimd<V> where V : unmanaged
{
    static abstract bool IsAccelerated { get; }
    static abstract int Count { get; }
    static abstract V Zero { get; }
    static abstract V One { get; }
    static abstract V Create(float value);
    static abstract V Load(float* p);
    static abstract void Store(V v, float* p);
    static abstract V Add(V a, V b);
    static abstract V Subtract(V a, V b);
    static abstract V Multiply(V a, V b);
    /// <summary>a · b + c, rounded once.</summary>
    static abstract V Fma(V a, V b, V c);
    static abstract V Min(V a, V b);
    static abstract V GreaterThan(V a, V b);
    static abstract V AndNot(V a, V b);
    static abstract V Select(V mask, V ifTrue, V ifFalse);
    static abstract V Exp(V a);
    static abstract float Sum(V a);
}

internal unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> One => Vector512<float>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThan(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> AndNot(Vector512<float> a, Vector512<float> b) => Vector512.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> m, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Exp(Vector512<float> a) => Vector512.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> a) => Vector512.Sum(a);
}

internal unsafe struct Simd256 : ISimd<Vector256<float>>
{
    public static bool IsAccelerated => Vector256.IsHardwareAccelerated;
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> One => Vector256<float>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AndNot(Vector256<float> a, Vector256<float> b) => Vector256.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> m, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Exp(Vector256<float> a) => Vector256.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> a) => Vector256.Sum(a);
}

internal unsafe struct Simd128 : ISimd<Vector128<float>>
{
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    public static Vector128<float> One => Vector128<float>.One;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> GreaterThan(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> AndNot(Vector128<float> a, Vector128<float> b) => Vector128.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Select(Vector128<float> m, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(m, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Exp(Vector128<float> a) => Vector128.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> a) => Vector128.Sum(a);
}

/// <summary>Which width a kernel runs at on this machine: the widest the hardware accelerates, none if none.</summary>
internal enum SimdWidth { None, W128, W256, W512 }

internal static class SimdDispatch
{
    public static readonly SimdWidth Best =
        Simd512.IsAccelerated ? SimdWidth.W512 : Simd256.IsAccelerated ? SimdWidth.W256 : Simd128.IsAccelerated ? SimdWidth.W128 : SimdWidth.None;

    /// <summary>Whether a kernel call must go through its autograd function. Calls that need no gradient
    /// (inference, validation) run the forward kernel directly: no autograd node, nothing saved, and none
    /// of TorchSharp's custom-function bookkeeping, whose no-gradient path has had crash fixes of its own
    /// (dotnet/TorchSharp#1220).</summary>
    public static bool NeedsGradient(params TorchSharp.torch.Tensor[] inputs) =>
        TorchSharp.torch.is_grad_enabled() && inputs.Any(t => t.requires_grad);
}
