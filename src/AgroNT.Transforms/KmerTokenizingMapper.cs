using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms;

/// <summary>
/// How one input schema maps through a <see cref="KmerTokenizingTransformer"/>: the input columns keep their indices
/// (a new column of the same name hides, not replaces, an input column), the ids column and the optional mask column
/// are appended.
/// </summary>
internal sealed class KmerTokenizingBindings
{
    public KmerTokenizingBindings(KmerTokenizingTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        InputSchema = inputSchema;
        InputColumn = KmerTokenizingTransformer.CheckInputColumn(inputSchema, transformer.InputColumnName);
        VectorType = transformer.OutputType;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(transformer.OutputColumnName, VectorType);
        IdsIndex = inputSchema.Count;
        MaskIndex = -1;
        if (transformer.AttentionMaskColumnName is { } mask)
        {
            builder.AddColumn(mask, VectorType);
            MaskIndex = inputSchema.Count + 1;
        }

        OutputSchema = builder.ToSchema();
    }

    public KmerTokenizingTransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public DataViewSchema.Column InputColumn { get; }

    public VectorDataViewType VectorType { get; }

    public int IdsIndex { get; }

    public int MaskIndex { get; }

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

    /// <summary>Which output columns are active, by index.</summary>
    public bool[] ActiveFlags(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (DataViewSchema.Column column in outputColumns)
        {
            active[column.Index] = true;
        }

        return active;
    }
}

/// <summary>
/// The tokenized columns of one input row or cursor: encodes the current row's text once, on the first getter call,
/// into a buffer reused for every row (so cursors allocate nothing per row but the output vectors they hand out).
/// </summary>
internal sealed class KmerTokenizingColumns
{
    private readonly KmerTokenizingBindings _bindings;
    private readonly DataViewRow _input;
    private readonly bool[] _active;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _text;
    private readonly int[] _ids;
    private ReadOnlyMemory<char> _sequence;
    private long _position = -1;
    private int _count;

    public KmerTokenizingColumns(KmerTokenizingBindings bindings, DataViewRow input, bool[] active)
    {
        _bindings = bindings;
        _input = input;
        _active = active;
        bool tokenize = active[bindings.IdsIndex] || (bindings.MaskIndex >= 0 && active[bindings.MaskIndex]);
        _text = tokenize ? input.GetGetter<ReadOnlyMemory<char>>(input.Schema[bindings.InputColumn.Index]) : null;
        _ids = tokenize ? new int[bindings.Transformer.Limit] : [];
    }

    public bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _active[column.Index];

    public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _bindings.InputSchema.Count)
        {
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        }

        if (!_active[column.Index])
        {
            ThrowHelper.ThrowInactiveColumn(column.Name);
        }

        if (typeof(TValue) != typeof(VBuffer<int>))
        {
            ThrowHelper.ThrowGetterType(column.Name, typeof(TValue), _bindings.VectorType.ToString());
        }

        ValueGetter<VBuffer<int>> getter = column.Index == _bindings.IdsIndex ? GetIds : GetMask;
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    private void GetIds(ref VBuffer<int> value)
    {
        Tokenize();
        int length = _bindings.Transformer.FixedLength ?? _count;
        VBufferEditor<int> editor = VBufferEditor.Create(ref value, length);
        _ids.AsSpan(0, _count).CopyTo(editor.Values);
        editor.Values[_count..].Fill(_bindings.Transformer.Tokenizer.Vocabulary.PadId);
        value = editor.Commit();
    }

    private void GetMask(ref VBuffer<int> value)
    {
        Tokenize();
        int length = _bindings.Transformer.FixedLength ?? _count;
        VBufferEditor<int> editor = VBufferEditor.Create(ref value, length);
        editor.Values[.._count].Fill(1);
        editor.Values[_count..].Fill(0);
        value = editor.Commit();
    }

    private void Tokenize()
    {
        long position = _input.Position;

        // A row without a position (< 0) may change under us at any time, so it is never cached.
        if (position == _position && position >= 0)
        {
            return;
        }

        _text!(ref _sequence);
        string name = string.Create(CultureInfo.InvariantCulture, $"row {position} of column {_bindings.InputColumn.Name}");
        _count = _bindings.Transformer.Tokenizer.EncodeToIds(_sequence.Span, _ids, _bindings.Transformer.Limit, name);
        _position = position;
    }
}

/// <summary>One tokenized row over one input row (what <see cref="IRowToRowMapper.GetRow"/> returns; prediction engines use it).</summary>
internal sealed class KmerTokenizingRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly KmerTokenizingBindings _bindings;
    private readonly KmerTokenizingColumns _columns;

    public KmerTokenizingRow(KmerTokenizingBindings bindings, DataViewRow input, bool[] active)
    {
        _bindings = bindings;
        _input = input;
        _columns = new KmerTokenizingColumns(bindings, input, active);
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _columns.IsColumnActive(column);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _columns.GetGetter<TValue>(column);
}

/// <summary>A cursor that tokenizes lazily, row by row, over a cursor of the input.</summary>
internal sealed class KmerTokenizingCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly KmerTokenizingBindings _bindings;
    private readonly KmerTokenizingColumns _columns;

    public KmerTokenizingCursor(KmerTokenizingBindings bindings, DataViewRowCursor input, bool[] active)
    {
        _bindings = bindings;
        _input = input;
        _columns = new KmerTokenizingColumns(bindings, input, active);
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _bindings.OutputSchema;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _columns.IsColumnActive(column);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _columns.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The <see cref="IRowToRowMapper"/> of a <see cref="KmerTokenizingTransformer"/> for one input schema.</summary>
internal sealed class KmerTokenizingMapper : IRowToRowMapper
{
    private readonly KmerTokenizingBindings _bindings;

    public KmerTokenizingMapper(KmerTokenizingBindings bindings) => _bindings = bindings;

    public DataViewSchema InputSchema => _bindings.InputSchema;

    public DataViewSchema OutputSchema => _bindings.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        _bindings.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        return new KmerTokenizingRow(_bindings, input, _bindings.ActiveFlags(activeColumns));
    }
}

/// <summary>The lazy output of <see cref="KmerTokenizingTransformer.Transform(IDataView)"/>: nothing is computed until a cursor moves.</summary>
internal sealed class KmerTokenizingDataView : IDataView
{
    private readonly IDataView _source;
    private readonly KmerTokenizingBindings _bindings;

    public KmerTokenizingDataView(IDataView source, KmerTokenizingBindings bindings)
    {
        _source = source;
        _bindings = bindings;
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema => _bindings.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        return new KmerTokenizingCursor(_bindings, _source.GetRowCursor(_bindings.Dependencies(needed), rand), _bindings.ActiveFlags(needed));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        return [.. _source.GetRowCursorSet(_bindings.Dependencies(needed), n, rand)
            .Select(cursor => new KmerTokenizingCursor(_bindings, cursor, _bindings.ActiveFlags(needed)))];
    }
}
