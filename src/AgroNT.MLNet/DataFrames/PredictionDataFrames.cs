using System.Globalization;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.DataFrames;

/// <summary>
/// Copies ML.NET scored data (the output of a trained model's <c>Transform</c>) into a <see cref="DataFrame"/>:
/// the row id, the label and ML.NET's <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> columns. A vector
/// column (multi-label scores or labels) becomes one column per element, <c>Score_1 ... Score_K</c>, numbered from 1
/// as the benchmark's <c>l1 ... lK</c> labels are.
/// </summary>
public static class PredictionDataFrames
{
    /// <summary>The scored columns copied when present, in this order.</summary>
    public static IReadOnlyList<string> PredictionColumns { get; } = ["Score", "Probability", "PredictedLabel"];

    /// <summary>Copies an id column (when present), the label (when present) and the prediction columns of <paramref name="predictions"/>.</summary>
    /// <param name="predictions">Scored data, such as <c>model.Transform(testData)</c>.</param>
    /// <param name="idColumnName">The row id column, such as the sequence <c>Name</c>; skipped when absent.</param>
    /// <param name="labelColumnName">The true label; skipped when absent.</param>
    /// <returns>The data frame, one row per scored row.</returns>
    /// <exception cref="ArgumentException">The data has no <c>Score</c> column (it was not scored by a trained model).</exception>
    public static DataFrame FromPredictions(IDataView predictions, string? idColumnName = "Name", string? labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Schema.GetColumnOrNull("Score") is null)
        {
            throw new ArgumentException(
                $"The data has no 'Score' column, so it holds no predictions; its columns are {Describe(predictions.Schema)}. " +
                "Pass the output of a trained model's Transform (model.Transform(data)), or name the columns with ToDataFrame(data, columns).",
                nameof(predictions));
        }
        var columns = new List<string>();
        foreach (string? name in new[] { idColumnName, labelColumnName }.Concat(PredictionColumns))
        {
            if (name is not null && predictions.Schema.GetColumnOrNull(name) is not null && !columns.Contains(name))
            {
                columns.Add(name);
            }
        }
        return ToDataFrame(predictions, columns);
    }

    /// <summary>Copies the named columns of <paramref name="data"/>, in the given order.</summary>
    /// <param name="data">Any data view.</param>
    /// <param name="columnNames">Columns of text, Boolean or number type, or fixed-size vectors of numbers (one output column per element).</param>
    /// <returns>The data frame.</returns>
    /// <exception cref="ArgumentException">A column is missing or of a type a data frame cannot hold.</exception>
    public static DataFrame ToDataFrame(IDataView data, IReadOnlyList<string> columnNames)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(columnNames);
        var readers = new List<ColumnReader>();
        foreach (string name in columnNames)
        {
            var column = data.Schema.GetColumnOrNull(name)
                ?? throw new ArgumentException($"The data has no column '{name}'; its columns are {Describe(data.Schema)}.", nameof(columnNames));
            readers.Add(ColumnReader.Create(column));
        }
        using (var cursor = data.GetRowCursor(readers.Select(r => r.Column)))
        {
            foreach (var reader in readers)
            {
                reader.Bind(cursor);
            }
            while (cursor.MoveNext())
            {
                foreach (var reader in readers)
                {
                    reader.Append();
                }
            }
        }
        return new DataFrame([.. readers.SelectMany(r => r.Output)]);
    }

    /// <summary>The named column classes (<see cref="BooleanDataFrameColumn"/>, <see cref="SingleDataFrameColumn"/>, ...), which support arithmetic and are what users cast to.</summary>
    private static PrimitiveDataFrameColumn<T> NewColumn<T>(string name)
        where T : unmanaged => (PrimitiveDataFrameColumn<T>)(DataFrameColumn)(typeof(T) switch
        {
            Type t when t == typeof(bool) => new BooleanDataFrameColumn(name),
            Type t when t == typeof(float) => new SingleDataFrameColumn(name),
            Type t when t == typeof(double) => new DoubleDataFrameColumn(name),
            Type t when t == typeof(int) => new Int32DataFrameColumn(name),
            Type t when t == typeof(long) => new Int64DataFrameColumn(name),
            Type t when t == typeof(uint) => new UInt32DataFrameColumn(name),
            _ => new PrimitiveDataFrameColumn<T>(name),
        });

    private static string Describe(DataViewSchema schema) => string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"));

    /// <summary>Reads one data-view column into one or more data-frame columns.</summary>
    private abstract class ColumnReader
    {
        protected ColumnReader(DataViewSchema.Column column) => Column = column;

        public DataViewSchema.Column Column { get; }

        public abstract IReadOnlyList<DataFrameColumn> Output { get; }

        public static ColumnReader Create(DataViewSchema.Column column)
        {
            DataViewType type = column.Type;
            if (type is VectorDataViewType vector)
            {
                if (!vector.IsKnownSize)
                {
                    throw new ArgumentException($"Column '{column.Name}' is a vector of unknown size ({type}); a data frame needs one column per element, so the size must be fixed.");
                }
                return vector.ItemType switch
                {
                    NumberDataViewType n when n == NumberDataViewType.Single => new VectorReader<float>(column, vector.Size),
                    NumberDataViewType n when n == NumberDataViewType.Double => new VectorReader<double>(column, vector.Size),
                    _ => throw Unsupported(column),
                };
            }
            if (type is TextDataViewType)
            {
                return new TextReader(column);
            }
            return type.RawType switch
            {
                Type t when t == typeof(bool) => new ScalarReader<bool>(column),
                Type t when t == typeof(float) => new ScalarReader<float>(column),
                Type t when t == typeof(double) => new ScalarReader<double>(column),
                Type t when t == typeof(int) => new ScalarReader<int>(column),
                Type t when t == typeof(long) => new ScalarReader<long>(column),
                Type t when t == typeof(uint) => new ScalarReader<uint>(column),
                _ => throw Unsupported(column),
            };
        }

        public abstract void Bind(DataViewRowCursor cursor);

        public abstract void Append();

        private static ArgumentException Unsupported(DataViewSchema.Column column) =>
            new($"Column '{column.Name}' has type {column.Type}, which is not copied to a data frame; use text, Boolean, Single, Double, Int32, Int64, UInt32 or a fixed-size vector of Single or Double.");
    }

    private sealed class TextReader(DataViewSchema.Column column) : ColumnReader(column)
    {
        private readonly StringDataFrameColumn _output = new(column.Name);
        private ValueGetter<ReadOnlyMemory<char>>? _getter;
        private ReadOnlyMemory<char> _value;

        public override IReadOnlyList<DataFrameColumn> Output => [_output];

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<ReadOnlyMemory<char>>(Column);

        public override void Append()
        {
            _getter!(ref _value);
            _output.Append(_value.ToString());
        }
    }

    private sealed class ScalarReader<T>(DataViewSchema.Column column) : ColumnReader(column)
        where T : unmanaged
    {
        private readonly PrimitiveDataFrameColumn<T> _output = NewColumn<T>(column.Name);
        private ValueGetter<T>? _getter;
        private T _value;

        public override IReadOnlyList<DataFrameColumn> Output => [_output];

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<T>(Column);

        public override void Append()
        {
            _getter!(ref _value);
            _output.Append(_value);
        }
    }

    private sealed class VectorReader<T> : ColumnReader
        where T : unmanaged
    {
        private readonly PrimitiveDataFrameColumn<T>[] _output;
        private ValueGetter<VBuffer<T>>? _getter;
        private VBuffer<T> _value;

        public VectorReader(DataViewSchema.Column column, int size)
            : base(column)
        {
            _output = [.. Enumerable.Range(1, size).Select(i => NewColumn<T>(string.Create(CultureInfo.InvariantCulture, $"{column.Name}_{i}")))];
        }

        public override IReadOnlyList<DataFrameColumn> Output => _output;

        public override void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<VBuffer<T>>(Column);

        public override void Append()
        {
            _getter!(ref _value);
            // Sparse vectors leave their implicit zeros out of GetValues; DenseValues fills them in.
            int i = 0;
            foreach (T item in _value.DenseValues())
            {
                _output[i++].Append(item);
            }
        }
    }
}
