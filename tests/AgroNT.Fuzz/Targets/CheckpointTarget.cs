using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.Tests.Common;
using TorchSharp;

namespace AgroNT.Fuzz.Targets;

/// <summary>
/// The safetensors and pickle (<c>pytorch_model.bin</c>) readers on the tiny fixture model's real files, mutated where
/// the parsers look: the safetensors length field and JSON header (byte by byte, and field by field with edge values:
/// huge, negative, overlapping and out-of-file offsets, overflowing shapes, unknown dtypes, duplicate names), the
/// pickle, the zip's local headers and central directory, and truncation anywhere.
/// </summary>
/// <remarks>
/// Invariants: opening throws only <see cref="CheckpointFormatException"/> (the file exists); a file that opens lists
/// unique names, non-negative shapes and byte counts whose sum fits in the file, and every tensor then reads (a
/// mis-validated offset would read outside the memory map) or is refused with <see cref="CheckpointFormatException"/>
/// (damaged data found while copying).
/// </remarks>
internal sealed class CheckpointTarget(Workspace workspace) : FuzzTarget
{
    private static readonly string[] DTypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "U16", "f32", ""];

    private readonly byte[] _safetensors = File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "model.safetensors"));
    private readonly byte[] _pytorch = File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "pytorch_model.bin"));

    public override string Name => TargetNames.Checkpoints;

    public override FuzzCase Generate(Random random)
    {
        var log = new List<string>();
        bool safetensors = random.Next(2) == 0;
        byte[] bytes = safetensors ? MutateSafeTensors(random, log) : MutatePyTorch(random, log);
        string fileName = random.Next(8) switch
        {
            0 => "weights.bin", // Auto detection by content
            _ => safetensors ? "model.safetensors" : "pytorch_model.bin",
        };
        return new CheckpointCase(fileName, bytes, safetensors, log);
    }

    public override string Run(FuzzCase input)
    {
        var c = (CheckpointCase)input;
        string path = workspace.PathFor(c.FileName);
        File.WriteAllBytes(path, c.Bytes);
        string outcome = Open(path, () => CheckpointReader.Open(path), c.Bytes.Length, readData: true);
        Open(path, () => c.WasSafeTensors ? SafeTensorsFile.Open(path) : PyTorchCheckpointFile.Open(path), c.Bytes.Length, readData: false);
        return outcome;
    }

    private static string Open(string path, Func<CheckpointReader> open, long fileLength, bool readData)
    {
        CheckpointReader reader;
        try
        {
            reader = open();
        }
        catch (CheckpointFormatException e)
        {
            Check(e.FilePath == path && e.Message.Length > 0, $"CheckpointFormatException names '{e.FilePath}', not the file opened");
            return "CheckpointFormatException";
        }
        using (reader)
        {
            Check(reader.Tensors.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() == reader.Tensors.Count, "the tensor list has a name twice");
            foreach (CheckpointTensorInfo tensor in reader.Tensors)
            {
                Check(tensor.Shape.All(d => d >= 0) && tensor.ByteCount >= 0 && tensor.ByteCount <= fileLength,
                    $"tensor {tensor}: a negative dimension or a byte count ({tensor.ByteCount}) outside the {fileLength}-byte file");
            }
            Check(reader.TotalBytes <= fileLength, $"the tensors claim {reader.TotalBytes} bytes of a {fileLength}-byte file");
            if (readData)
            {
                foreach (CheckpointTensorInfo tensor in reader.Tensors)
                {
                    try
                    {
                        using torch.Tensor data = reader.ReadTensor(tensor.Name);
                        Check(data.shape.SequenceEqual(tensor.Shape), $"ReadTensor({tensor.Name}) has shape [{string.Join(", ", data.shape)}]");
                    }
                    catch (CheckpointFormatException e)
                    {
                        // Damaged tensor data may be caught while copying (a zip entry's CRC-32, for one).
                        Check(e.FilePath == path && e.Message.Length > 0, $"CheckpointFormatException names '{e.FilePath}', not the file read");
                        return $"opened ({reader.Format}), data refused (CheckpointFormatException)";
                    }
                }
            }
            return $"opened ({reader.Format})";
        }
    }

    private byte[] MutateSafeTensors(Random random, List<string> log)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(_safetensors);
        int dataStart = 8 + headerLength;
        switch (random.Next(10))
        {
            case < 4:
                return Structured(random, log, headerLength);
            case < 8:
                log.Add("bytes in the length field and header");
                return Mutations.Mutate(random, _safetensors, log, maxCount: 3, from: 0, to: dataStart);
            case 8:
                {
                    int cut = random.Next(2) == 0 ? random.Next(dataStart + 16) : random.Next(_safetensors.Length);
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"truncate at {cut}"));
                    return _safetensors[..cut];
                }
            default:
                {
                    ulong length = random.Next(6) switch
                    {
                        0 => 0,
                        1 => 1,
                        2 => ulong.MaxValue,
                        3 => (ulong)(_safetensors.Length - 8),
                        4 => (ulong)headerLength + 1,
                        _ => (ulong)headerLength - 1,
                    };
                    byte[] bytes = (byte[])_safetensors.Clone();
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"length field := {length}"));
                    return bytes;
                }
        }
    }

    /// <summary>Rewrites the JSON header with one to three fields set to edge values, keeping the data after it.</summary>
    private byte[] Structured(Random random, List<string> log, int headerLength)
    {
        var header = JsonNode.Parse(_safetensors.AsSpan(8, headerLength))!.AsObject();
        long dataLength = _safetensors.Length - 8 - headerLength;
        List<string> names = [.. header.Select(p => p.Key).Where(k => k != "__metadata__")];
        int count = random.Next(1, 4);
        string? duplicate = null;
        for (int m = 0; m < count; m++)
        {
            string name = names[random.Next(names.Count)];
            JsonObject tensor = header[name]!.AsObject();
            (long start, long end) = Offsets(tensor);
            (long otherStart, long otherEnd) = Offsets(header[names[random.Next(names.Count)]]!.AsObject());
            switch (random.Next(9))
            {
                case 0:
                    {
                        long[] edges = [0, -1, dataLength, dataLength + 1, long.MaxValue, 1L << 53, start + 1, end - 1, otherStart, otherEnd];
                        int which = random.Next(2);
                        long value = edges[random.Next(edges.Length)];
                        tensor["data_offsets"] = which == 0 ? new JsonArray(value, end) : new JsonArray(start, value);
                        log.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.data_offsets[{which}] := {value}"));
                        break;
                    }
                case 1:
                    tensor["data_offsets"] = new JsonArray(end, start);
                    log.Add($"{name}.data_offsets swapped");
                    break;
                case 2:
                    {
                        string[] shapes = ["[]", "[0]", "[-1]", "[2147483648]", "[4611686018427387904,4611686018427387904]", "[4611686018427387904,4]",
                            "[" + string.Join(',', Enumerable.Repeat(1, 40)) + "]", "[1.5]", "[\"4\"]", "[null]", "[9223372036854775808]"];
                        string shape = shapes[random.Next(shapes.Length)];
                        tensor["shape"] = JsonNode.Parse(shape);
                        log.Add($"{name}.shape := {shape}");
                        break;
                    }
                case 3:
                    {
                        string dtype = DTypes[random.Next(DTypes.Length)];
                        tensor["dtype"] = dtype;
                        log.Add($"{name}.dtype := '{dtype}'");
                        break;
                    }
                case 4:
                    {
                        string field = new[] { "dtype", "shape", "data_offsets" }[random.Next(3)];
                        tensor.Remove(field);
                        log.Add($"{name}.{field} removed");
                        break;
                    }
                case 5:
                    {
                        JsonNode?[] odd = [JsonValue.Create(5), new JsonArray(), JsonValue.Create("x"), null, new JsonArray(1, 2, 3), new JsonObject()];
                        string field = new[] { "dtype", "shape", "data_offsets" }[random.Next(3)];
                        tensor[field] = odd[random.Next(odd.Length)];
                        log.Add($"{name}.{field} := {tensor[field]?.ToJsonString() ?? "null"}");
                        break;
                    }
                case 6:
                    header["__metadata__"] = random.Next(3) switch
                    {
                        0 => new JsonObject { ["format"] = 5 },
                        1 => new JsonArray(),
                        _ => JsonValue.Create("pt"),
                    };
                    log.Add($"__metadata__ := {header["__metadata__"]!.ToJsonString()}");
                    break;
                case 7:
                    header.Remove(name);
                    names.Remove(name);
                    log.Add($"{name} removed");
                    if (names.Count == 0)
                    {
                        names.Add(name);
                        header[name] = tensor;
                    }
                    break;
                default:
                    duplicate = name;
                    log.Add($"{name} written twice");
                    break;
            }
        }
        string json = header.ToJsonString();
        if (duplicate is not null && header[duplicate] is JsonNode copy)
        {
            // JSON objects cannot hold a key twice, so the copy goes in as text.
            json = json[..^1] + "," + System.Text.Json.JsonSerializer.Serialize(duplicate) + ":" + copy.ToJsonString() + "}";
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(json + new string(' ', random.Next(2) == 0 ? 0 : random.Next(1, 9)));
        byte[] bytes = new byte[8 + headerBytes.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        _safetensors.AsSpan(8 + headerLength).CopyTo(bytes.AsSpan(8 + headerBytes.Length));
        return bytes;
    }

    /// <summary>A tensor entry's data offsets, or (0, 0) once a mutation has removed or replaced them.</summary>
    private static (long Start, long End) Offsets(JsonObject tensor) =>
        tensor["data_offsets"] is JsonArray { Count: 2 } offsets
            && offsets[0] is JsonValue first && first.TryGetValue(out long start)
            && offsets[1] is JsonValue second && second.TryGetValue(out long end)
            ? (start, end)
            : (0, 0);

    private byte[] MutatePyTorch(Random random, List<string> log)
    {
        // The pickle is the first entry; the zip's central directory and end record are at the back.
        int pickleStart = 30 + "pytorch_model/data.pkl".Length;
        int pickleEnd = pickleStart + 4800;
        int directory = _pytorch.Length - 6000;
        switch (random.Next(10))
        {
            case < 4:
                log.Add("bytes in the pickle");
                return PickleEdges(random, Mutations.Mutate(random, _pytorch, log, maxCount: 2, from: pickleStart, to: pickleEnd), pickleStart, pickleEnd, log);
            case < 6:
                log.Add("bytes in the central directory");
                return Mutations.Mutate(random, _pytorch, log, maxCount: 3, from: directory, to: _pytorch.Length);
            case < 8:
                log.Add("bytes anywhere");
                return Mutations.Mutate(random, _pytorch, log, maxCount: 3);
            case 8:
                return PickleEdges(random, (byte[])_pytorch.Clone(), pickleStart, pickleEnd, log);
            default:
                {
                    int cut = random.Next(2) == 0 ? random.Next(directory, _pytorch.Length) : random.Next(_pytorch.Length);
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"truncate at {cut}"));
                    return _pytorch[..cut];
                }
        }
    }

    /// <summary>Sets the argument of a pickle integer or length opcode (BININT1 K, BININT2 M, BININT J, BINUNICODE X) to an edge value.</summary>
    private static byte[] PickleEdges(Random random, byte[] bytes, int from, int to, List<string> log)
    {
        to = Math.Min(to, bytes.Length - 5);
        var positions = new List<int>();
        for (int i = from; i < to; i++)
        {
            if (bytes[i] is (byte)'K' or (byte)'M' or (byte)'J' or (byte)'X')
            {
                positions.Add(i);
            }
        }
        int edits = positions.Count == 0 ? 0 : random.Next(1, 3);
        for (int e = 0; e < edits; e++)
        {
            int at = positions[random.Next(positions.Count)];
            uint[] edges = [0, 1, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 4096];
            uint value = edges[random.Next(edges.Length)];
            int width = bytes[at] switch
            {
                (byte)'K' => 1,
                (byte)'M' => 2,
                _ => 4,
            };
            for (int b = 0; b < width; b++)
            {
                bytes[at + 1 + b] = (byte)(value >> (8 * b));
            }
            log.Add(string.Create(CultureInfo.InvariantCulture, $"pickle opcode '{(char)bytes[at]}' at {at} := 0x{value:X}"));
        }
        return bytes;
    }

    private static void Check(bool condition, string message) => InvariantViolation.Check(condition, message);

    private sealed class CheckpointCase(string fileName, byte[] bytes, bool wasSafeTensors, List<string> log) : FuzzCase
    {
        public string FileName { get; } = fileName;

        public byte[] Bytes { get; } = bytes;

        public bool WasSafeTensors { get; } = wasSafeTensors;

        public override IEnumerable<(string FileName, byte[] Content)> Artifacts() => [(FileName, Bytes)];

        public override string Describe() =>
            $"{(WasSafeTensors ? "model.safetensors" : "pytorch_model.bin")} as {FileName}, {Bytes.Length} bytes; {string.Join(", ", log)}";
    }
}
