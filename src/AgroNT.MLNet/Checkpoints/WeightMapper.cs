using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// Points CPU tensors at a weight file's pages instead of copying (<see cref="CheckpointLoadOptions.MapWeights"/>):
/// each file is mapped once per element type, whole, by libtorch (<c>torch.from_file</c>, not shared: a private copy-on-write map of
/// a read-only descriptor), and each tensor becomes a view of its elements in that map. libtorch's storage
/// reference count keeps the map alive for as long as any view lives; disposing the mapper drops only its own
/// reference.
/// </summary>
internal sealed class WeightMapper : IDisposable
{
    private readonly Dictionary<(string Path, ScalarType DType), Tensor> _files = [];

    /// <summary>Whether this platform maps (Linux: libtorch's private file maps are what the tests check there).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// Re-points <paramref name="target"/> at <paramref name="source"/>'s bytes when that needs no conversion: a plain
    /// contiguous tensor of a safetensors file (no zip entry to check, no stride), the same element type, a CPU
    /// target, and data aligned to the element size. Returns whether it did; if not, the caller copies.
    /// </summary>
    public bool TryPoint(TensorSource source, Tensor target)
    {
        int elementSize = CheckpointDTypes.ElementSize(source.DType);
        long count = CheckpointTensorInfo.ElementCountOf(source.Shape);
        if (!IsSupported || source.Entry is not null || source.Stride is not null || count == 0
            || target.device_type != DeviceType.CPU || target.dtype != source.DType || !target.is_contiguous()
            || source.Offset % elementSize != 0)
        {
            return false;
        }
        // One map per file and element type (in practice one: float32), viewed as a flat tensor of that type.
        if (!_files.TryGetValue((source.File.Path, source.DType), out Tensor? elements))
        {
            elements = torch.from_file(source.File.Path, shared: false, size: source.File.Length / elementSize, dtype: source.DType);
            _files.Add((source.File.Path, source.DType), elements);
        }
        using IDisposable noGrad = torch.no_grad();
        using Tensor slice = elements.narrow(0, source.Offset / elementSize, count);
        using Tensor shaped = slice.view(source.Shape);
        Tensor result = target.set_(shaped);
        if (!ReferenceEquals(result, target))
        {
            result.Dispose(); // a second handle on the same tensor (TorchSharp versions differ); the target stays valid
        }
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (Tensor bytes in _files.Values)
        {
            bytes.Dispose();
        }
        _files.Clear();
    }
}
