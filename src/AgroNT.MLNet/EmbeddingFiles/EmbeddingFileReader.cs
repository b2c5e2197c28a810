namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Reads embedding files written by <see cref="EmbeddingFileWriter"/> (or <c>agront embed</c>) back as rows.</summary>
/// <remarks>
/// Rows are read lazily in file order; a Parquet file is read one row group at a time, so memory stays bounded.
/// Floats come back bit-identical to what was written (CSV and JSON Lines hold their shortest round-trip text).
/// A malformed file throws <see cref="InvalidDataException"/> naming the file and the line, row or header at fault.
/// </remarks>
public static class EmbeddingFileReader
{
    /// <summary>Reads the rows of <paramref name="path"/>, choosing the format from its extension.</summary>
    /// <param name="path">A <c>.parquet</c>, <c>.csv</c>, <c>.jsonl</c> or <c>.npy</c> file (the latter with its <c>.ids.txt</c> sidecar).</param>
    /// <returns>The (id, embedding) rows in file order; each embedding is a new array.</returns>
    /// <exception cref="ArgumentException">The extension names no format.</exception>
    /// <exception cref="FileNotFoundException">The file, or the ids sidecar of a <c>.npy</c> file, does not exist.</exception>
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path) =>
        Read(path, EmbeddingFileFormats.FromPath(path));

    /// <summary>Reads the rows of <paramref name="path"/> in the given format, whatever its extension.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">Its format.</param>
    /// <returns>The (id, embedding) rows in file order; each embedding is a new array.</returns>
    /// <exception cref="FileNotFoundException">The file, or the ids sidecar of a <c>.npy</c> file, does not exist.</exception>
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path, EmbeddingFileFormat format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The embedding file '{path}' does not exist.", path);
        }
        return format switch
        {
            EmbeddingFileFormat.Parquet => ParquetEmbeddingReader.Read(path),
            EmbeddingFileFormat.Csv => CsvEmbeddingReader.Read(path),
            EmbeddingFileFormat.JsonLines => JsonLinesEmbeddingReader.Read(path),
            EmbeddingFileFormat.Npy => NpyEmbeddingReader.Read(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, $"Unknown embedding file format; use one of {EmbeddingFileFormats.AcceptedExtensions}."),
        };
    }
}
