namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>The file formats that <see cref="EmbeddingFileWriter"/> writes and <see cref="EmbeddingFileReader"/> reads.</summary>
/// <remarks>
/// Every format holds rows of an id and a float32 embedding. <see cref="Csv"/> and <see cref="Npy"/> are tables, so
/// all their rows must have the same length; <see cref="JsonLines"/> and <see cref="Parquet"/> also hold
/// variable-length rows such as per-token pooling.
/// </remarks>
public enum EmbeddingFileFormat
{
    /// <summary>
    /// Apache Parquet (<c>.parquet</c>): a required string column <c>id</c> and a standard <c>LIST&lt;float&gt;</c>
    /// column <c>embedding</c>, written in bounded row groups; readable by pyarrow, pandas, Polars and DuckDB.
    /// </summary>
    Parquet,

    /// <summary>
    /// Comma-separated values (<c>.csv</c>): header <c>id,e0,e1,...</c>, one row per id, invariant culture, RFC 4180
    /// quoting of ids. Fixed-length rows only.
    /// </summary>
    Csv,

    /// <summary>JSON Lines (<c>.jsonl</c>): one <c>{"id": "...", "embedding": [...]}</c> object per line, UTF-8.</summary>
    JsonLines,

    /// <summary>
    /// NumPy (<c>.npy</c>): a float32, C-order <c>[N, D]</c> array, with the ids one per line in the sidecar
    /// <c>&lt;name&gt;.ids.txt</c>. Fixed-length rows only.
    /// </summary>
    Npy,
}
