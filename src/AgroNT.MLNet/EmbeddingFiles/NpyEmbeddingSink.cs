using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using AgroNT.Transforms.IO;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>
/// Writes a float32 C-order <c>[N, D]</c> <c>.npy</c> array and the ids, one per line, to the sidecar
/// <see cref="SidecarPath"/>. N is only known at the end, so the header has a fixed width and is rewritten then.
/// </summary>
internal sealed class NpyEmbeddingSink : EmbeddingSink
{
    private readonly string _path;
    private readonly StagedFile _array;
    private readonly StagedFile _ids;
    private readonly StreamWriter _idText;
    private byte[] _rowBytes = [];
    private int? _dimension;
    private long _rows;

    public NpyEmbeddingSink(string path)
    {
        _path = path;
        _array = StagedFile.Create(path);
        try
        {
            _ids = StagedFile.Create(SidecarPath(path));
            _idText = new StreamWriter(_ids.Stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 14) { NewLine = "\n" };
            // A placeholder until Complete knows the row count; same width, so the data never moves.
            _array.Stream.Write(NpyHeader.Create(0, 0));
        }
        catch
        {
            _ids?.Abandon();
            _array.Abandon();
            throw;
        }
    }

    /// <summary>The ids file beside an array: the array's path with its extension (<c>.npy</c>) replaced by <c>.ids.txt</c>.</summary>
    public static string SidecarPath(string path) => Path.ChangeExtension(path, ".ids.txt");

    public override void Validate(long row, string id, ReadOnlySpan<float> embedding)
    {
        if (_dimension is int expected && embedding.Length != expected)
        {
            throw EmbeddingFileErrors.RowLengthMismatch("NPY", _path, row, id, expected, embedding.Length);
        }
        if (id.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw EmbeddingFileErrors.IdWithLineBreak(_path, row, id);
        }
    }

    public override void Append(string id, ReadOnlySpan<float> embedding)
    {
        _dimension ??= embedding.Length;
        if (BitConverter.IsLittleEndian)
        {
            _array.Stream.Write(MemoryMarshal.AsBytes(embedding));
        }
        else
        {
            if (_rowBytes.Length != embedding.Length * sizeof(float))
            {
                _rowBytes = new byte[embedding.Length * sizeof(float)];
            }
            for (int i = 0; i < embedding.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(_rowBytes.AsSpan(i * sizeof(float)), embedding[i]);
            }
            _array.Stream.Write(_rowBytes);
        }
        _idText.Write(id);
        _idText.Write('\n');
        _rows++;
    }

    public override void Complete()
    {
        // With no rows the width is unknown: the array is (0, 0), which numpy.load reads as an empty matrix.
        _array.Stream.Position = 0;
        _array.Stream.Write(NpyHeader.Create(_rows, _dimension ?? 0));
        _idText.Flush();
        _ids.Commit();
        _array.Commit();
    }

    public override void Abandon()
    {
        try
        {
            _ids.Abandon();
        }
        finally
        {
            _array.Abandon();
        }
    }
}
