using AgroNT.Transforms;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// The ML.NET face of <see cref="FineTuningTrainer"/>: fits on an <see cref="IDataView"/> with a DNA text column and a
/// label column, and returns an <see cref="AgroNTPredictionTransformer"/> that adds the score columns. For binary
/// classification and regression these are ML.NET's standard ones, so <c>mlContext.BinaryClassification.Evaluate</c>
/// and <c>mlContext.Regression.Evaluate</c> work on its output; multi-label and multi-output regression get a vector
/// <c>Score</c> (and <c>PredictedLabels</c> for multi-label). Create it with
/// <c>mlContext.BinaryClassification.Trainers.AgroNT(...)</c>, <c>mlContext.Regression.Trainers.AgroNT(...)</c>,
/// <c>mlContext.AgroNT().Trainers.MultiLabel(...)</c> or <c>mlContext.AgroNT().Trainers.MultiOutputRegression(...)</c>.
/// </summary>
public sealed class AgroNTFineTuningEstimator : IEstimator<AgroNTPredictionTransformer>
{
    internal AgroNTFineTuningEstimator(ProblemType problemType, AgroNTTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ModelFolder);
        if (!Enum.IsDefined(problemType))
        {
            throw new ArgumentOutOfRangeException(nameof(problemType), problemType, "Unknown problem type.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PredictionBatchSize);
        ProblemType = problemType;
        Options = options;
        _ = new FineTuningTrainer(options.FineTuning);
    }

    /// <summary>What the labels mean: binary, multi-label, regression or multi-output regression.</summary>
    public ProblemType ProblemType { get; }

    /// <summary>The options in force.</summary>
    public AgroNTTrainerOptions Options { get; }

    /// <summary>Fine-tunes the model on <paramref name="input"/> (and <see cref="AgroNTTrainerOptions.ValidationData"/> when set).</summary>
    /// <param name="input">Training data; it is read once per epoch, never materialised.</param>
    /// <returns>The fitted transformer (dispose it to free the model).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">A label is missing (NaN), not 0/1 for classification, or a vector label has the wrong length.</exception>
    public AgroNTPredictionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var train = new DataViewExamples(input, Options, ProblemType, outputs: null);
        var validation = Options.ValidationData is { } data ? new DataViewExamples(data, Options, ProblemType, train.Outputs) : null;
        var trainer = new FineTuningTrainer(Options.FineTuning);
        var model = trainer.Fit(Options.ModelFolder, ProblemType, train.Outputs, train, validation, Options.Progress, Options.CancellationToken);
        return new AgroNTPredictionTransformer(model, Options.SequenceColumnName, Options.PredictionBatchSize);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The sequence or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckShape(inputSchema, Options.SequenceColumnName, "sequence column", "a scalar Text column of DNA", c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType is TextDataViewType);
        bool single = ProblemType.IsSingleOutput();
        CheckShape(inputSchema, Options.LabelColumnName, "label column", ExpectedLabel(ProblemType),
            c => (c.Kind == SchemaShape.Column.VectorKind.Scalar) == single && LabelItemTypeOk(ProblemType, c.ItemType));
        var names = AgroNTPredictionTransformer.OutputColumnNames(ProblemType);
        var columns = inputSchema.Where(c => !names.Contains(c.Name)).ToList();
        var scoreKind = single ? SchemaShape.Column.VectorKind.Scalar : SchemaShape.Column.VectorKind.Vector;
        columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.ScoreColumnName, scoreKind, NumberDataViewType.Single));
        if (ProblemType == ProblemType.BinaryClassification)
        {
            columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.ProbabilityColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
            columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance));
        }
        else if (ProblemType == ProblemType.MultiLabelClassification)
        {
            columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.PredictedLabelsColumnName, SchemaShape.Column.VectorKind.Vector, BooleanDataViewType.Instance));
        }
        return new SchemaShape(columns);
    }

    private static string ExpectedLabel(ProblemType problemType) => problemType switch
    {
        ProblemType.BinaryClassification => "a scalar Boolean or Single column",
        ProblemType.Regression => "a scalar Single column",
        ProblemType.MultiLabelClassification => "a vector of Single (0/1) or Boolean, one per label",
        _ => "a vector of Single, one per output",
    };

    private static bool LabelItemTypeOk(ProblemType problemType, DataViewType itemType) =>
        itemType == NumberDataViewType.Single || (problemType.IsClassification() && itemType is BooleanDataViewType);

    private static void CheckShape(SchemaShape schema, string name, string role, string expected, Func<SchemaShape.Column, bool> typeOk)
    {
        SchemaShape.Column? found = schema.FirstOrDefault(c => c.Name == name);
        if (found is not { } column || column.Name is null)
        {
            throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' is not in the input schema; the input has: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        }
        if (!typeOk(column))
        {
            throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' has type {column.ItemType}{(column.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " (vector)")}; expected {expected}.");
        }
    }

    /// <summary>An <see cref="IDataView"/>'s rows as examples, read afresh by a new cursor on each enumeration.</summary>
    private sealed class DataViewExamples : IEnumerable<TaskExample>
    {
        private readonly IDataView _data;
        private readonly ProblemType _problemType;
        private readonly DataViewSchema.Column _sequence;
        private readonly DataViewSchema.Column _label;

        public DataViewExamples(IDataView data, AgroNTTrainerOptions options, ProblemType problemType, int? outputs)
        {
            _data = data;
            _problemType = problemType;
            bool single = problemType.IsSingleOutput();
            _sequence = CheckColumn(data.Schema, options.SequenceColumnName, "sequence column", "a scalar Text column of DNA", t => t is TextDataViewType);
            _label = CheckColumn(data.Schema, options.LabelColumnName, "label column", ExpectedLabel(problemType),
                t => single ? LabelItemTypeOk(problemType, t) : t is VectorDataViewType v && LabelItemTypeOk(problemType, v.ItemType));
            int? size = _label.Type is VectorDataViewType { Size: > 0 } known ? known.Size : null;
            if (outputs is { } expected && size is { } actual && actual != expected)
            {
                throw new ArgumentOutOfRangeException("label column", $"The validation label column '{_label.Name}' has {actual} values per row; the training data has {expected}.");
            }
            Outputs = single ? 1 : outputs ?? size ?? FirstRowLength();
        }

        /// <summary>Labels per example: 1, or the vector column's size (its first row's length when the size is not fixed).</summary>
        public int Outputs { get; }

        public IEnumerator<TaskExample> GetEnumerator()
        {
            using var cursor = _data.GetRowCursor([_sequence, _label]);
            var sequence = cursor.GetGetter<ReadOnlyMemory<char>>(_sequence);
            var labels = LabelGetter(cursor);
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                sequence(ref text);
                float[] values = labels();
                if (values.Length != Outputs)
                {
                    throw new InvalidOperationException($"Row {cursor.Position} of column '{_label.Name}' has {values.Length} labels; the task has {Outputs}.");
                }
                foreach (float value in values)
                {
                    if (float.IsNaN(value))
                    {
                        throw new InvalidOperationException($"Row {cursor.Position} of column '{_label.Name}' has a NaN label; remove or impute missing labels first.");
                    }
                    if (_problemType.IsClassification() && value is not (0f or 1f))
                    {
                        throw new InvalidOperationException($"Row {cursor.Position} of column '{_label.Name}' has the label {value}; a class label must be 0 or 1 (or Boolean).");
                    }
                }
                yield return new TaskExample($"row {cursor.Position}", text.ToString(), values, cursor.Position + 1);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private int FirstRowLength()
        {
            using var cursor = _data.GetRowCursor([_label]);
            var labels = LabelGetter(cursor);
            return cursor.MoveNext() && labels() is { Length: > 0 } first
                ? first.Length
                : throw new ArgumentException($"The label column '{_label.Name}' has no rows or an empty first row, so the number of labels is unknown.");
        }

        private Func<float[]> LabelGetter(DataViewRowCursor cursor)
        {
            if (_label.Type is BooleanDataViewType)
            {
                var getter = cursor.GetGetter<bool>(_label);
                return () => { bool value = false; getter(ref value); return [value ? 1f : 0f]; };
            }
            if (_label.Type == NumberDataViewType.Single)
            {
                var getter = cursor.GetGetter<float>(_label);
                return () => { float value = 0; getter(ref value); return [value]; };
            }
            if (((VectorDataViewType)_label.Type).ItemType is BooleanDataViewType)
            {
                var getter = cursor.GetGetter<VBuffer<bool>>(_label);
                VBuffer<bool> buffer = default;
                return () => { getter(ref buffer); return [.. buffer.DenseValues().Select(b => b ? 1f : 0f)]; };
            }
            var floats = cursor.GetGetter<VBuffer<float>>(_label);
            VBuffer<float> values = default;
            return () => { floats(ref values); return [.. values.DenseValues()]; };
        }

        private static DataViewSchema.Column CheckColumn(DataViewSchema schema, string name, string role, string expected, Func<DataViewType, bool> typeOk)
        {
            DataViewSchema.Column column = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' is not in the data; it has: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
            return typeOk(column.Type)
                ? column
                : throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' has type {column.Type}; expected {expected}.");
        }
    }
}
