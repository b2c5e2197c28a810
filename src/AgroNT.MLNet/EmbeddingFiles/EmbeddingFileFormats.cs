namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>Helpers for <see cref="EmbeddingFileFormat"/>: choosing the format from a file name.</summary>
public static class EmbeddingFileFormats
{
    /// <summary>The accepted extensions, as error messages and help texts list them.</summary>
    public const string AcceptedExtensions = ".parquet, .csv, .jsonl, .npy";

    /// <summary>Chooses the format from the extension of <paramref name="path"/> (case-insensitive).</summary>
    /// <param name="path">An output or input file name such as <c>embeddings.parquet</c>.</param>
    /// <returns>
    /// <see cref="EmbeddingFileFormat.Parquet"/> for <c>.parquet</c>, <see cref="EmbeddingFileFormat.Csv"/> for
    /// <c>.csv</c>, <see cref="EmbeddingFileFormat.JsonLines"/> for <c>.jsonl</c>, <see cref="EmbeddingFileFormat.Npy"/>
    /// for <c>.npy</c>.
    /// </returns>
    /// <exception cref="ArgumentException">The extension is none of those.</exception>
    public static EmbeddingFileFormat FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string extension = Path.GetExtension(path);
        return extension.ToLowerInvariant() switch
        {
            ".parquet" => EmbeddingFileFormat.Parquet,
            ".csv" => EmbeddingFileFormat.Csv,
            ".jsonl" => EmbeddingFileFormat.JsonLines,
            ".npy" => EmbeddingFileFormat.Npy,
            _ => throw new ArgumentException(
                $"Cannot tell the embedding file format of '{path}' from its extension " +
                $"('{extension}'). Use one of {AcceptedExtensions}, or name the format explicitly.",
                nameof(path)),
        };
    }
}
