using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>The header of a NumPy <c>.npy</c> file holding a little-endian float32 matrix.</summary>
/// <remarks>
/// Format (NumPy's <c>numpy/lib/format.py</c>): the magic <c>\x93NUMPY</c>, a major and minor version byte, the header
/// length (2 bytes little-endian in version 1.0, 4 in 2.0 and 3.0), then a Python dict literal padded with spaces and
/// ended by <c>\n</c> so that the data starts at a multiple of 64 bytes.
/// </remarks>
internal static partial class NpyHeader
{
    /// <summary>Bytes before the data in the files we write: one fixed-width header whatever the shape.</summary>
    /// <remarks>128 = 2 x 64 leaves room for any <see cref="long"/> row count and <see cref="int"/> width.</remarks>
    public const int WrittenDataOffset = 128;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Builds the version 1.0 header of a float32 C-order <c>[rows, columns]</c> array, <see cref="WrittenDataOffset"/> bytes long.</summary>
    public static byte[] Create(long rows, int columns)
    {
        const int prefix = 10;
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        var header = new byte[WrittenDataOffset];
        Magic.CopyTo(header);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), WrittenDataOffset - prefix);
        header.AsSpan(prefix).Fill((byte)' ');
        Encoding.ASCII.GetBytes(dict, header.AsSpan(prefix));
        header[^1] = (byte)'\n';
        return header;
    }

    /// <summary>Reads and checks the header of a float32, C-order, two-dimensional array.</summary>
    /// <returns>The shape and the offset of the data.</returns>
    public static (long Rows, int Columns, long DataOffset) Read(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[12];
        stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false);
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw EmbeddingFileErrors.BadData(path, "start of file", "the NumPy magic bytes \\x93NUMPY are missing");
        }
        byte major = prefix[6];
        int headerLength;
        int headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
                headerStart = 10;
                break;
            case 2 or 3:
                stream.ReadExactly(prefix[10..12]);
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]));
                headerStart = 12;
                break;
            default:
                throw EmbeddingFileErrors.BadData(path, "header", $"NumPy format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are)");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        // Version 3.0 only differs by allowing UTF-8 in field names; our dicts are ASCII either way.
        string header = Encoding.UTF8.GetString(headerBytes);

        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value : "";
        if (descr is not ("<f4" or "|f4"))
        {
            throw EmbeddingFileErrors.BadData(path, "header", $"the array's dtype is '{descr}', expected float32 ('<f4'); convert it with numpy: a.astype('<f4')");
        }
        if (!FortranPattern().Match(header).Success)
        {
            throw EmbeddingFileErrors.BadData(path, "header", "the array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
        }
        var shape = ShapePattern().Match(header);
        string[] dims = shape.Success
            ? shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        if (dims.Length != 2
            || !long.TryParse(dims[0], NumberStyles.None, CultureInfo.InvariantCulture, out long rows)
            || !int.TryParse(dims[1], NumberStyles.None, CultureInfo.InvariantCulture, out int columns))
        {
            throw EmbeddingFileErrors.BadData(path, "header", $"expected a two-dimensional shape (rows, dimension), found '{(shape.Success ? shape.Value : header.Trim())}'");
        }
        return (rows, columns, headerStart + headerLength);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*False")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
