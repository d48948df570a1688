using System.Collections.Concurrent;
using TorchSharp;

namespace EquiTempo.Model;

/// <summary>
/// LibTorch scalars that live as long as the process. Why: TorchSharp turns a number passed where LibTorch wants
/// a Scalar (an op's alpha, <c>a + b</c> for two tensors, <c>clamp_min(0)</c>, <c>mul_(10.0)</c>) into a new
/// <see cref="Scalar"/> whose finalizer frees the native value, then reads its handle and calls LibTorch without
/// keeping it alive (dotnet/TorchSharp#1496). A garbage collection during that call can free the value LibTorch
/// is reading: `eval` of the development sets failed with "Expected false to be true ... toFloat at
/// c10/core/Scalar.h" in ELU (session 5) and in a residual block's <c>b2 + br</c> (session 6). Pass these instead
/// of numbers on every path that runs per chunk or per step; for a value computed at run time, hold the Scalar in
/// a <c>using</c> variable, which keeps it reachable until the call has returned.
/// </summary>
public static class HeldScalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Constants = new();

    public static readonly Scalar One = Of(1.0);
    public static readonly Scalar Zero = Of(0.0);

    /// <summary>The process-wide Scalar of a constant (one native value per distinct constant; use for literals
    /// and settings, not for values that change with the data).</summary>
    public static Scalar Of(double value) => Constants.GetOrAdd(value, v => v.ToScalar());
}
