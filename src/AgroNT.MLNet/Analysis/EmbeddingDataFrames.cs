using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Analysis;

/// <summary>Turns embedding rows into a <see cref="DataFrame"/> for analysis: one id column and one float column per dimension.</summary>
public static class EmbeddingDataFrames
{
    /// <summary>Builds a data frame with a string column <paramref name="idColumn"/> and float columns <c>e0 ... e{D-1}</c>.</summary>
    /// <param name="rows">Fixed-length rows, such as mean- or cls-pooled embeddings.</param>
    /// <param name="idColumn">Name of the id column.</param>
    /// <param name="prefix">Prefix of the dimension columns, followed by the index from 0.</param>
    /// <returns>The data frame; with no rows, the id column alone.</returns>
    /// <exception cref="InvalidOperationException">A row's length differs from the first row's.</exception>
    /// <exception cref="ArgumentException">The id column's name is also a dimension column's name.</exception>
    public static DataFrame ToDataFrame(IEnumerable<(string Id, float[] Embedding)> rows, string idColumn = "Id", string prefix = "e")
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentException.ThrowIfNullOrEmpty(idColumn);
        ArgumentNullException.ThrowIfNull(prefix);
        var ids = new StringDataFrameColumn(idColumn);
        SingleDataFrameColumn[]? dimensions = null;
        long row = 0;
        foreach ((string id, float[] embedding) in rows)
        {
            ArgumentNullException.ThrowIfNull(embedding, nameof(rows));
            dimensions ??= CreateDimensions(embedding.Length, idColumn, prefix);
            if (embedding.Length != dimensions.Length)
            {
                throw new InvalidOperationException(
                    $"Row {row} (id '{id}') has {embedding.Length} values, but the earlier rows have {dimensions.Length}: a data " +
                    "frame needs one column per dimension, so every row must have the same length. Pool each sequence to " +
                    "one vector (mean or cls) first, or keep variable-length rows in .jsonl or .parquet files.");
            }
            ids.Append(id);
            for (int i = 0; i < embedding.Length; i++)
            {
                dimensions[i].Append(embedding[i]);
            }
            row++;
        }
        return new DataFrame([ids, .. dimensions ?? []]);
    }

    /// <summary>Reads an embedding file (<c>.parquet</c>, <c>.csv</c>, <c>.jsonl</c>, <c>.npy</c>) into a data frame.</summary>
    /// <param name="embeddingFilePath">The file, read with <see cref="EmbeddingFileReader.Read(string)"/>.</param>
    /// <returns>The data frame, with columns <c>Id</c> and <c>e0 ... e{D-1}</c>.</returns>
    /// <exception cref="InvalidOperationException">The file holds rows of different lengths.</exception>
    public static DataFrame ToDataFrame(string embeddingFilePath) => ToDataFrame(EmbeddingFileReader.Read(embeddingFilePath));

    private static SingleDataFrameColumn[] CreateDimensions(int dimension, string idColumn, string prefix)
    {
        var columns = new SingleDataFrameColumn[dimension];
        for (int i = 0; i < dimension; i++)
        {
            string name = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (name == idColumn)
            {
                throw new ArgumentException($"The id column '{idColumn}' has the name of dimension {i}; choose another idColumn or prefix.", nameof(idColumn));
            }
            columns[i] = new SingleDataFrameColumn(name);
        }
        return columns;
    }
}
