using System.Collections.Concurrent;
using TorchSharp;

namespace AgroNT.MLNet.Native;

/// <summary>
/// TorchSharp <see cref="Scalar"/>s that live for the whole process, for the numbers our tensor code passes to libtorch.
/// </summary>
/// <remarks>
/// TorchSharp turns a number argument, and the implicit <c>alpha = 1</c> of <c>add(tensor)</c>,
/// into a temporary <see cref="Scalar"/>. Once its native handle has been read the managed object is unreachable, so
/// a garbage collection during the native call can run its finalizer, which frees the native scalar on the finalizer
/// thread while libtorch is still reading it: libtorch then fails in <c>c10::Scalar::toFloat</c> ("Expected false to be
/// true"). We met it under load, featurizing on ML.NET's cache thread while LightGBM allocated. Passing scalars that are
/// always reachable removes the race. Values are cached by their bit pattern; callers pass a handful of constants
/// (per-step values such as a loss denominator use a local <c>using</c> scalar instead, which stays reachable until
/// disposed).
/// </remarks>
internal static class TorchScalars
{
    private static readonly ConcurrentDictionary<double, Scalar> s_reals = new();
    private static readonly ConcurrentDictionary<long, Scalar> s_integers = new();

    /// <summary>The integer 1: the <c>alpha</c> of a plain <c>add</c> (valid for floating and integer tensors).</summary>
    public static Scalar One { get; } = Integer(1);

    /// <summary>A cached floating-point scalar.</summary>
    public static Scalar Real(double value) => s_reals.GetOrAdd(value, static v => v.ToScalar());

    /// <summary>A cached integer scalar (for integer tensors).</summary>
    public static Scalar Integer(long value) => s_integers.GetOrAdd(value, static v => v.ToScalar());
}
