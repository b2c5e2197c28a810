using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// A fine-tuned AgroNT model as an ML.NET transformer: appends <c>Score</c> (and for binary classification
/// <c>Probability</c> and <c>PredictedLabel</c>) to its input, in ML.NET's conventions (the binary score is the logit,
/// the probability its sigmoid, the predicted label <c>Score &gt; 0</c>; the regression score is the predicted value).
/// Multi-output models append a vector <c>Score</c> of K values instead: per-label probabilities for multi-label
/// classification, with a Boolean vector <c>PredictedLabels</c> (probability &gt; 0.5), and per-output values in the
/// labels' units for multi-output regression.
/// </summary>
/// <remarks>
/// Output is lazy and batched: a cursor reads ahead a batch of sequences through a second input cursor, predicts them
/// in one forward pass, then serves them row by row alongside the input's own columns. Save it with
/// <see cref="Save(string)"/> (a fine-tuned model folder); <c>mlContext.Model.Save</c> cannot store foreign
/// transformers.
/// </remarks>
public sealed class AgroNTPredictionTransformer : ITransformer, IDisposable
{
    /// <summary>The score column's name.</summary>
    public const string ScoreColumnName = "Score";

    /// <summary>The probability column's name (binary classification).</summary>
    public const string ProbabilityColumnName = "Probability";

    /// <summary>The predicted label column's name (binary classification).</summary>
    public const string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>The predicted labels column's name (multi-label classification: a Boolean vector, one per label).</summary>
    public const string PredictedLabelsColumnName = "PredictedLabels";

    internal AgroNTPredictionTransformer(FineTunedModel model, string sequenceColumnName, int batchSize)
    {
        Model = model;
        SequenceColumnName = sequenceColumnName;
        BatchSize = batchSize;
    }

    /// <summary>The fine-tuned model.</summary>
    public FineTunedModel Model { get; }

    /// <summary>The DNA text column read.</summary>
    public string SequenceColumnName { get; }

    /// <summary>Sequences per forward pass.</summary>
    public int BatchSize { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>Loads a transformer from a fine-tuned model folder (written by <see cref="Save(string)"/> or <see cref="FineTunedModel.Save"/>).</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="sequenceColumnName">The DNA column to read.</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    /// <returns>The transformer.</returns>
    public static AgroNTPredictionTransformer Load(string folder, string sequenceColumnName = "Sequence", int batchSize = 16)
    {
        var model = FineTunedModel.Load(folder);
        return new AgroNTPredictionTransformer(model, sequenceColumnName, batchSize);
    }

    /// <summary>Saves the fine-tuned model folder.</summary>
    /// <param name="folder">The folder.</param>
    public void Save(string folder) => Model.Save(folder);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new PredictionBindings(this, inputSchema).OutputSchema;
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new PredictionMapper(new PredictionBindings(this, inputSchema));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new PredictionDataView(input, new PredictionBindings(this, input.Schema));
    }

    /// <summary>Not supported: ML.NET's model format only loads its own transformers.</summary>
    /// <param name="ctx">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "mlContext.Model.Save cannot store AgroNTPredictionTransformer (ML.NET's model format only loads its own transformers). "
            + "Save it with transformer.Save(folder) and read it back with AgroNTPredictionTransformer.Load(folder).");

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    internal static string[] OutputColumnNames(ProblemType problemType) => problemType switch
    {
        ProblemType.BinaryClassification => [ScoreColumnName, ProbabilityColumnName, PredictedLabelColumnName],
        ProblemType.MultiLabelClassification => [ScoreColumnName, PredictedLabelsColumnName],
        _ => [ScoreColumnName],
    };
}

/// <summary>The output schema for one input schema: the input's columns, then the score columns.</summary>
internal sealed class PredictionBindings
{
    public PredictionBindings(AgroNTPredictionTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        InputSchema = inputSchema;
        Sequence = inputSchema.GetColumnOrNull(transformer.SequenceColumnName)
            ?? throw new ArgumentOutOfRangeException("sequence column",
                $"The sequence column '{transformer.SequenceColumnName}' is not in the input schema; the input has: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}.");
        if (Sequence.Type is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException("sequence column", $"The sequence column '{Sequence.Name}' has type {Sequence.Type}; expected a scalar Text column of DNA.");
        }
        ProblemType = transformer.Model.ProblemType;
        int outputs = transformer.Model.OutputCount;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        if (ProblemType.IsSingleOutput())
        {
            builder.AddColumn(AgroNTPredictionTransformer.ScoreColumnName, NumberDataViewType.Single);
        }
        else
        {
            builder.AddColumn(AgroNTPredictionTransformer.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, outputs));
        }
        if (ProblemType == ProblemType.BinaryClassification)
        {
            builder.AddColumn(AgroNTPredictionTransformer.ProbabilityColumnName, NumberDataViewType.Single);
            builder.AddColumn(AgroNTPredictionTransformer.PredictedLabelColumnName, BooleanDataViewType.Instance);
        }
        else if (ProblemType == ProblemType.MultiLabelClassification)
        {
            builder.AddColumn(AgroNTPredictionTransformer.PredictedLabelsColumnName, new VectorDataViewType(BooleanDataViewType.Instance, outputs));
        }
        OutputSchema = builder.ToSchema();
    }

    public AgroNTPredictionTransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public DataViewSchema.Column Sequence { get; }

    public ProblemType ProblemType { get; }

    public int ScoreIndex => InputSchema.Count;

    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var column in outputColumns)
        {
            needed.Add(column.Index < InputSchema.Count ? column.Index : Sequence.Index);
        }
        return needed.Select(i => InputSchema[i]);
    }

    public bool[] ActiveFlags(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (var column in outputColumns)
        {
            active[column.Index] = true;
        }
        return active;
    }

    /// <summary>
    /// The getter of an appended column over a function giving the current row's scores (the model's
    /// <see cref="FineTunedModel.PredictScores"/>: logits for classification, values for regression).
    /// </summary>
    public ValueGetter<TValue> OutputGetter<TValue>(DataViewSchema.Column column, bool[] active, Func<float[]> scores)
    {
        if (!active[column.Index])
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor or row was created; include it in the active columns.");
        }
        int offset = column.Index - ScoreIndex;
        Delegate getter = ProblemType switch
        {
            ProblemType.MultiLabelClassification when offset == 0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                float[] logits = scores();
                var editor = VBufferEditor.Create(ref value, logits.Length);
                for (int i = 0; i < logits.Length; i++)
                {
                    editor.Values[i] = Sigmoid(logits[i]);
                }
                value = editor.Commit();
            }),
            ProblemType.MultiLabelClassification => (ValueGetter<VBuffer<bool>>)((ref VBuffer<bool> value) =>
            {
                float[] logits = scores();
                var editor = VBufferEditor.Create(ref value, logits.Length);
                for (int i = 0; i < logits.Length; i++)
                {
                    editor.Values[i] = logits[i] > 0;
                }
                value = editor.Commit();
            }),
            ProblemType.MultiOutputRegression => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                float[] values = scores();
                var editor = VBufferEditor.Create(ref value, values.Length);
                values.CopyTo(editor.Values);
                value = editor.Commit();
            }),
            _ => offset switch
            {
                0 => (ValueGetter<float>)((ref float value) => value = scores()[0]),
                1 => (ValueGetter<float>)((ref float value) => value = Sigmoid(scores()[0])),
                _ => (ValueGetter<bool>)((ref bool value) => value = scores()[0] > 0),
            },
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter for {typeof(TValue).Name} was requested.");
    }

    private static float Sigmoid(float logit) => 1f / (1f + MathF.Exp(-logit));
}

/// <summary>The lazy output of <see cref="AgroNTPredictionTransformer.Transform"/>.</summary>
internal sealed class PredictionDataView(IDataView source, PredictionBindings bindings) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema => bindings.OutputSchema;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        bool[] active = bindings.ActiveFlags(needed);
        bool predict = active.Skip(bindings.ScoreIndex).Any(a => a);
        var input = source.GetRowCursor(bindings.Dependencies(needed));
        // The look-ahead cursor reads the same rows in the same order (no shuffling), only the sequence column.
        var ahead = predict ? source.GetRowCursor([bindings.Sequence]) : null;
        return new PredictionCursor(bindings, input, ahead, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}

/// <summary>A cursor that predicts a batch of rows at a time, read ahead through a second input cursor.</summary>
internal sealed class PredictionCursor : DataViewRowCursor
{
    private readonly PredictionBindings _bindings;
    private readonly DataViewRowCursor _input;
    private readonly DataViewRowCursor? _ahead;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _aheadSequence;
    private readonly bool[] _active;
    private IReadOnlyList<float[]> _scores = [];
    private int _index = -1;

    public PredictionCursor(PredictionBindings bindings, DataViewRowCursor input, DataViewRowCursor? ahead, bool[] active)
    {
        _bindings = bindings;
        _input = input;
        _ahead = ahead;
        _aheadSequence = ahead?.GetGetter<ReadOnlyMemory<char>>(ahead.Schema[bindings.Sequence.Index]);
        _active = active;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override bool MoveNext()
    {
        if (!_input.MoveNext())
        {
            return false;
        }
        if (_ahead is not null && ++_index >= _scores.Count)
        {
            var sequences = new List<string>(_bindings.Transformer.BatchSize);
            ReadOnlyMemory<char> text = default;
            while (sequences.Count < _bindings.Transformer.BatchSize && _ahead.MoveNext())
            {
                _aheadSequence!(ref text);
                sequences.Add(text.ToString());
            }
            if (sequences.Count == 0)
            {
                throw new InvalidOperationException("The input data gave a second cursor fewer rows than the first; AgroNTPredictionTransformer needs data that reads the same rows on every cursor.");
            }
            _scores = _bindings.Transformer.Model.PredictScores(sequences, _bindings.Transformer.BatchSize);
            _index = 0;
        }
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count
            ? _input.GetGetter<TValue>(_input.Schema[column.Index])
            : _bindings.OutputGetter<TValue>(column, _active, () => _scores[_index]);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _ahead?.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The row mapper behind prediction engines: one row, predicted when a score is first read.</summary>
internal sealed class PredictionMapper(PredictionBindings bindings) : IRowToRowMapper
{
    public DataViewSchema InputSchema => bindings.InputSchema;

    public DataViewSchema OutputSchema => bindings.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => bindings.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new Row(bindings, input, bindings.ActiveFlags(activeColumns));
    }

    private sealed class Row(PredictionBindings bindings, DataViewRow input, bool[] active) : DataViewRow
    {
        private readonly ValueGetter<ReadOnlyMemory<char>>? _sequence = active.Skip(bindings.ScoreIndex).Any(a => a)
            ? input.GetGetter<ReadOnlyMemory<char>>(input.Schema[bindings.Sequence.Index])
            : null;

        private long _position = -1;
        private float[] _scores = [];

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override DataViewSchema Schema => bindings.OutputSchema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < bindings.InputSchema.Count ? input.IsColumnActive(input.Schema[column.Index]) : active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < bindings.InputSchema.Count
                ? input.GetGetter<TValue>(input.Schema[column.Index])
                : bindings.OutputGetter<TValue>(column, active, Score);

        private float[] Score()
        {
            // A row without a position (< 0), as prediction engines give, may change at any time: never cached.
            if (_position < 0 || _position != input.Position)
            {
                ReadOnlyMemory<char> text = default;
                _sequence!(ref text);
                _scores = bindings.Transformer.Model.PredictScores([text.ToString()], 1)[0];
                _position = input.Position;
            }
            return _scores;
        }
    }
}
