using AgroNT.Transforms;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// The ML.NET face of <see cref="FineTuningTrainer"/> for binary classification and regression: fits on an
/// <see cref="IDataView"/> with a DNA text column and a label column, and returns an
/// <see cref="AgroNTPredictionTransformer"/> that adds ML.NET's standard score columns, so
/// <c>mlContext.BinaryClassification.Evaluate</c> and <c>mlContext.Regression.Evaluate</c> work on its output.
/// Create it with <c>mlContext.BinaryClassification.Trainers.AgroNT(...)</c> or <c>mlContext.Regression.Trainers.AgroNT(...)</c>.
/// </summary>
public sealed class AgroNTFineTuningEstimator : IEstimator<AgroNTPredictionTransformer>
{
    internal AgroNTFineTuningEstimator(BenchmarkProblemType problemType, AgroNTTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.ModelFolder);
        if (!problemType.IsSingleOutput())
        {
            throw new ArgumentOutOfRangeException(nameof(problemType), problemType,
                "The ML.NET trainers cover binary classification and regression; use FineTuningTrainer for multi-label and multi-output tasks.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PredictionBatchSize);
        ProblemType = problemType;
        Options = options;
        _ = new FineTuningTrainer(options.FineTuning);
    }

    /// <summary>Binary classification or regression.</summary>
    public BenchmarkProblemType ProblemType { get; }

    /// <summary>The options in force.</summary>
    public AgroNTTrainerOptions Options { get; }

    /// <summary>Fine-tunes the model on <paramref name="input"/> (and <see cref="AgroNTTrainerOptions.ValidationData"/> when set).</summary>
    /// <param name="input">Training data; it is read once per epoch, never materialised.</param>
    /// <returns>The fitted transformer (dispose it to free the model).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    public AgroNTPredictionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var train = new DataViewExamples(input, Options, ProblemType);
        var validation = Options.ValidationData is { } data ? new DataViewExamples(data, Options, ProblemType) : null;
        var trainer = new FineTuningTrainer(Options.FineTuning);
        var model = trainer.Fit(Options.ModelFolder, ProblemType, 1, train, validation, Options.Progress, Options.CancellationToken);
        return new AgroNTPredictionTransformer(model, Options.SequenceColumnName, Options.PredictionBatchSize);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The sequence or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckShape(inputSchema, Options.SequenceColumnName, "sequence column", "a scalar Text column of DNA", c => c.ItemType is TextDataViewType);
        CheckShape(inputSchema, Options.LabelColumnName, "label column",
            ProblemType == BenchmarkProblemType.BinaryClassification ? "a scalar Boolean or Single column" : "a scalar Single column",
            c => ProblemType == BenchmarkProblemType.BinaryClassification
                ? c.ItemType is BooleanDataViewType || c.ItemType == NumberDataViewType.Single
                : c.ItemType == NumberDataViewType.Single);
        var names = AgroNTPredictionTransformer.OutputColumnNames(ProblemType);
        var columns = inputSchema.Where(c => !names.Contains(c.Name)).ToList();
        columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
        if (ProblemType == BenchmarkProblemType.BinaryClassification)
        {
            columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.ProbabilityColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
            columns.Add(SchemaShapeColumns.Create(AgroNTPredictionTransformer.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance));
        }
        return new SchemaShape(columns);
    }

    private static void CheckShape(SchemaShape schema, string name, string role, string expected, Func<SchemaShape.Column, bool> typeOk)
    {
        SchemaShape.Column? found = schema.FirstOrDefault(c => c.Name == name);
        if (found is not { } column || column.Name is null)
        {
            throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' is not in the input schema; the input has: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}.");
        }
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || !typeOk(column))
        {
            throw new ArgumentOutOfRangeException(role, $"The {role} '{name}' has type {column.ItemType}{(column.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " (vector)")}; expected {expected}.");
        }
    }

    /// <summary>An <see cref="IDataView"/>'s rows as examples, read afresh by a new cursor on each enumeration.</summary>
    private sealed class DataViewExamples(IDataView data, AgroNTTrainerOptions options, BenchmarkProblemType problemType) : IEnumerable<BenchmarkExample>
    {
        private readonly DataViewSchema.Column _sequence = CheckColumn(data.Schema, options.SequenceColumnName, "sequence column", "a scalar Text column of DNA",
            t => t is TextDataViewType);

        private readonly DataViewSchema.Column _label = CheckColumn(data.Schema, options.LabelColumnName, "label column",
            problemType == BenchmarkProblemType.BinaryClassification ? "a scalar Boolean or Single column" : "a scalar Single column",
            t => t == NumberDataViewType.Single || (problemType == BenchmarkProblemType.BinaryClassification && t is BooleanDataViewType));

        public IEnumerator<BenchmarkExample> GetEnumerator()
        {
            using var cursor = data.GetRowCursor([_sequence, _label]);
            var sequence = cursor.GetGetter<ReadOnlyMemory<char>>(_sequence);
            Func<float> label;
            if (_label.Type is BooleanDataViewType)
            {
                var getter = cursor.GetGetter<bool>(_label);
                label = () => { bool value = false; getter(ref value); return value ? 1f : 0f; };
            }
            else
            {
                var getter = cursor.GetGetter<float>(_label);
                label = () => { float value = 0; getter(ref value); return value; };
            }
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                sequence(ref text);
                float value = label();
                if (problemType == BenchmarkProblemType.BinaryClassification && value is not (0f or 1f))
                {
                    throw new InvalidOperationException($"Row {cursor.Position} of column '{_label.Name}' is {value}; a binary label must be 0 or 1 (or Boolean).");
                }
                if (float.IsNaN(value))
                {
                    throw new InvalidOperationException($"Row {cursor.Position} of column '{_label.Name}' is NaN; remove or impute missing labels first.");
                }
                yield return new BenchmarkExample($"row {cursor.Position}", text.ToString(), [value], cursor.Position + 1);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

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
