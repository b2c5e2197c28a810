using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace AgroNT.MLNet.Onnx;

/// <summary>
/// Appends ONNX nodes and initializers to a <see cref="GraphProto"/> (OnnxSharp's protobuf classes), naming
/// intermediate values uniquely. Weights go through <see cref="OnnxWeightWriter"/>, inline or to external data.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly OnnxWeightWriter _weights;
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string name, OnnxWeightWriter weights)
    {
        Graph = new GraphProto { Name = name };
        _weights = weights;
    }

    public GraphProto Graph { get; }

    /// <summary>ONNX Runtime's contrib operator domain.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Adds a node of the default ONNX domain and returns the name of its (single) output.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params AttributeProto[] attributes) =>
        Node(opType, inputs, output, "", attributes);

    /// <summary>Adds a node of <paramref name="domain"/> and returns the name of its (single) output.</summary>
    public string Node(string opType, string[] inputs, string? output, string domain, params AttributeProto[] attributes)
    {
        output ??= $"{opType.ToLowerInvariant()}_{_counter}";
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_counter++}", Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>A small int64 constant (shapes, axes, scalars), stored inline once per distinct value.</summary>
    public string Int64(long[] values, bool scalar = false)
    {
        string key = $"i64{(scalar ? "s" : "v")}:{string.Join(',', values)}";
        if (_constants.TryGetValue(key, out string? existing))
        {
            return existing;
        }
        string name = $"const_{_constants.Count}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar)
        {
            tensor.Dims.Add(values.Length);
        }
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        _constants[key] = name;
        return name;
    }

    /// <summary>A float32 scalar constant, stored inline once per distinct value.</summary>
    public string Float(float value)
    {
        string key = "f32:" + value.ToString("R", CultureInfo.InvariantCulture);
        if (_constants.TryGetValue(key, out string? existing))
        {
            return existing;
        }
        string name = $"const_{_constants.Count}";
        Span<float> data = [value];
        Graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data)),
        });
        _constants[key] = name;
        return name;
    }

    /// <summary>A float32 weight under its checkpoint name.</summary>
    public string Weight(string name, long[] dims, ReadOnlySpan<float> data)
    {
        Graph.Initializer.Add(_weights.Write(name, dims, data));
        return name;
    }

    /// <summary>Declares a graph input or output: a tensor of <paramref name="elementType"/> with named (dynamic) or fixed dimensions.</summary>
    public static ValueInfoProto Value(string name, TensorProto.Types.DataType elementType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
        {
            shape.Dim.Add(dim is string param
                ? new TensorShapeProto.Types.Dimension { DimParam = param }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}

/// <summary>
/// Stores float32 weights as ONNX initializers: inline in <c>raw_data</c>, or appended to an external data file and
/// referenced through the tensor's <c>external_data</c> entries (<c>location</c>, <c>offset</c>, <c>length</c>) with
/// <c>data_location = EXTERNAL</c>, as the ONNX specification describes for models over protobuf's 2 GB limit.
/// External tensors start on 4096-byte boundaries, so ONNX Runtime can memory-map them.
/// </summary>
internal sealed class OnnxWeightWriter : IDisposable
{
    private const int Alignment = 4096;
    private readonly FileStream? _external;
    private readonly string? _location;
    private readonly Action<long>? _written;

    /// <summary>Writes inline (<paramref name="externalPath"/> null) or to <paramref name="externalPath"/>, referenced as <paramref name="location"/>;
    /// <paramref name="written"/> is told <see cref="Bytes"/> after each tensor.</summary>
    public OnnxWeightWriter(string? externalPath, string? location, Action<long>? written = null)
    {
        _written = written;
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this exporter writes the machine's floats as they are.");
        }
        if (externalPath is not null)
        {
            _external = new FileStream(externalPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            _location = location;
        }
    }

    /// <summary>Bytes of weight data written so far.</summary>
    public long Bytes { get; private set; }

    public TensorProto Write(string name, long[] dims, ReadOnlySpan<float> data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(data);
        Bytes += bytes.Length;
        if (_external is null)
        {
            tensor.RawData = ByteString.CopyFrom(bytes);
            _written?.Invoke(Bytes);
            return tensor;
        }

        long offset = (_external.Position + Alignment - 1) / Alignment * Alignment;
        if (offset > _external.Position)
        {
            _external.Write(new byte[offset - _external.Position]);
        }
        _external.Write(bytes);
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = _location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(CultureInfo.InvariantCulture) });
        _written?.Invoke(Bytes);
        return tensor;
    }

    /// <summary>Flushes the external file to disk.</summary>
    public void Complete()
    {
        if (_external is not null)
        {
            _external.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _external?.Dispose();
}
