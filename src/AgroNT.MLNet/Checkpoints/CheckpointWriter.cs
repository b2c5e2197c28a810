using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// Writes tensors in Hugging Face's safetensors format, which transformers' <c>from_pretrained</c> reads unchanged:
/// <c>__metadata__</c> <c>{"format": "pt"}</c>, names sorted, data contiguous in header order, the header padded with
/// spaces so the data starts 8-byte aligned. Data is streamed tensor by tensor (a GPU or non-contiguous tensor is
/// copied to a contiguous CPU tensor first, one at a time) into a temporary file that is renamed into place when
/// complete, so a crash never leaves a half-written checkpoint under the real name.
/// </summary>
public static class CheckpointWriter
{
    private const int WriteChunkBytes = 16 << 20;

    /// <summary>Writes <paramref name="tensors"/> to the safetensors file <paramref name="path"/> (replacing it).</summary>
    /// <param name="tensors">Name and tensor pairs; names must be unique and non-empty.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="metadata">
    /// String metadata for the header; <c>"format": "pt"</c> is added unless given (transformers requires it).
    /// </param>
    /// <exception cref="ArgumentException">A duplicate, empty or reserved name.</exception>
    /// <exception cref="NotSupportedException">A tensor type safetensors cannot hold (complex, quantized).</exception>
    public static void SaveSafeTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path, IDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        List<Entry> entries = Order(tensors.Select(pair =>
        {
            ArgumentNullException.ThrowIfNull(pair.Value, pair.Key);
            byName.TryAdd(pair.Key ?? "", pair.Value);
            return new Entry(pair.Key ?? "", pair.Value.dtype, pair.Value.shape);
        }));
        WriteAtomically(Path.GetFullPath(path), stream => WriteSafeTensors(stream, entries, metadata, e => (byName[e.Name], false)));
    }

    /// <summary>
    /// Writes a safetensors file whose tensors are produced one at a time, in the order their data is written, and
    /// disposed as soon as each is written: memory stays at one tensor however large the checkpoint. Converting a
    /// <c>pytorch_model.bin</c> is <c>SaveSafeTensors(reader.Tensors, t =&gt; reader.ReadTensor(t.Name), path)</c>.
    /// </summary>
    /// <param name="layout">Name, element type and shape of every tensor (no data is needed up front).</param>
    /// <param name="produce">
    /// Returns the tensor for one layout entry, with exactly that type and shape. The writer disposes it, so return a
    /// new tensor (<c>alias()</c> one you keep).
    /// </param>
    /// <param name="path">The file to write.</param>
    /// <param name="metadata">String metadata for the header; <c>"format": "pt"</c> is added unless given.</param>
    /// <exception cref="InvalidOperationException"><paramref name="produce"/> returned a tensor that does not fit its entry.</exception>
    public static void SaveSafeTensors(
        IEnumerable<CheckpointTensorInfo> layout,
        Func<CheckpointTensorInfo, Tensor> produce,
        string path,
        IDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var infos = new Dictionary<string, CheckpointTensorInfo>(StringComparer.Ordinal);
        List<Entry> entries = Order(layout.Select(info =>
        {
            ArgumentNullException.ThrowIfNull(info);
            infos.TryAdd(info.Name, info);
            return new Entry(info.Name, info.DType, info.Shape.ToArray());
        }));
        WriteAtomically(Path.GetFullPath(path), stream => WriteSafeTensors(stream, entries, metadata, entry =>
        {
            Tensor tensor = produce(infos[entry.Name]) ?? throw new InvalidOperationException($"The producer returned no tensor for '{entry.Name}'.");
            if (tensor.dtype != entry.DType || !tensor.shape.SequenceEqual(entry.Shape))
            {
                string problem = $"The producer returned {tensor.dtype} {CheckpointTensorInfo.FormatShape(tensor.shape)} for " +
                    $"'{entry.Name}', whose layout says {entry.DType} {CheckpointTensorInfo.FormatShape(entry.Shape)}.";
                tensor.Dispose();
                throw new InvalidOperationException(problem);
            }
            return (tensor, true);
        }));
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> into <paramref name="folder"/> as Hugging Face does for large models: shards of
    /// at most <paramref name="maxShardBytes"/> (a larger single tensor gets a shard of its own) named
    /// <c>model-00001-of-0000N.safetensors</c>, and <c>model.safetensors.index.json</c> mapping each name to its shard.
    /// When everything fits in one shard it writes a plain <c>model.safetensors</c> and no index. A stale
    /// <c>model.safetensors</c> or index that would shadow or contradict the new files is deleted.
    /// </summary>
    /// <returns>The files written, shards first, the index last.</returns>
    public static IReadOnlyList<string> SaveShardedSafeTensors(
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        string folder,
        long maxShardBytes,
        IDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        string root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);

        var shards = new List<List<KeyValuePair<string, Tensor>>>();
        long current = 0;
        foreach (KeyValuePair<string, Tensor> pair in tensors.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            ArgumentNullException.ThrowIfNull(pair.Value, pair.Key);
            long bytes = pair.Value.numel() * pair.Value.element_size();
            if (shards.Count == 0 || (current > 0 && current + bytes > maxShardBytes))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(pair);
            current += bytes;
        }

        string single = Path.Combine(root, "model.safetensors");
        string index = Path.Combine(root, "model.safetensors.index.json");
        if (shards.Count <= 1)
        {
            SaveSafeTensors(shards.Count == 0 ? [] : shards[0], single, metadata);
            File.Delete(index);
            return [single];
        }

        var written = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SaveSafeTensors(shards[i], Path.Combine(root, name), metadata);
            written.Add(Path.Combine(root, name));
            foreach ((string key, Tensor tensor) in shards[i])
            {
                weightMap[key] = name;
                totalSize += tensor.numel() * tensor.element_size();
            }
        }
        WriteAtomically(index, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach ((string key, string shard) in weightMap)
            {
                json.WriteString(key, shard);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        });
        File.Delete(single);
        written.Add(index);
        return written;
    }

    /// <summary>
    /// Validates names and orders entries as safetensors does: larger element types first (so every tensor's data is
    /// naturally aligned), then by name; for a single element type that is plain name order.
    /// </summary>
    private static List<Entry> Order(IEnumerable<Entry> entries)
    {
        var list = entries.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Entry entry in list)
        {
            if (string.IsNullOrEmpty(entry.Name) || entry.Name == "__metadata__" || !names.Add(entry.Name))
            {
                throw new ArgumentException($"The tensor name '{entry.Name}' is empty, reserved or used twice.", nameof(entries));
            }
            CheckpointDTypes.ToSafeTensorsName(entry.DType);
        }
        return list
            .OrderByDescending(e => CheckpointDTypes.ElementSize(e.DType))
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static void WriteSafeTensors(FileStream stream, List<Entry> entries, IDictionary<string, string>? metadata,
        Func<Entry, (Tensor Tensor, bool Owned)> tensorFor)
    {
        byte[] header = BuildHeader(entries, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        using IDisposable noGrad = torch.no_grad();
        foreach (Entry entry in entries)
        {
            (Tensor tensor, bool owned) = tensorFor(entry);
            try
            {
                WriteData(stream, tensor);
            }
            finally
            {
                if (owned)
                {
                    tensor.Dispose();
                }
            }
        }
    }

    private static byte[] BuildHeader(List<Entry> entries, IDictionary<string, string>? metadata)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
        {
            fields[key] = value;
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach ((string key, string value) in fields)
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            long offset = 0;
            foreach (Entry entry in entries)
            {
                long bytes = entry.ByteCount;
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", CheckpointDTypes.ToSafeTensorsName(entry.DType));
                json.WriteStartArray("shape");
                foreach (long dimension in entry.Shape)
                {
                    json.WriteNumberValue(dimension);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces (valid JSON whitespace) so that the data starts at a multiple of 8, as safetensors does.
        int padded = (int)((buffer.WrittenCount + 8 + 7) / 8 * 8 - 8);
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(FileStream stream, Tensor tensor)
    {
        long count = tensor.numel();
        if (count == 0)
        {
            return;
        }
        using var scope = torch.NewDisposeScope();
        Tensor source = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        if (!source.is_contiguous())
        {
            source = source.contiguous();
        }
        Tensor flat = source.view(-1);
        long chunk = Math.Max(1, WriteChunkBytes / tensor.element_size());
        for (long start = 0; start < count; start += chunk)
        {
            using Tensor slice = flat.narrow(0, start, Math.Min(chunk, count - start));
            stream.Write(slice.bytes);
        }
    }

    private static void WriteAtomically(string path, Action<FileStream> write) => Transforms.IO.StagedFile.Write(path, write);

    /// <summary>One tensor's header entry.</summary>
    private sealed record Entry(string Name, ScalarType DType, long[] Shape)
    {
        public long ByteCount => CheckpointTensorInfo.ElementCountOf(Shape) * CheckpointDTypes.ElementSize(DType);
    }
}
