namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>When the Parquet writer closes a row group: after <paramref name="Rows"/> rows or <paramref name="Values"/> floats.</summary>
internal sealed record ParquetRowGroupLimits(int Rows, long Values)
{
    public static ParquetRowGroupLimits Default { get; } = new(ParquetEmbeddingSchema.DefaultRowGroupRows, ParquetEmbeddingSchema.DefaultRowGroupValues);
}
