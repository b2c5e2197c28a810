using Parquet.Schema;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>The Parquet layout of an embedding file: the column names, the schema and its definition levels.</summary>
/// <remarks>
/// <c>required binary id (STRING)</c> and <c>optional group embedding (LIST) { repeated group list { required float
/// element; } }</c>: the three-level list of the Parquet specification that pyarrow, pandas and DuckDB read as
/// <c>list&lt;float&gt;</c>.
/// </remarks>
internal static class ParquetEmbeddingSchema
{
    public const string IdColumn = "id";
    public const string EmbeddingColumn = "embedding";

    /// <summary>Key-value metadata key holding the width when every row has the same one.</summary>
    public const string DimensionKey = "dim";

    /// <summary>Rows per row group: bounds memory while keeping row groups large enough to read fast.</summary>
    public const int DefaultRowGroupRows = 1024;

    /// <summary>Floats per row group (16 MiB of values, plus their levels): the other bound, for long per-token rows.</summary>
    public const long DefaultRowGroupValues = 4L << 20;

    public static (ParquetSchema Schema, DataField Id, DataField Element) Create()
    {
        var id = new DataField<string>(IdColumn, nullable: false);
        var element = new DataField<float>("element", nullable: false);
        return (new ParquetSchema(id, new ListField(EmbeddingColumn, element)), id, element);
    }
}
