using System.Globalization;
using AgroNT.Transforms.IO;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace AgroNT.MLNet.EmbeddingFiles;

/// <summary>
/// Reads a Parquet file with a string column <c>id</c> and a list-of-float32 column <c>embedding</c>, one row group
/// at a time. Files from pyarrow, pandas, Polars or DuckDB (nullable columns and elements) read as well, as long as
/// they hold no nulls.
/// </summary>
internal static class ParquetEmbeddingReader
{
    public static IEnumerable<(string Id, float[] Embedding)> Read(string path)
    {
        ParquetReader reader = SyncOverAsync.Run(() => ParquetReader.CreateAsync(path, null, CancellationToken.None));
        try
        {
            var columns = FindColumns(reader.Schema, path);
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                int index = group;
                var rows = SyncOverAsync.Run(() => ReadRowGroupAsync(reader, index, columns, path));
                foreach (var row in rows)
                {
                    yield return row;
                }
            }
        }
        finally
        {
            SyncOverAsync.Run(async () => await reader.DisposeAsync().ConfigureAwait(false));
        }
    }

    private static Columns FindColumns(ParquetSchema schema, string path)
    {
        var id = schema.Fields.FirstOrDefault(f => f.Name == ParquetEmbeddingSchema.IdColumn) as DataField;
        var list = schema.Fields.FirstOrDefault(f => f.Name == ParquetEmbeddingSchema.EmbeddingColumn) as ListField;
        // Parquet.Net 6 reports UTF-8 string columns as ReadOnlyMemory<char> unless told otherwise.
        if (id is null || (id.ClrType != typeof(string) && id.ClrType != typeof(ReadOnlyMemory<char>)) || id.IsArray
            || list?.Item is not DataField element || element.ClrType != typeof(float) || element.MaxRepetitionLevel != 1)
        {
            string found = string.Join(", ", schema.Fields.Select(f => f.ToString()));
            throw EmbeddingFileErrors.BadData(path, "schema",
                $"expected a string column '{ParquetEmbeddingSchema.IdColumn}' and a list-of-float32 column " +
                $"'{ParquetEmbeddingSchema.EmbeddingColumn}', found: {found}. Cast the embedding column to list<float32> " +
                "(pyarrow: table.cast(...), pandas: write numpy float32 arrays).");
        }
        // Definition levels count the optional or repeated levels present: all of them means a value, one fewer a
        // null element (only when elements are nullable), one fewer again an empty list, below that a null list.
        int valueLevel = element.MaxDefinitionLevel;
        int emptyListLevel = valueLevel - 1 - (element.IsNullable ? 1 : 0);
        return new Columns(id, element, valueLevel, emptyListLevel);
    }

    private static async Task<List<(string Id, float[] Embedding)>> ReadRowGroupAsync(ParquetReader reader, int index, Columns columns, string path)
    {
        ParquetRowGroupReader group = reader.OpenRowGroupReader(index);
        int rowCount = checked((int)group.RowCount);
        var ids = new string?[rowCount];
        await group.ReadAsync(columns.Id, ids.AsMemory(), null, CancellationToken.None).ConfigureAwait(false);
        using RawColumnData raw = await group.ReadRawColumnDataBaseAsync(columns.Element, CancellationToken.None).ConfigureAwait(false);
        var rows = new List<(string Id, float[] Embedding)>(rowCount);
        var values = ((RawColumnData<float>)raw).Values;
        var definitions = raw.DefinitionLevels;
        var repetitions = raw.RepetitionLevels;
        var current = new List<float>();
        int valueAt = 0;
        for (int i = 0; i < definitions.Length; i++)
        {
            if (repetitions[i] == 0 && i > 0)
            {
                AddRow(rows, ids, current, index, path);
            }
            int level = definitions[i];
            if (level == columns.ValueLevel)
            {
                current.Add(values[valueAt++]);
            }
            else if (level != columns.EmptyListLevel)
            {
                throw EmbeddingFileErrors.BadData(path, Where(index, rows.Count), level < columns.EmptyListLevel
                    ? $"the embedding of id '{IdAt(ids, rows.Count)}' is null"
                    : $"the embedding of id '{IdAt(ids, rows.Count)}' holds a null value");
            }
        }
        if (definitions.Length > 0)
        {
            AddRow(rows, ids, current, index, path);
        }
        if (rows.Count != rowCount)
        {
            throw EmbeddingFileErrors.BadData(path, Where(index, rows.Count), $"the row group has {rowCount} ids but {rows.Count} embeddings");
        }
        return rows;
    }

    private static void AddRow(List<(string Id, float[] Embedding)> rows, string?[] ids, List<float> current, int group, string path)
    {
        if (rows.Count >= ids.Length)
        {
            throw EmbeddingFileErrors.BadData(path, Where(group, rows.Count), $"the row group has more embeddings than its {ids.Length} ids");
        }
        string id = ids[rows.Count] ?? throw EmbeddingFileErrors.BadData(path, Where(group, rows.Count), "the id is null");
        rows.Add((id, [.. current]));
        current.Clear();
    }

    private static string IdAt(string?[] ids, int row) => row < ids.Length ? ids[row] ?? "(null)" : "(none)";

    private static string Where(int group, int row) => string.Create(CultureInfo.InvariantCulture, $"row group {group}, row {row}");

    private sealed record Columns(DataField Id, DataField Element, int ValueLevel, int EmptyListLevel);
}
