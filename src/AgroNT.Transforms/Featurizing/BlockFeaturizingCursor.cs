using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Featurizing;

/// <summary>
/// A cursor that passes the input columns through from one source cursor and, when the features are requested, embeds
/// them a block at a time: on the first feature request beyond the current block, a second cursor over the same source
/// (reading the input column only) skips to the current row, reads the next <see cref="BlockFeaturizer{TInput}.RowsPerBlock"/>
/// rows, and the block is embedded in one call. The row ids of the two cursors are compared for every row served, so a
/// source that changes order between passes fails loudly instead of mislabelling rows. With a cache, a row some earlier
/// cursor of the same view embedded is served from it (its id checked the same way), and each block embedded here is
/// offered to it.
/// </summary>
internal sealed class BlockFeaturizingCursor<TInput> : DataViewRowCursor
{
    private readonly BlockFeaturizer<TInput> _featurizer;
    private readonly DataViewRowCursor _input;
    private readonly IDataView? _readAheadSource;
    private readonly EmbeddingCache? _cache;
    private DataViewRowCursor? _readAhead;
    private Func<long, TInput>? _read;
    private ValueGetter<DataViewRowId>? _readAheadId;
    private ValueGetter<DataViewRowId>? _inputId;
    private IReadOnlyList<float[]> _block = [];
    private DataViewRowId[] _blockIds = [];
    private long _blockStart;
    private long _readAheadRow;
    private long _row = -1;

    /// <param name="featurizer">The schema mapping, reader and embedding function.</param>
    /// <param name="input">The pass-through cursor (it owns it).</param>
    /// <param name="readAheadSource">The source to read ahead in when the features are active; <see langword="null"/> otherwise.</param>
    /// <param name="cache">The view's vectors from earlier cursors, or <see langword="null"/>.</param>
    public BlockFeaturizingCursor(BlockFeaturizer<TInput> featurizer, DataViewRowCursor input, IDataView? readAheadSource, EmbeddingCache? cache)
    {
        _featurizer = featurizer;
        _input = input;
        _readAheadSource = readAheadSource;
        _cache = cache;
    }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override DataViewSchema Schema => _featurizer.Schema.OutputSchema;

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
        column.Index < _featurizer.Schema.InputSchema.Count ? _input.IsColumnActive(_input.Schema[column.Index]) : _readAheadSource is not null;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        column.Index < _featurizer.Schema.InputSchema.Count
            ? _input.GetGetter<TValue>(_input.Schema[column.Index])
            : _featurizer.Schema.OutputGetter<TValue>(column, _readAheadSource is not null, GetFeatures);

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
            ThrowHelper.ThrowInvalidOperation("The cursor is not on a row: call MoveNext before reading a value.");
        }

        _inputId ??= _input.GetIdGetter();
        DataViewRowId id = default;
        _inputId(ref id);
        float[] features;
        if (_row < _blockStart + _block.Count)
        {
            features = FromBlock(id);
        }
        else if (_cache is not null && _cache.TryGet(_row, out DataViewRowId cachedId, out float[] cached))
        {
            if (!id.Equals(cachedId))
            {
                ThrowOrderChanged(_row);
            }

            features = cached;
        }
        else
        {
            ReadBlock();
            features = FromBlock(id);
        }

        VBufferEditor<float> editor = VBufferEditor.Create(ref value, features.Length);
        features.CopyTo(editor.Values);
        value = editor.Commit();
    }

    private float[] FromBlock(DataViewRowId id)
    {
        int index = (int)(_row - _blockStart);
        if (!id.Equals(_blockIds[index]))
        {
            ThrowOrderChanged(_row);
        }

        return _block[index];
    }

    /// <summary>Reads the block of rows starting at the current row through the read-ahead cursor and embeds it.</summary>
    private void ReadBlock()
    {
        if (_readAhead is null)
        {
            _readAhead = _readAheadSource!.GetRowCursor([_readAheadSource.Schema[_featurizer.Schema.InputColumn.Index]]);
            _read = _featurizer.CreateReader(_readAhead);
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

        int capacity = _featurizer.RowsPerBlock;
        var inputs = new List<TInput>(capacity);
        var ids = new List<DataViewRowId>(capacity);
        _block = [];
        _blockStart = _row;
        try
        {
            while (ids.Count < capacity && _readAhead.MoveNext())
            {
                inputs.Add(_read!(_readAheadRow));
                DataViewRowId id = default;
                _readAheadId!(ref id);
                ids.Add(id);
                _readAheadRow++;
            }

            if (ids.Count == 0)
            {
                ThrowOrderChanged(_row);
            }

            _block = EmbedOnOwnThread(inputs, _blockStart);
        }
        catch
        {
            // Start the read-ahead afresh, so that reading this row again reports the same error, not a misalignment.
            _readAhead.Dispose();
            _readAhead = null;
            _readAheadRow = 0;
            throw;
        }

        _blockIds = [.. ids];
        _cache?.Add(_blockStart, _blockIds, _block);
    }

    /// <summary>
    /// Embeds a block on a thread of its own and waits for it. The consumer of this cursor is often a learner with its own
    /// native thread pool (LightGBM's OpenMP threads): when the model's native threads (libtorch's) are driven from that
    /// same thread, the two pools spin against each other, and fitting <c>FeaturizeAgroNT(...).Append(LightGbm())</c>
    /// on 400 chloroplast_coding rows took 15-20 s of CPU instead of 3-5 s (the same embedding work; with
    /// <c>OMP_WAIT_POLICY=PASSIVE</c> the difference vanished). ML.NET's cache checkpoint avoids it the same way, by
    /// reading its source from a filler thread. The original exception is rethrown as it is.
    /// </summary>
    private IReadOnlyList<float[]> EmbedOnOwnThread(List<TInput> inputs, long firstRow) =>
        Task.Factory.StartNew(() => _featurizer.Embed(inputs, firstRow), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .GetAwaiter().GetResult();

    private static void ThrowOrderChanged(long row) =>
        ThrowHelper.ThrowInvalidOperation(string.Create(CultureInfo.InvariantCulture,
            $"The source gave two cursors different rows at row {row}: featurization reads the input column ahead with a second cursor and needs every cursor of the source to return the same rows in the same order.")
            + " Make the source deterministic, for example with mlContext.Data.Cache(data) before featurizing.");
}
