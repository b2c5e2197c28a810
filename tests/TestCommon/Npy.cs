using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace AgroNT.Tests.Common;

/// <summary>A NumPy .npy array read for tests: shape plus values widened to double or long.</summary>
internal sealed record NpyArray(int[] Shape, string DType, double[] Doubles, long[] Longs)
{
    /// <summary>Number of elements.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>Minimal reader of little-endian, C-order .npy files (float32, float64, int64, int32, bool).</summary>
internal static partial class Npy
{
    public static NpyArray Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path} is not a .npy file");
        }
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = DescrRegex().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new NotSupportedException("Fortran order");
        }
        int[] shape = ShapeRegex().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = bytes.AsSpan(headerStart + headerLength);
        int n = shape.Aggregate(1, (a, b) => a * b);
        var doubles = new double[n];
        var longs = new long[n];
        for (int i = 0; i < n; i++)
        {
            switch (descr)
            {
                case "<f4": doubles[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]); longs[i] = (long)doubles[i]; break;
                case "<f8": doubles[i] = BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]); longs[i] = (long)doubles[i]; break;
                case "<i8": longs[i] = BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]); doubles[i] = longs[i]; break;
                case "<i4": longs[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]); doubles[i] = longs[i]; break;
                case "|b1": longs[i] = data[i]; doubles[i] = longs[i]; break;
                default: throw new NotSupportedException($"dtype {descr} in {path}");
            }
        }
        return new NpyArray(shape, descr, doubles, longs);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
