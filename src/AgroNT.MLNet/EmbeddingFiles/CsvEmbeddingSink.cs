using System.Globalization;
using System.Text;
using AgroNT.Transforms.IO;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>
/// Writes a header <c>id,e0,...,e{D-1}</c> and one row per id: invariant culture, shortest round-trip floats, ids
/// quoted by RFC 4180 when they need it, <c>\n</c> line ends.
/// </summary>
internal sealed class CsvEmbeddingSink : EmbeddingSink
{
    private readonly string _path;
    private readonly StagedFile _file;
    private readonly StreamWriter _text;
    private readonly char[] _number = new char[32];
    private int? _dimension;

    public CsvEmbeddingSink(string path)
    {
        _path = path;
        _file = StagedFile.Create(path);
        _text = new StreamWriter(_file.Stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16) { NewLine = "\n" };
    }

    public override void Validate(long row, string id, ReadOnlySpan<float> embedding)
    {
        if (_dimension is int expected && embedding.Length != expected)
        {
            throw EmbeddingFileErrors.RowLengthMismatch("CSV", _path, row, id, expected, embedding.Length);
        }
    }

    public override void Append(string id, ReadOnlySpan<float> embedding)
    {
        if (_dimension is null)
        {
            WriteHeader(embedding.Length);
        }
        WriteId(id);
        foreach (float value in embedding)
        {
            _text.Write(',');
            // The default format of float is the shortest string that parses back to the same bits.
            value.TryFormat(_number, out int written, provider: CultureInfo.InvariantCulture);
            _text.Write(_number, 0, written);
        }
        _text.Write('\n');
    }

    public override void Complete()
    {
        if (_dimension is null)
        {
            // No rows: the width is unknown, so the header names the id column alone.
            WriteHeader(0);
        }
        _text.Flush();
        _file.Commit();
    }

    public override void Abandon() => _file.Abandon();

    private void WriteHeader(int dimension)
    {
        _dimension = dimension;
        _text.Write("id");
        for (int i = 0; i < dimension; i++)
        {
            _text.Write(",e");
            _text.Write(i.ToString(CultureInfo.InvariantCulture));
        }
        _text.Write('\n');
    }

    private void WriteId(string id)
    {
        // An empty id is quoted too, so a row of a zero-width file is never a blank line.
        if (id.Length > 0 && id.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _text.Write(id);
            return;
        }
        _text.Write('"');
        _text.Write(id.Replace("\"", "\"\"", StringComparison.Ordinal));
        _text.Write('"');
    }
}
