using System.Globalization;
using AgroNT.MLNet.EmbeddingFiles;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.DataFrames;

/// <summary>
/// Turns embedding rows into a <see cref="DataFrame"/> for analysis, in two forms: one Single column per dimension
/// (<see cref="ToDataFrame(IEnumerable{ValueTuple{string, float[]}}, string, string)"/>; what CSV, Parquet and joins handle)
/// or one vector column (<see cref="ToVectorDataFrame"/>), converts between them, and back to an ML.NET
/// <see cref="IDataView"/> with a fixed-size feature vector for training (<see cref="ToDataView"/>).
/// </summary>
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

    /// <summary>Builds a data frame with a string column <paramref name="idColumn"/> and one vector column of Single (<c>VBuffer&lt;float&gt;</c>).</summary>
    /// <param name="rows">Fixed-length rows, such as mean- or cls-pooled embeddings.</param>
    /// <param name="idColumn">Name of the id column.</param>
    /// <param name="vectorColumn">Name of the vector column.</param>
    /// <returns>The data frame.</returns>
    /// <exception cref="InvalidOperationException">A row's length differs from the first row's.</exception>
    public static DataFrame ToVectorDataFrame(IEnumerable<(string Id, float[] Embedding)> rows, string idColumn = "Id", string vectorColumn = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentException.ThrowIfNullOrEmpty(idColumn);
        ArgumentException.ThrowIfNullOrEmpty(vectorColumn);
        var ids = new StringDataFrameColumn(idColumn);
        var vectors = new VBufferDataFrameColumn<float>(vectorColumn);
        int? dimension = null;
        foreach ((string id, float[] embedding) in rows)
        {
            ArgumentNullException.ThrowIfNull(embedding, nameof(rows));
            dimension ??= embedding.Length;
            if (embedding.Length != dimension)
            {
                throw new InvalidOperationException(
                    $"Row {ids.Length} (id '{id}') has {embedding.Length} values, but the earlier rows have {dimension}; pool each sequence to one vector (mean or cls) first.");
            }
            ids.Append(id);
            vectors.Append(new VBuffer<float>(embedding.Length, (float[])embedding.Clone()));
        }
        return new DataFrame(ids, vectors);
    }

    /// <summary>Replaces a vector column by one Single column per element, <c>{prefix}0 ... {prefix}{D-1}</c>, at its position.</summary>
    /// <param name="frame">The table (not changed).</param>
    /// <param name="vectorColumn">The vector column (<c>VBuffer&lt;float&gt;</c>).</param>
    /// <param name="prefix">Prefix of the new columns.</param>
    /// <returns>A new data frame.</returns>
    /// <exception cref="ArgumentException">The column is missing or not a Single vector, its rows differ in length, or a new name is taken.</exception>
    public static DataFrame ExpandVectorColumn(DataFrame frame, string vectorColumn = "Embedding", string prefix = "e")
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(prefix);
        int index = frame.Columns.IndexOf(vectorColumn);
        if (index < 0 || frame.Columns[index] is not VBufferDataFrameColumn<float> vectors)
        {
            throw new ArgumentException(index < 0
                ? $"The table has no column '{vectorColumn}'; its columns are {Names(frame)}."
                : $"Column '{vectorColumn}' is {frame.Columns[index].DataType.Name}, not a vector of Single.", nameof(vectorColumn));
        }
        int dimension = vectors.Length == 0 ? 0 : vectors[0].Length;
        var dimensions = CreateDimensions(dimension, vectorColumn, prefix);
        var taken = frame.Columns.Where(c => c != vectors).Select(c => c.Name).Intersect(dimensions.Select(d => d.Name)).FirstOrDefault();
        if (taken is not null)
        {
            throw new ArgumentException($"The table already has a column '{taken}'; choose another prefix.", nameof(prefix));
        }
        for (long row = 0; row < vectors.Length; row++)
        {
            VBuffer<float> vector = vectors[row];
            if (vector.Length != dimension)
            {
                throw new ArgumentException($"Row {row} of '{vectorColumn}' has {vector.Length} values but row 0 has {dimension}; every row needs the same length.", nameof(vectorColumn));
            }
            int i = 0;
            foreach (float value in vector.DenseValues())
            {
                dimensions[i++].Append(value);
            }
        }
        var columns = frame.Columns.Select(c => c.Clone()).ToList();
        columns.RemoveAt(index);
        columns.InsertRange(index, dimensions);
        return new DataFrame(columns);
    }

    /// <summary>Replaces the dimension columns <c>{prefix}0 ... {prefix}{D-1}</c> by one vector column at the first one's position.</summary>
    /// <param name="frame">The table (not changed).</param>
    /// <param name="prefix">Prefix of the dimension columns, numbered from 0 without gaps.</param>
    /// <param name="vectorColumn">Name of the vector column.</param>
    /// <returns>A new data frame.</returns>
    /// <exception cref="ArgumentException">There is no <c>{prefix}0</c> column, or a dimension column is not Single or holds a null.</exception>
    public static DataFrame CollapseToVectorColumn(DataFrame frame, string prefix = "e", string vectorColumn = "Embedding")
    {
        var dimensions = DimensionColumns(frame, prefix);
        var vectors = new VBufferDataFrameColumn<float>(vectorColumn);
        var values = new float[dimensions.Count];
        for (long row = 0; row < frame.Rows.Count; row++)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = dimensions[i][row] ?? throw new ArgumentException($"Row {row} has no value in '{dimensions[i].Name}'; fill or drop it first.", nameof(frame));
            }
            vectors.Append(new VBuffer<float>(values.Length, (float[])values.Clone()));
        }
        int first = frame.Columns.IndexOf(dimensions[0].Name);
        var used = dimensions.ToHashSet<DataFrameColumn>();
        var columns = frame.Columns.Where(c => !used.Contains(c)).Select(c => c.Clone()).ToList();
        columns.Insert(first, vectors);
        return new DataFrame(columns);
    }

    /// <summary>
    /// An ML.NET view of <paramref name="frame"/> for training: the dimension columns (or a vector column, with
    /// <paramref name="vectorColumn"/>) become one fixed-size Single vector <paramref name="featureColumnName"/>, which
    /// trainers require; every other column (labels, names, metadata) is kept as it is.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="frame">The table.</param>
    /// <param name="featureColumnName">The feature vector's name.</param>
    /// <param name="prefix">Prefix of the dimension columns, numbered from 0 without gaps.</param>
    /// <param name="vectorColumn">A vector column to use instead of dimension columns, or <see langword="null"/>.</param>
    /// <returns>The data view.</returns>
    /// <exception cref="ArgumentException">No dimension columns or vector column, or the feature name is taken by another column.</exception>
    public static IDataView ToDataView(MLContext mlContext, DataFrame frame, string featureColumnName = "Features", string prefix = "e", string? vectorColumn = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        if (vectorColumn is not null)
        {
            // A data frame's vector columns have no size in their ML.NET type, which trainers reject: go through dimension columns.
            prefix = "__agront_dimension_";
            frame = ExpandVectorColumn(frame, vectorColumn, prefix);
        }
        var dimensions = DimensionColumns(frame, prefix);
        if (frame.Columns.IndexOf(featureColumnName) >= 0)
        {
            throw new ArgumentException($"The table already has a column '{featureColumnName}'; pass another featureColumnName.", nameof(featureColumnName));
        }
        string[] names = [.. dimensions.Select(d => d.Name)];
        var pipeline = mlContext.Transforms.Concatenate(featureColumnName, names).Append(mlContext.Transforms.DropColumns(names));
        return pipeline.Fit(frame).Transform(frame);
    }

    private static List<PrimitiveDataFrameColumn<float>> DimensionColumns(DataFrame frame, string prefix)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(prefix);
        var result = new List<PrimitiveDataFrameColumn<float>>();
        for (int i = 0; ; i++)
        {
            int index = frame.Columns.IndexOf(prefix + i.ToString(CultureInfo.InvariantCulture));
            if (index < 0)
            {
                break;
            }
            result.Add(frame.Columns[index] as PrimitiveDataFrameColumn<float>
                ?? throw new ArgumentException($"Column '{frame.Columns[index].Name}' is {frame.Columns[index].DataType.Name}; embedding dimensions must be Single.", nameof(frame)));
        }
        return result.Count > 0 ? result
            : throw new ArgumentException($"The table has no embedding column '{prefix}0' (dimensions are '{prefix}0', '{prefix}1', ...); its columns are {Names(frame)}.", nameof(prefix));
    }

    private static string Names(DataFrame frame) => string.Join(", ", frame.Columns.Select(c => $"'{c.Name}'"));

    private static SingleDataFrameColumn[] CreateDimensions(int dimension, string idColumn, string prefix)
    {
        var columns = new SingleDataFrameColumn[dimension];
        for (int i = 0; i < dimension; i++)
        {
            string name = prefix + i.ToString(CultureInfo.InvariantCulture);
            if (name == idColumn)
            {
                throw new ArgumentException($"The id column '{idColumn}' has the name of dimension {i}; choose another idColumn or prefix.", nameof(idColumn));
            }
            columns[i] = new SingleDataFrameColumn(name);
        }
        return columns;
    }
}
