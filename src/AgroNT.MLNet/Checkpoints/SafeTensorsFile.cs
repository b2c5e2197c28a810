using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A <c>.safetensors</c> file, memory-mapped: an 8-byte little-endian header length, a JSON header (each tensor's
/// <c>dtype</c>, <c>shape</c> and <c>data_offsets</c>, plus optional string <c>__metadata__</c>), then the raw
/// little-endian data. Opening validates the whole header against the file (offsets inside the data, sizes that match
/// shape and type, no overlaps) without reading any tensor data.
/// </summary>
public sealed class SafeTensorsFile : CheckpointReader
{
    /// <summary>The safetensors format's own limit on the header size; anything larger is corrupt.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private readonly MappedFile _file;
    private readonly Dictionary<string, long> _offsets;

    private SafeTensorsFile(MappedFile file, IReadOnlyList<CheckpointTensorInfo> tensors, Dictionary<string, long> offsets,
        IReadOnlyDictionary<string, string> metadata, long dataStart)
        : base(file.Path, CheckpointFormat.SafeTensors, tensors)
    {
        _file = file;
        _offsets = offsets;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The header's <c>__metadata__</c> (Hugging Face writes <c>{"format": "pt"}</c>); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The byte offset where tensor data begins: 8 plus the header length.</summary>
    public long DataStart { get; }

    /// <summary>Maps <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is cut short, its header is corrupt, or a dtype is unsupported.</exception>
    public static SafeTensorsFile Open(string path)
    {
        MappedFile file = MappedFile.Open(path);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    internal override TensorSource GetSource(string name)
    {
        CheckpointTensorInfo info = GetTensorInfo(name);
        return new TensorSource(_file, DataStart + _offsets[name], info.DType, info.Shape.ToArray());
    }

    private protected override void DisposeCore() => _file.Dispose();

    private static SafeTensorsFile Parse(MappedFile file)
    {
        if (file.Length < 8)
        {
            throw new CheckpointFormatException(file.Path,
                $"the file is {file.Length} bytes, shorter than the 8-byte header length that starts a safetensors " +
                "file: it was cut short. Download it again.");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.ReadBytes(0, 8));
        if (headerLength > (ulong)(file.Length - 8))
        {
            throw new CheckpointFormatException(file.Path,
                $"the header length field says {headerLength} bytes, but only {file.Length - 8} follow it: the file " +
                "was cut short or is not a safetensors file. Download it again.");
        }
        if (headerLength > MaxHeaderBytes || headerLength < 2)
        {
            throw new CheckpointFormatException(file.Path,
                $"a header of {headerLength} bytes is outside what safetensors allows (2 to {MaxHeaderBytes}): the file " +
                "is corrupt or not a safetensors file.");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = file.Length - dataStart;
        byte[] header = file.ReadBytes(8, (int)headerLength);

        // JsonDocument accepts invalid UTF-8 inside strings and fails only when a name is read; check it up front.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new CheckpointFormatException(file.Path, "the JSON header is not valid UTF-8; the file is damaged. Download it again.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(file.Path,
                $"the JSON header is corrupt ({e.Message}); the file is damaged. Download it again.", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(file.Path, "the header is not a JSON object; the file is corrupt.");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<(CheckpointTensorInfo Info, long Begin, long End)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new CheckpointFormatException(file.Path, $"the header names '{property.Name}' twice; the file is corrupt.");
                }
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(file, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(file, property.Name, property.Value, dataLength));
                }
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (int i = 1; i < entries.Count; i++)
            {
                if (entries[i].Begin < entries[i - 1].End)
                {
                    throw new CheckpointFormatException(file.Path,
                        $"the data of '{entries[i - 1].Info.Name}' [{entries[i - 1].Begin}, {entries[i - 1].End}) and " +
                        $"'{entries[i].Info.Name}' [{entries[i].Begin}, {entries[i].End}) overlap; the header is corrupt.");
                }
            }
            var offsets = entries.ToDictionary(e => e.Info.Name, e => e.Begin, StringComparer.Ordinal);
            return new SafeTensorsFile(file, entries.Select(e => e.Info).ToList(), offsets, metadata, dataStart);
        }
    }

    private static void ReadMetadata(MappedFile file, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(file.Path, "__metadata__ is not a JSON object of strings; the header is corrupt.");
        }
        foreach (JsonProperty item in value.EnumerateObject())
        {
            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String
                ? item.Value.GetString()!
                : throw new CheckpointFormatException(file.Path, $"__metadata__ '{item.Name}' is not a string; the header is corrupt.");
        }
    }

    private static (CheckpointTensorInfo Info, long Begin, long End) ReadEntry(MappedFile file, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(file.Path,
                $"the header entry of '{name}' lacks dtype, shape or a [begin, end] data_offsets pair; the header is corrupt.");
        }
        string dtypeName = dtypeElement.GetString()!;
        if (!CheckpointDTypes.TryParseSafeTensors(dtypeName, out ScalarType dtype))
        {
            throw new CheckpointFormatException(file.Path,
                $"the tensor '{name}' has dtype {dtypeName}, which TorchSharp cannot hold (supported: F64, F32, F16, BF16, " +
                "I64, I32, I16, I8, U8, BOOL). Convert it in Python first, e.g. to F32 or BF16.");
        }
        var shape = new List<long>();
        foreach (JsonElement dimension in shapeElement.EnumerateArray())
        {
            shape.Add(ReadNonNegative(file, name, dimension, "shape"));
        }
        long begin = ReadNonNegative(file, name, offsetsElement[0], "data_offsets");
        long end = ReadNonNegative(file, name, offsetsElement[1], "data_offsets");
        var info = new CheckpointTensorInfo(name, dtype, shape);
        long expected;
        try
        {
            expected = checked(info.ElementCount * CheckpointDTypes.ElementSize(dtype));
        }
        catch (OverflowException e)
        {
            throw new CheckpointFormatException(file.Path, $"the shape of '{name}' is absurdly large; the header is corrupt.", e);
        }
        if (end < begin || end - begin != expected)
        {
            throw new CheckpointFormatException(file.Path,
                $"the tensor '{name}' ({dtypeName} {CheckpointTensorInfo.FormatShape(shape)}) needs {expected} bytes, but " +
                $"its data_offsets [{begin}, {end}) span {end - begin}; the header is corrupt.");
        }
        if (end > dataLength)
        {
            throw new CheckpointFormatException(file.Path,
                $"the tensor '{name}' needs data bytes [{begin}, {end}), but the file holds only {dataLength} bytes of data: " +
                "it was cut short (an interrupted download?). Download it again.");
        }
        return (info, begin, end);
    }

    private static long ReadNonNegative(MappedFile file, string name, JsonElement element, string field) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long value) && value >= 0
            ? value
            : throw new CheckpointFormatException(file.Path, $"the {field} of '{name}' holds {element}, not a non-negative integer; the header is corrupt.");
}
