using System.Globalization;
using System.Text;
using AgroNT.Transforms.IO;
using Microsoft.Data.Analysis;
using Parquet;
using Parquet.Schema;

namespace AgroNT.MLNet.DataFrames;

/// <summary>
/// Saves and loads <see cref="DataFrame"/>s as CSV (invariant culture, header row) or Parquet (one row group, column
/// types kept, nulls kept). Files are written under a temporary name and renamed, so a failed write leaves no partial file.
/// </summary>
public static class DataFrameFiles
{
    /// <summary>Saves by extension: <c>.parquet</c> as Parquet, <c>.csv</c> as CSV.</summary>
    /// <param name="frame">The table.</param>
    /// <param name="path">The destination; its folder must exist.</param>
    /// <exception cref="ArgumentException">The extension is neither, or a column type cannot be saved.</exception>
    public static void Save(DataFrame frame, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        switch (Format(path))
        {
            case ".parquet":
                SaveParquet(frame, path);
                break;
            default:
                SaveCsv(frame, path);
                break;
        }
    }

    /// <summary>Loads by extension: <c>.parquet</c> or <c>.csv</c>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The table.</returns>
    public static DataFrame Load(string path) => Format(path) == ".parquet" ? LoadParquet(path) : LoadCsv(path);

    /// <summary>Writes <paramref name="frame"/> as comma-separated text with a header row, numbers in the invariant culture (round-trip precision), nulls as empty cells.</summary>
    /// <param name="frame">The table; vector columns must be expanded first (<see cref="EmbeddingDataFrames.ExpandVectorColumn"/>).</param>
    /// <param name="path">The destination.</param>
    /// <exception cref="ArgumentException">A column holds vectors.</exception>
    public static void SaveCsv(DataFrame frame, string path)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RejectVectors(frame, "CSV");
        using var file = StagedFile.Create(path);
        using (var writer = new StreamWriter(file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
        {
            writer.WriteLine(string.Join(',', frame.Columns.Select(c => Quote(c.Name))));
            var cells = new string[frame.Columns.Count];
            for (long row = 0; row < frame.Rows.Count; row++)
            {
                for (int c = 0; c < cells.Length; c++)
                {
                    cells[c] = frame.Columns[c][row] switch
                    {
                        null => "",
                        float f => f.ToString("R", CultureInfo.InvariantCulture),
                        double d => d.ToString("R", CultureInfo.InvariantCulture),
                        bool b => b ? "True" : "False",
                        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                        var other => Quote(other.ToString() ?? ""),
                    };
                }
                writer.WriteLine(string.Join(',', cells));
            }
        }
        file.Commit();
    }

    /// <summary>Reads a CSV file with a header row (invariant culture).</summary>
    /// <param name="path">The file.</param>
    /// <param name="columnTypes">The type of each column, in file order; <see langword="null"/> = guessed from the values (numbers become Single).</param>
    /// <returns>The table.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file cannot be parsed; the message names the file.</exception>
    public static DataFrame LoadCsv(string path, IReadOnlyList<Type>? columnTypes = null)
    {
        using var stream = OpenRead(path);
        try
        {
            return DataFrame.LoadCsv(stream, separator: ',', header: true, dataTypes: columnTypes?.ToArray(), cultureInfo: CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"Cannot read '{path}' as CSV with a header row: {exception.Message}", exception);
        }
    }

    /// <summary>Writes <paramref name="frame"/> as Parquet: text, Boolean, Single, Double, Int32 and Int64 columns, nullable, in one row group.</summary>
    /// <param name="frame">The table; vector columns must be expanded first (<see cref="EmbeddingDataFrames.ExpandVectorColumn"/>).</param>
    /// <param name="path">The destination.</param>
    /// <exception cref="ArgumentException">A column has another type.</exception>
    public static void SaveParquet(DataFrame frame, string path)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RejectVectors(frame, "Parquet");
        var fields = frame.Columns.Select(c => c.DataType switch
        {
            Type t when t == typeof(string) => new DataField<string>(c.Name),
            Type t when t == typeof(bool) => new DataField<bool?>(c.Name),
            Type t when t == typeof(float) => new DataField<float?>(c.Name),
            Type t when t == typeof(double) => new DataField<double?>(c.Name),
            Type t when t == typeof(int) => new DataField<int?>(c.Name),
            Type t when t == typeof(long) => (DataField)new DataField<long?>(c.Name),
            _ => throw new ArgumentException($"Column '{c.Name}' has type {c.DataType.Name}, which is not saved to Parquet; convert it to text, Boolean, Single, Double, Int32 or Int64.", nameof(frame)),
        }).ToArray();
        using var file = StagedFile.Create(path);
        SyncOverAsync.Run(async () =>
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file.Stream).ConfigureAwait(false);
            using var group = writer.CreateRowGroup();
            for (int c = 0; c < fields.Length; c++)
            {
                await WriteColumnAsync(group, fields[c], frame.Columns[c]).ConfigureAwait(false);
            }
            group.CompleteValidate();
        });
        file.Commit();
    }

    /// <summary>Reads a Parquet file of flat columns (every row group) into a table; the column types come back as saved.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The table.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not Parquet, or has a nested or unsupported column.</exception>
    public static DataFrame LoadParquet(string path)
    {
        using var stream = OpenRead(path);
        return SyncOverAsync.Run(async () =>
        {
            ParquetReader reader;
            try
            {
                reader = await ParquetReader.CreateAsync(stream).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                throw new InvalidDataException($"Cannot read '{path}' as Parquet: {exception.Message}", exception);
            }
            await using (reader)
            {
                var fields = reader.Schema.Fields.Select(f => f as DataField is { IsArray: false } d ? d
                    : throw new InvalidDataException($"'{path}' has the nested column '{f.Name}'; only flat columns load into a data frame.")).ToArray();
                var columns = fields.Select(f => CreateColumn(f, path)).ToArray();
                for (int g = 0; g < reader.RowGroupCount; g++)
                {
                    using var group = reader.OpenRowGroupReader(g);
                    for (int c = 0; c < fields.Length; c++)
                    {
                        await ReadColumnAsync(group, fields[c], columns[c]).ConfigureAwait(false);
                    }
                }
                return new DataFrame(columns);
            }
        });
    }

    private static string Format(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".parquet" or ".csv" ? extension
            : throw new ArgumentException($"Cannot tell the format of '{path}' from its extension; use .csv or .parquet.", nameof(path));
    }

    private static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"The table file '{path}' does not exist.", path);
    }

    private static void RejectVectors(DataFrame frame, string format)
    {
        foreach (var column in frame.Columns.Where(c => c.DataType.IsGenericType && c.DataType.GetGenericTypeDefinition() == typeof(Microsoft.ML.Data.VBuffer<>)))
        {
            throw new ArgumentException($"Column '{column.Name}' holds vectors, which {format} cannot store in a cell; expand it to one column per element with EmbeddingDataFrames.ExpandVectorColumn first.", nameof(frame));
        }
    }

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    private static async Task WriteColumnAsync(ParquetRowGroupWriter group, DataField field, DataFrameColumn column)
    {
        int rows = checked((int)column.Length);
        switch (column)
        {
            case StringDataFrameColumn strings:
                await group.WriteAsync(field, Enumerable.Range(0, rows).Select(r => strings[r]).ToArray()).ConfigureAwait(false);
                break;
            case PrimitiveDataFrameColumn<bool> c:
                await WriteAsync(group, field, c).ConfigureAwait(false);
                break;
            case PrimitiveDataFrameColumn<float> c:
                await WriteAsync(group, field, c).ConfigureAwait(false);
                break;
            case PrimitiveDataFrameColumn<double> c:
                await WriteAsync(group, field, c).ConfigureAwait(false);
                break;
            case PrimitiveDataFrameColumn<int> c:
                await WriteAsync(group, field, c).ConfigureAwait(false);
                break;
            case PrimitiveDataFrameColumn<long> c:
                await WriteAsync(group, field, c).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentException($"Column '{column.Name}' ({column.GetType().Name}) is not saved to Parquet.");
        }
    }

    private static Task WriteAsync<T>(ParquetRowGroupWriter group, DataField field, PrimitiveDataFrameColumn<T> column)
        where T : unmanaged
    {
        var values = new T?[column.Length];
        for (int r = 0; r < values.Length; r++)
        {
            values[r] = column[r];
        }
        return group.WriteAsync<T>(field, values.AsMemory());
    }

    private static async Task ReadColumnAsync(ParquetRowGroupReader group, DataField field, DataFrameColumn column)
    {
        int rows = checked((int)group.RowCount);
        switch (column)
        {
            case StringDataFrameColumn strings:
                var text = new string?[rows];
                await group.ReadAsync(field, text.AsMemory()).ConfigureAwait(false);
                foreach (string? value in text)
                {
                    strings.Append(value);
                }
                break;
            case BooleanDataFrameColumn c:
                await ReadAsync(group, field, c, rows).ConfigureAwait(false);
                break;
            case SingleDataFrameColumn c:
                await ReadAsync(group, field, c, rows).ConfigureAwait(false);
                break;
            case DoubleDataFrameColumn c:
                await ReadAsync(group, field, c, rows).ConfigureAwait(false);
                break;
            case Int32DataFrameColumn c:
                await ReadAsync(group, field, c, rows).ConfigureAwait(false);
                break;
            case Int64DataFrameColumn c:
                await ReadAsync(group, field, c, rows).ConfigureAwait(false);
                break;
        }
    }

    private static async Task ReadAsync<T>(ParquetRowGroupReader group, DataField field, PrimitiveDataFrameColumn<T> column, int rows)
        where T : unmanaged
    {
        if (field.IsNullable)
        {
            var values = new T?[rows];
            await group.ReadAsync<T>(field, values.AsMemory()).ConfigureAwait(false);
            foreach (T? value in values)
            {
                column.Append(value);
            }
        }
        else
        {
            var values = new T[rows];
            await group.ReadAsync<T>(field, values.AsMemory()).ConfigureAwait(false);
            foreach (T value in values)
            {
                column.Append(value);
            }
        }
    }

    private static DataFrameColumn CreateColumn(DataField field, string path) => field.ClrType switch
    {
        Type t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => new StringDataFrameColumn(field.Name),
        Type t when t == typeof(bool) => new BooleanDataFrameColumn(field.Name),
        Type t when t == typeof(float) => new SingleDataFrameColumn(field.Name),
        Type t when t == typeof(double) => new DoubleDataFrameColumn(field.Name),
        Type t when t == typeof(int) => new Int32DataFrameColumn(field.Name),
        Type t when t == typeof(long) => new Int64DataFrameColumn(field.Name),
        _ => throw new InvalidDataException($"'{path}' has the column '{field.Name}' of type {field.ClrType.Name}; a data frame loads text, Boolean, Single, Double, Int32 and Int64 columns."),
    };
}
