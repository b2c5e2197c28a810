using System.Globalization;
using AgroNT.Transforms.IO;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;

namespace AgroNT.MLNet.Variants;

/// <summary>Writes a variant or mutagenesis table as TSV (empty cell for a missing score) or Parquet, chosen by extension.</summary>
public static class VariantTableWriter
{
    /// <summary>Writes <paramref name="table"/> to <paramref name="path"/>: <c>.parquet</c> gives Parquet, anything else TSV.</summary>
    public static void Write(DataFrame table, string path)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(path);
        using var file = StagedFile.Create(path);
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            WriteParquet(table, file.Stream);
        }
        else
        {
            WriteTsv(table, file.Stream);
        }
        file.Commit();
    }

    private static void WriteTsv(DataFrame table, Stream stream)
    {
        using var writer = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine(string.Join('\t', table.Columns.Select(c => c.Name)));
        for (long row = 0; row < table.Rows.Count; row++)
        {
            writer.WriteLine(string.Join('\t', table.Columns.Select(c => c[row] switch
            {
                null => "",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var o => o.ToString(),
            })));
        }
    }

    private static void WriteParquet(DataFrame table, Stream stream)
    {
        var fields = table.Columns.Select(c => c switch
        {
            PrimitiveDataFrameColumn<long> => (Field)new DataField<long?>(c.Name),
            PrimitiveDataFrameColumn<double> => new DataField<double?>(c.Name),
            _ => new DataField<string>(c.Name),
        }).Cast<DataField>().ToArray();
        SyncOverAsync.Run(async () =>
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).ConfigureAwait(false);
            using (var group = writer.CreateRowGroup())
            {
                for (int c = 0; c < fields.Length; c++)
                {
                    var column = table.Columns[c];
                    int rows = (int)column.Length;
                    switch (column)
                    {
                        case PrimitiveDataFrameColumn<long> longs:
                            await group.WriteAsync<long>(fields[c], Enumerable.Range(0, rows).Select(r => longs[r]).ToArray().AsMemory()).ConfigureAwait(false);
                            break;
                        case PrimitiveDataFrameColumn<double> doubles:
                            await group.WriteAsync<double>(fields[c], Enumerable.Range(0, rows).Select(r => doubles[r]).ToArray().AsMemory()).ConfigureAwait(false);
                            break;
                        default:
                            await group.WriteAsync(fields[c], Enumerable.Range(0, rows).Select(r => column[r]?.ToString() ?? "").ToArray()).ConfigureAwait(false);
                            break;
                    }
                }
                group.CompleteValidate();
            }
        });
    }
}
