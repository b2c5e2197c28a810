using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Onnx;

/// <summary>
/// How one input schema maps through an <see cref="AgroNTOnnxFeaturizingTransformer"/>: the input columns keep their
/// indices (a new column of the same name hides an input column) and the embedding column is appended.
/// </summary>
internal sealed class OnnxFeaturizingBindings
{
    public OnnxFeaturizingBindings(AgroNTOnnxFeaturizingTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        InputSchema = inputSchema;
        (InputColumn, InputKind) = AgroNTOnnxFeaturizingTransformer.CheckInputColumn(inputSchema, transformer.InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(transformer.OutputColumnName, transformer.OutputType);
        OutputIndex = inputSchema.Count;
        OutputSchema = builder.ToSchema();
    }

    public AgroNTOnnxFeaturizingTransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public DataViewSchema.Column InputColumn { get; }

    public OnnxFeaturizingInput InputKind { get; }

    public int OutputIndex { get; }

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/>.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (DataViewSchema.Column column in outputColumns)
        {
            needed.Add(column.Index < InputSchema.Count ? column.Index : InputColumn.Index);
        }

        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>The input columns a cursor passes through (the embedding is read by a cursor of its own).</summary>
    public IEnumerable<DataViewSchema.Column> PassThrough(IEnumerable<DataViewSchema.Column> outputColumns) =>
        outputColumns.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]);

    public bool IsOutputActive(IEnumerable<DataViewSchema.Column> outputColumns) => outputColumns.Any(c => c.Index == OutputIndex);

    /// <summary>Reads the current row's input as DNA text or token ids.</summary>
    public Func<(string? Text, int[]? Ids)> CreateReader(DataViewRow row)
    {
        DataViewSchema.Column column = row.Schema[InputColumn.Index];
        int pad = Transformer.Embedder.Tokenizer.Vocabulary.PadId;
        switch (InputKind)
        {
            case OnnxFeaturizingInput.Text:
                var text = row.GetGetter<ReadOnlyMemory<char>>(column);
                return () =>
                {
                    ReadOnlyMemory<char> value = default;
                    text(ref value);
                    return (value.ToString(), null);
                };
            case OnnxFeaturizingInput.Int32Ids:
                var ints = row.GetGetter<VBuffer<int>>(column);
                return () =>
                {
                    VBuffer<int> value = default;
                    ints(ref value);
                    return (null, TrimPadding(value.DenseValues().ToArray(), pad));
                };
            default:
                var longs = row.GetGetter<VBuffer<long>>(column);
                return () =>
                {
                    VBuffer<long> value = default;
                    longs(ref value);
                    return (null, TrimPadding(value.DenseValues().Select(checked(v => (int)v)).ToArray(), pad));
                };
        }
    }

    /// <summary>Embeds rows read by <see cref="CreateReader"/>; <paramref name="firstPosition"/> names rows in errors.</summary>
    public float[][] Embed(IReadOnlyList<(string? Text, int[]? Ids)> rows, long firstPosition)
    {
        var embedder = Transformer.Embedder;
        if (InputKind == OnnxFeaturizingInput.Text)
        {
            var names = Enumerable.Range(0, rows.Count)
                .Select(i => string.Create(CultureInfo.InvariantCulture, $"row {firstPosition + i} of column {InputColumn.Name}")).ToList();
            return [.. embedder.Embed(rows.Select(r => r.Text!).ToList(), names)];
        }
        return [.. embedder.EmbedTokenIds(rows.Select(r => r.Ids!).ToList())];
    }

    private static int[] TrimPadding(int[] ids, int pad)
    {
        int length = ids.Length;
        while (length > 0 && ids[length - 1] == pad)
        {
            length--;
        }
        return length == ids.Length ? ids : ids[..length];
    }
}

/// <summary>Hands out an embedding vector through an ML.NET getter.</summary>
internal static class OnnxFeaturizingGetters
{
    public static ValueGetter<TValue> Create<TValue>(DataViewSchema.Column column, VectorDataViewType type, Func<float[]> vector)
    {
        if (typeof(TValue) != typeof(VBuffer<float>))
        {
            ThrowHelper.ThrowEmbeddingGetterType(column.Name, typeof(TValue), type.ToString());
        }

        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> value) =>
        {
            float[] source = vector();
            VBufferEditor<float> editor = VBufferEditor.Create(ref value, source.Length);
            source.CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}

/// <summary>One featurized row over one input row (what prediction engines use): embeds that row alone, once per position.</summary>
internal sealed class OnnxFeaturizingRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly OnnxFeaturizingBindings _bindings;
    private readonly bool _outputActive;
    private readonly Func<(string? Text, int[]? Ids)>? _read;
    private float[] _vector = [];
    private long _position = -1;

    public OnnxFeaturizingRow(OnnxFeaturizingBindings bindings, DataViewRow input, bool outputActive)
    {
        _bindings = bindings;
        _input = input;
        _outputActive = outputActive;
        _read = outputActive ? bindings.CreateReader(input) : null;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _outputActive;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _bindings.InputSchema.Count)
        {
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        }
        if (!_outputActive)
        {
            ThrowHelper.ThrowInactiveColumn(column.Name);
        }
        return OnnxFeaturizingGetters.Create<TValue>(column, _bindings.Transformer.OutputType, Current);
    }

    private float[] Current()
    {
        long position = _input.Position;

        // A row without a position (< 0) may change under us at any time, so it is never cached.
        if (position != _position || position < 0)
        {
            _vector = _bindings.Embed([_read!()], position)[0];
            _position = position;
        }
        return _vector;
    }
}

/// <summary>
/// A cursor that embeds in blocks: on the first request for a row's embedding it reads that row and the next
/// <see cref="AgroNTOnnxFeaturizingTransformer.RowsPerBlock"/> - 1 rows through a second cursor over the input (only
/// the DNA column), embeds them together, and serves the block's vectors as the main cursor moves over them.
/// </summary>
internal sealed class OnnxFeaturizingCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly IDataView _source;
    private readonly OnnxFeaturizingBindings _bindings;
    private readonly bool _outputActive;
    private DataViewRowCursor? _lookahead;
    private Func<(string? Text, int[]? Ids)>? _read;
    private float[][] _block = [];
    private long _blockStart;

    public OnnxFeaturizingCursor(OnnxFeaturizingBindings bindings, IDataView source, DataViewRowCursor input, bool outputActive)
    {
        _bindings = bindings;
        _source = source;
        _input = input;
        _outputActive = outputActive;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _outputActive;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _bindings.InputSchema.Count)
        {
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        }
        if (!_outputActive)
        {
            ThrowHelper.ThrowInactiveColumn(column.Name);
        }
        return OnnxFeaturizingGetters.Create<TValue>(column, _bindings.Transformer.OutputType, Current);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lookahead?.Dispose();
            _input.Dispose();
        }
        base.Dispose(disposing);
    }

    private float[] Current()
    {
        long position = _input.Position;
        if (position < 0)
        {
            ThrowHelper.ThrowInvalidOperation("The cursor is not on a row; call MoveNext first.");
        }
        if (position < _blockStart || position >= _blockStart + _block.Length)
        {
            FillBlock(position);
        }
        return _block[position - _blockStart];
    }

    private void FillBlock(long position)
    {
        if (_lookahead is null)
        {
            // Unshuffled cursors of one data view visit the same rows in the same order, so positions line up.
            _lookahead = _source.GetRowCursor([_bindings.InputColumn]);
            _read = _bindings.CreateReader(_lookahead);
        }
        while (_lookahead.Position < position)
        {
            if (!_lookahead.MoveNext())
            {
                ThrowHelper.ThrowInvalidOperation(string.Create(CultureInfo.InvariantCulture,
                    $"The input data view gave fewer rows to a second cursor than to the first (row {position}); the featurizer needs a data view whose cursors repeat the same rows in the same order."));
            }
        }
        var rows = new List<(string? Text, int[]? Ids)>(_bindings.Transformer.RowsPerBlock) { _read!() };
        while (rows.Count < _bindings.Transformer.RowsPerBlock && _lookahead.MoveNext())
        {
            rows.Add(_read!());
        }
        _block = _bindings.Embed(rows, position);
        _blockStart = position;
    }
}

/// <summary>The <see cref="IRowToRowMapper"/> of an <see cref="AgroNTOnnxFeaturizingTransformer"/> for one input schema.</summary>
internal sealed class OnnxFeaturizingMapper : IRowToRowMapper
{
    private readonly OnnxFeaturizingBindings _bindings;

    public OnnxFeaturizingMapper(OnnxFeaturizingBindings bindings) => _bindings = bindings;

    public DataViewSchema InputSchema => _bindings.InputSchema;

    public DataViewSchema OutputSchema => _bindings.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _bindings.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new OnnxFeaturizingRow(_bindings, input, _bindings.IsOutputActive(activeColumns));
    }
}

/// <summary>The lazy output of <see cref="AgroNTOnnxFeaturizingTransformer.Transform(IDataView)"/>.</summary>
internal sealed class OnnxFeaturizingDataView : IDataView
{
    private readonly IDataView _source;
    private readonly OnnxFeaturizingBindings _bindings;

    public OnnxFeaturizingDataView(IDataView source, OnnxFeaturizingBindings bindings)
    {
        _source = source;
        _bindings = bindings;
    }

    /// <summary>False: blocks are read ahead in row order by a second cursor that must see the same rows.</summary>
    public bool CanShuffle => false;

    public DataViewSchema Schema => _bindings.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        return new OnnxFeaturizingCursor(_bindings, _source, _source.GetRowCursor(_bindings.PassThrough(needed)), _bindings.IsOutputActive(needed));
    }

    /// <summary>One cursor: each block already runs ONNX Runtime on all its intra-op threads.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
