using Microsoft.ML;

namespace AgroNT.Transforms.Featurizing;

/// <summary>
/// The lazy output of a <see cref="BlockFeaturizer{TInput}"/>. Cursors that ask for the features embed blocks of rows
/// read ahead through a second cursor over the source, which must therefore give its rows in the same order to every
/// cursor: this view never shuffles and hands out one cursor per cursor set when the features are requested. The
/// vectors computed are kept in <see cref="Cache"/> (when there is one) and served to later cursors over the same rows.
/// </summary>
internal sealed class BlockFeaturizingDataView<TInput> : IDataView
{
    private readonly IDataView _source;
    private readonly BlockFeaturizer<TInput> _featurizer;

    public BlockFeaturizingDataView(IDataView source, BlockFeaturizer<TInput> featurizer, EmbeddingCache? cache)
    {
        _source = source;
        _featurizer = featurizer;
        Cache = cache;
    }

    /// <summary>The vectors this view has computed, or <see langword="null"/> when caching is off.</summary>
    public EmbeddingCache? Cache { get; }

    // Shuffling would need both cursors to draw the same permutation from one Random, which ML.NET does not promise.
    public bool CanShuffle => false;

    public DataViewSchema Schema => _featurizer.Schema.OutputSchema;

    public long? GetRowCount() => _source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        bool features = _featurizer.Schema.IsOutputRequested(needed);
        return new BlockFeaturizingCursor<TInput>(_featurizer, _source.GetRowCursor(_featurizer.Schema.PassThrough(needed)), features ? _source : null, Cache);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        DataViewSchema.Column[] needed = [.. columnsNeeded];
        if (_featurizer.Schema.IsOutputRequested(needed))
        {
            // One cursor: blocks are embedded in order, and each engine call already uses every core.
            return [GetRowCursor(needed)];
        }

        return [.. _source.GetRowCursorSet(_featurizer.Schema.PassThrough(needed), n)
            .Select(cursor => new BlockFeaturizingCursor<TInput>(_featurizer, cursor, readAheadSource: null, cache: null))];
    }
}
