namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>The exceptions of the embedding file readers and writers, worded in one place.</summary>
internal static class EmbeddingFileErrors
{
    public static InvalidOperationException RowLengthMismatch(string format, string path, long row, string id, int expected, int actual) => new(
        $"Row {row} (id '{id}') for '{path}' has {actual} values, but the earlier rows have {expected}: {format} holds " +
        "fixed-length rows only. For variable-length outputs such as per-token pooling write .jsonl or .parquet " +
        "instead, or pool each sequence to one vector (mean or cls).");

    public static ArgumentException IdWithLineBreak(string path, long row, string id) => new(
        $"Row {row}: id '{Escape(id)}' contains a line break, but the ids of '{path}' go one per line into its " +
        ".ids.txt sidecar. Remove line breaks from the ids, or write .jsonl, .csv or .parquet instead.", "id");

    public static ArgumentException NotFiniteForJson(string path, long row, string id, int index, float value) => new(
        $"Row {row} (id '{id}') for '{path}': embedding[{index}] is {value}, which JSON cannot represent. " +
        "A non-finite embedding usually means the model or its input is broken; if you need to keep it, write " +
        ".parquet or .npy instead.", "embedding");

    public static InvalidDataException BadData(string path, string where, string what) =>
        new($"'{path}' is not a valid embedding file ({where}): {what}");

    public static InvalidOperationException Finished(string path, bool completed) => new(completed
        ? $"The embedding writer for '{path}' is already complete; create a new writer to write more rows."
        : $"The embedding writer for '{path}' was abandoned after an error; create a new writer and write the rows again.");

    private static string Escape(string id) => id.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
