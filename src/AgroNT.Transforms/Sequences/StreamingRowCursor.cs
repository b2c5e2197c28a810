using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// A forward-only cursor over records streamed from a file: position, row ids, active columns, the typed-getter check
/// and disposal of the stream, shared by the FASTA data views (<see cref="SequenceDataView"/>, the benchmark view).
/// A subclass only says which getter a column has.
/// </summary>
/// <typeparam name="TRecord">One row's record.</typeparam>
internal abstract class StreamingRowCursor<TRecord> : DataViewRowCursor
    where TRecord : class
{
    private readonly bool[] _active;
    private readonly IEnumerator<TRecord> _records;
    private TRecord? _current;
    private long _position = -1;

    protected StreamingRowCursor(DataViewSchema schema, bool[] active, IEnumerable<TRecord> records)
    {
        Schema = schema;
        _active = active;
        _records = records.GetEnumerator();
    }

    public sealed override DataViewSchema Schema { get; }

    public sealed override long Position => _position;

    public sealed override long Batch => 0;

    /// <summary>The row the cursor is on.</summary>
    protected TRecord Current => _current ?? throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");

    public sealed override bool MoveNext()
    {
        if (_records.MoveNext())
        {
            _current = _records.Current;
            _position++;
            return true;
        }
        _current = null;
        return false;
    }

    public sealed override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

    public sealed override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public sealed override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index >= _active.Length || !_active[column.Index])
        {
            ThrowHelper.ThrowInactiveColumn(column.Name);
        }
        return CreateGetter(column) as ValueGetter<TValue> ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"Column '{column.Name}' holds {column.Type}; a getter for {typeof(TValue).Name} was requested."));
    }

    /// <summary>The getter of an active column, reading <see cref="Current"/>.</summary>
    protected abstract Delegate CreateGetter(DataViewSchema.Column column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _records.Dispose();
        }
        base.Dispose(disposing);
    }
}
