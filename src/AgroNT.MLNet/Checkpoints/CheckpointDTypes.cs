using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// The element types the checkpoint formats name, mapped to TorchSharp's <see cref="ScalarType"/>: safetensors'
/// dtype strings (<c>F32</c>, <c>BF16</c>, ...) and PyTorch's legacy storage class names (<c>FloatStorage</c>, ...).
/// </summary>
internal static class CheckpointDTypes
{
    /// <summary>Maps a safetensors dtype string to a TorchSharp element type.</summary>
    /// <returns><see langword="false"/> for dtypes TorchSharp cannot hold (U16, U32, U64, F8_*) and unknown names.</returns>
    public static bool TryParseSafeTensors(string name, out ScalarType dtype)
    {
        (bool ok, dtype) = name switch
        {
            "F64" => (true, ScalarType.Float64),
            "F32" => (true, ScalarType.Float32),
            "F16" => (true, ScalarType.Float16),
            "BF16" => (true, ScalarType.BFloat16),
            "I64" => (true, ScalarType.Int64),
            "I32" => (true, ScalarType.Int32),
            "I16" => (true, ScalarType.Int16),
            "I8" => (true, ScalarType.Int8),
            "U8" => (true, ScalarType.Byte),
            "BOOL" => (true, ScalarType.Bool),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>The safetensors dtype string of a TorchSharp element type.</summary>
    /// <exception cref="NotSupportedException">Complex and quantized types, which safetensors files from Hugging Face never hold.</exception>
    public static string ToSafeTensorsName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Element type {dtype} has no safetensors equivalent that this library writes."),
    };

    /// <summary>Maps the name of a <c>torch.*Storage</c> class, as torch.save pickles it, to an element type.</summary>
    public static bool TryParseStorageClass(string name, out ScalarType dtype)
    {
        (bool ok, dtype) = name switch
        {
            "FloatStorage" => (true, ScalarType.Float32),
            "HalfStorage" => (true, ScalarType.Float16),
            "BFloat16Storage" => (true, ScalarType.BFloat16),
            "DoubleStorage" => (true, ScalarType.Float64),
            "LongStorage" => (true, ScalarType.Int64),
            "IntStorage" => (true, ScalarType.Int32),
            "ShortStorage" => (true, ScalarType.Int16),
            "CharStorage" => (true, ScalarType.Int8),
            "ByteStorage" => (true, ScalarType.Byte),
            "BoolStorage" => (true, ScalarType.Bool),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Int8 or ScalarType.Byte or ScalarType.Bool => 1,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new NotSupportedException($"Element type {dtype} is not supported by the checkpoint readers."),
    };
}
