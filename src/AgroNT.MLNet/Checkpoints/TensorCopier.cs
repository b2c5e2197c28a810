using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>Where one tensor's bytes lie in a mapped weight file.</summary>
/// <param name="File">The mapped file.</param>
/// <param name="Offset">
/// The byte offset of the tensor's first element (contiguous case), or of its storage's first element when
/// <paramref name="Stride"/> is set.
/// </param>
/// <param name="DType">The element type in the file.</param>
/// <param name="Shape">The tensor's dimensions.</param>
/// <param name="Stride">Element strides for a non-contiguous view of a storage; <see langword="null"/> when C-contiguous.</param>
/// <param name="StorageOffset">With <paramref name="Stride"/>: the view's first element, counted from the storage's start.</param>
internal sealed record TensorSource(MappedFile File, long Offset, ScalarType DType, long[] Shape, long[]? Stride = null, long StorageOffset = 0)
{
    /// <summary>The zip entry holding the bytes, with its CRC-32, for a <c>pytorch_model.bin</c>; else <see langword="null"/>.</summary>
    public StoredEntry? Entry { get; init; }

    /// <summary>The tensor's name, for error messages.</summary>
    public string Name { get; init; } = "";
}

/// <summary>
/// Copies tensor data from a mapped weight file into TorchSharp tensors, a bounded window at a time: same type on
/// the CPU goes straight from the map into the destination's memory; anything else (fp16/bf16/fp64 sources, a bf16
/// destination, a GPU destination) passes through one reusable staging buffer of at most a window, and libtorch's
/// <c>copy_</c> converts it, with its own rounding rules (round-to-nearest-even to bf16).
/// </summary>
internal static unsafe class TensorCopier
{
    /// <summary>The default window: 16 MiB keeps the mapped (and staged) extra memory negligible beside 4 GB of weights.</summary>
    public const long DefaultChunkBytes = 16L << 20;

    private const long MaxChunkBytes = 1L << 30;

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, whose shape the caller has checked.</summary>
    public static void Copy(TensorSource source, Tensor destination, long chunkBytes, CancellationToken cancellationToken)
    {
        if (CheckpointTensorInfo.ElementCountOf(source.Shape) == 0)
        {
            return;
        }
        using IDisposable noGrad = torch.no_grad();
        System.IO.Hashing.Crc32? crc = null;
        if (source.Entry is { Verified: false } entry)
        {
            // The common case, a tensor that is its whole storage, is checked over the windows the copy maps; a view of
            // part of a storage (or of a shared one) has the storage checked first, once.
            bool wholeEntry = source.Stride is null && source.Offset == entry.Offset
                && CheckpointTensorInfo.ElementCountOf(source.Shape) * CheckpointDTypes.ElementSize(source.DType) == entry.Length;
            if (wholeEntry && destination.is_contiguous())
            {
                crc = new System.IO.Hashing.Crc32();
            }
            else
            {
                VerifyEntry(source, entry, chunkBytes, cancellationToken);
            }
        }

        if (source.Stride is { } stride)
        {
            CopyStrided(source, stride, destination, chunkBytes, cancellationToken);
        }
        else if (!destination.is_contiguous())
        {
            // Rare (a transposed view as a target): stage the tensor once, contiguous, then let libtorch scatter it.
            using Tensor staging = torch.empty(source.Shape, destination.dtype);
            CopyContiguous(source, staging, chunkBytes, cancellationToken);
            destination.copy_(staging);
        }
        else
        {
            CopyContiguous(source, destination, chunkBytes, cancellationToken, crc);
            if (crc is not null)
            {
                source.Entry!.Verify(crc.GetCurrentHashAsUInt32(), source.File.Path, source.Name);
            }
        }
    }

    private static void VerifyEntry(TensorSource source, StoredEntry entry, long chunkBytes, CancellationToken cancellationToken)
    {
        var crc = new System.IO.Hashing.Crc32();
        long window = Math.Clamp(chunkBytes, 1, MaxChunkBytes);
        for (long start = 0; start < entry.Length; start += window)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using MappedWindow mapped = source.File.Map(entry.Offset + start, Math.Min(window, entry.Length - start));
            crc.Append(mapped.Span);
        }
        entry.Verify(crc.GetCurrentHashAsUInt32(), source.File.Path, source.Name);
    }

    private static void CopyStrided(TensorSource source, long[] stride, Tensor destination, long chunkBytes, CancellationToken cancellationToken)
    {
        // A non-contiguous view in a .bin (torch.save keeps views as views): stage the span of the storage it covers.
        long span = 1;
        for (int i = 0; i < source.Shape.Length; i++)
        {
            span += (source.Shape[i] - 1) * stride[i];
        }
        int elementSize = CheckpointDTypes.ElementSize(source.DType);
        using Tensor staging = torch.empty(span, source.DType);
        var spanSource = new TensorSource(source.File, source.Offset + source.StorageOffset * elementSize, source.DType, [span]);
        CopyContiguous(spanSource, staging, chunkBytes, cancellationToken);
        using Tensor view = staging.as_strided(source.Shape, stride, 0);
        destination.copy_(view);
    }

    private static void CopyContiguous(TensorSource source, Tensor destination, long chunkBytes, CancellationToken cancellationToken, System.IO.Hashing.Crc32? crc = null)
    {
        int elementSize = CheckpointDTypes.ElementSize(source.DType);
        long count = CheckpointTensorInfo.ElementCountOf(source.Shape);
        long chunkElements = Math.Max(1, Math.Clamp(chunkBytes, elementSize, MaxChunkBytes) / elementSize);
        bool direct = destination.dtype == source.DType && destination.device_type == DeviceType.CPU;
        // float32 into a bfloat16 CPU tensor (a bf16 load of an fp32 checkpoint): converted straight from the mapped
        // window into the destination, in parallel blocks, with libtorch's rounding; no staging copy.
        bool toBFloat16 = source.DType == ScalarType.Float32 && destination.dtype == ScalarType.BFloat16 && destination.device_type == DeviceType.CPU;

        using Tensor flat = destination.view(-1);
        using Tensor? staging = direct || toBFloat16 ? null : torch.empty(Math.Min(chunkElements, count), source.DType);
        for (long start = 0; start < count; start += chunkElements)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long n = Math.Min(chunkElements, count - start);
            using MappedWindow window = source.File.Map(source.Offset + start * elementSize, n * elementSize);
            using Tensor slice = flat.narrow(0, start, n);
            crc?.Append(window.Span);
            if (direct)
            {
                window.Span.CopyTo(slice.bytes);
            }
            else if (toBFloat16)
            {
                WeightKernels.Float32ToBFloat16(window.Pointer, (byte*)WeightKernels.DataPointer(slice), n);
            }
            else
            {
                using Tensor part = staging!.narrow(0, 0, n);
                window.Span.CopyTo(part.bytes);
                slice.copy_(part);
            }
        }
    }
}
