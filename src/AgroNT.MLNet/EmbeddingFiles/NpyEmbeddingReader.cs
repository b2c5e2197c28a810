using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Reads a float32 <c>[N, D]</c> <c>.npy</c> array and its ids from the <c>.ids.txt</c> sidecar.</summary>
internal static class NpyEmbeddingReader
{
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path)
    {
        string idsPath = NpyEmbeddingSink.SidecarPath(path);
        if (!File.Exists(idsPath))
        {
            throw new FileNotFoundException(
                $"The ids of '{path}' are missing: expected them one per line in '{idsPath}'. Copy that file beside the array, or write .parquet or .jsonl, which keep the ids inside.",
                idsPath);
        }
        return ReadRows(path, idsPath);
    }

    private static IEnumerable<(string Id, float[] Embedding)> ReadRows(string path, string idsPath)
    {
        using var array = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        (long rows, int columns, long offset) = NpyHeader.Read(array, path);
        long expected = offset + (rows * columns * sizeof(float));
        if (array.Length < expected)
        {
            throw EmbeddingFileErrors.BadData(path, "data", string.Create(CultureInfo.InvariantCulture,
                $"the header promises {rows} x {columns} float32 values ({expected} bytes in all), but the file has {array.Length} bytes; it was cut short"));
        }
        array.Position = offset;
        using var ids = new StreamReader(idsPath, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var bytes = BitConverter.IsLittleEndian ? [] : new byte[columns * sizeof(float)];
        for (long row = 0; row < rows; row++)
        {
            string id = ids.ReadLine() ?? throw EmbeddingFileErrors.BadData(idsPath, "end of file", string.Create(CultureInfo.InvariantCulture,
                $"it holds {row} ids but '{path}' has {rows} rows"));
            var embedding = new float[columns];
            if (BitConverter.IsLittleEndian)
            {
                array.ReadExactly(MemoryMarshal.AsBytes(embedding.AsSpan()));
            }
            else
            {
                array.ReadExactly(bytes);
                for (int i = 0; i < columns; i++)
                {
                    embedding[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
                }
            }
            yield return (id, embedding);
        }
        if (ids.ReadLine() is not null)
        {
            throw EmbeddingFileErrors.BadData(idsPath, "end of file", string.Create(CultureInfo.InvariantCulture,
                $"it holds more ids than the {rows} rows of '{path}'"));
        }
    }
}
