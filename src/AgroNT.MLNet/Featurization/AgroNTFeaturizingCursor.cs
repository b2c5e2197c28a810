using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// The lazy output of <see cref="AgroNTFeaturizingTransformer.Transform(IDataView)"/>. Cursors that ask for the features
/// embed blocks of rows read ahead through a second cursor over the source, which must therefore give its rows in the
/// same order to every cursor: this view never shuffles and hands out one cursor per cursor set.
/// </summary>
internal sealed class AgroNTFeaturizingDataView : IDataView
{
    private readonly IDataView _source;
    private readonly AgroNTFeaturizingBindings _bindings;

    public AgroNTFeaturizingDataView(IDataView source, AgroNTFeaturizingBindings bindings)
    {
        _source = source;
        _bindings = bindings;
    }

    // Shuffling would need both cursors to draw the same permutation from one Random, which ML.NET does not promise.
    public bool CanShuffle => false;

    public DataViewSchema Schema => _bindings.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        bool features = _bindings.IsOutputRequested(needed);
        return new AgroNTFeaturizingCursor(_bindings, _source.GetRowCursor(_bindings.PassThrough(needed)), features ? _source : null);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        if (_bindings.IsOutputRequested(needed))
        {
            // One cursor: blocks are embedded in order, and libtorch already uses every core for each batch.
            return [GetRowCursor(needed)];
        }

        return [.. _source.GetRowCursorSet(_bindings.PassThrough(needed), n).Select(cursor => new AgroNTFeaturizingCursor(_bindings, cursor, readAheadSource: null))];
    }
}

/// <summary>
/// A cursor that passes the input columns through from one source cursor and, when the features are requested, embeds
/// them a block at a time: on the first feature request beyond the current block, a second cursor over the same source
/// (reading the input column only) skips to the current row, reads the next <see cref="AgroNTFeaturizingTransformer.ReadAheadRows"/>
/// rows, and the block is embedded in one <see cref="AgroNTEmbedder"/> call. The row ids of the two cursors are compared
/// for every row served, so a source that changes order between passes fails loudly instead of mislabelling rows.
/// </summary>
internal sealed class AgroNTFeaturizingCursor : DataViewRowCursor
{
    private readonly AgroNTFeaturizingBindings _bindings;
    private readonly DataViewRowCursor _input;
    private readonly IDataView? _readAheadSource;
    private readonly FeaturizingInputs _inputs = new();
    private DataViewRowCursor? _readAhead;
    private FeaturizingInputReader? _reader;
    private ValueGetter<DataViewRowId>? _readAheadId;
    private ValueGetter<DataViewRowId>? _inputId;
    private IReadOnlyList<float[]> _block = [];
    private DataViewRowId[] _blockIds = [];
    private long _blockStart;
    private long _readAheadRow;
    private long _row = -1;

    /// <param name="bindings">The schema mapping.</param>
    /// <param name="input">The pass-through cursor (it owns it).</param>
    /// <param name="readAheadSource">The source to read ahead in when the features are active; <see langword="null"/> otherwise.</param>
    public AgroNTFeaturizingCursor(AgroNTFeaturizingBindings bindings, DataViewRowCursor input, IDataView? readAheadSource)
    {
        _bindings = bindings;
        _input = input;
        _readAheadSource = readAheadSource;
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

        _row++;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _bindings.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _readAheadSource is not null;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _bindings.InputSchema.Count)
        {
            return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        }

        return _bindings.OutputGetter<TValue>(column, _readAheadSource is not null, GetFeatures);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _readAhead?.Dispose();
            _input.Dispose();
        }

        base.Dispose(disposing);
    }

    private void GetFeatures(ref VBuffer<float> value)
    {
        if (_row < 0)
        {
            throw new InvalidOperationException("The cursor is not on a row: call MoveNext before reading a value.");
        }

        if (_row >= _blockStart + _block.Count)
        {
            ReadBlock();
        }

        int index = (int)(_row - _blockStart);
        _inputId ??= _input.GetIdGetter();
        DataViewRowId id = default;
        _inputId(ref id);
        if (!id.Equals(_blockIds[index]))
        {
            ThrowOrderChanged(_row);
        }

        float[] features = _block[index];
        VBufferEditor<float> editor = VBufferEditor.Create(ref value, features.Length);
        features.CopyTo(editor.Values);
        value = editor.Commit();
    }

    /// <summary>Reads the block of rows starting at the current row through the read-ahead cursor and embeds it.</summary>
    private void ReadBlock()
    {
        if (_readAhead is null)
        {
            _readAhead = _readAheadSource!.GetRowCursor([_readAheadSource.Schema[_bindings.InputColumn.Index]]);
            _reader = new FeaturizingInputReader(_bindings, _readAhead);
            _readAheadId = _readAhead.GetIdGetter();
        }

        // Rows whose features nobody asked for are skipped without reading them.
        for (; _readAheadRow < _row; _readAheadRow++)
        {
            if (!_readAhead.MoveNext())
            {
                ThrowOrderChanged(_row);
            }
        }

        int capacity = _bindings.Transformer.ReadAheadRows;
        var ids = new List<DataViewRowId>(capacity);
        _block = [];
        _blockStart = _row;
        try
        {
            while (ids.Count < capacity && _readAhead.MoveNext())
            {
                _reader!.ReadInto(_inputs, _readAheadRow);
                DataViewRowId id = default;
                _readAheadId!(ref id);
                ids.Add(id);
                _readAheadRow++;
            }

            if (ids.Count == 0)
            {
                ThrowOrderChanged(_row);
            }

            _block = _inputs.Embed(_bindings.Transformer.Embedder);
        }
        catch
        {
            // Start the read-ahead afresh, so that reading this row again reports the same error, not a misalignment.
            _readAhead.Dispose();
            _readAhead = null;
            _readAheadRow = 0;
            throw;
        }
        finally
        {
            _inputs.Clear();
        }

        _blockIds = [.. ids];
    }

    private void ThrowOrderChanged(long row) =>
        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"The source gave two cursors different rows at row {row}: AgroNT featurization reads the input column ahead with a second cursor and needs every cursor of the source to return the same rows in the same order.")
            + " Make the source deterministic, for example with mlContext.Data.Cache(data) before FeaturizeAgroNT.");
}
