using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>One tensor in a checkpoint, as its header or pickle describes it; reading this reads no tensor data.</summary>
/// <param name="Name">The state-dict key, e.g. <c>esm.encoder.layer.0.attention.self.query.weight</c>.</param>
/// <param name="DType">The element type stored in the file.</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
public sealed record CheckpointTensorInfo(string Name, ScalarType DType, IReadOnlyList<long> Shape)
{
    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => ElementCountOf(Shape);

    /// <summary>The number of bytes the tensor occupies in the file.</summary>
    public long ByteCount => ElementCount * CheckpointDTypes.ElementSize(DType);

    /// <summary>Equal when name, element type and every dimension are equal.</summary>
    public bool Equals(CheckpointTensorInfo? other) =>
        other is not null && Name == other.Name && DType == other.DType && Shape.SequenceEqual(other.Shape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, DType, Shape.Count);

    /// <summary><c>name: Float32 [4105, 64]</c>.</summary>
    public override string ToString() => $"{Name}: {DType} {FormatShape(Shape)}";

    /// <summary>Formats a shape as <c>[4105, 64]</c>.</summary>
    internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The product of the dimensions.</summary>
    internal static long ElementCountOf(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            count = checked(count * dimension);
        }
        return count;
    }
}
