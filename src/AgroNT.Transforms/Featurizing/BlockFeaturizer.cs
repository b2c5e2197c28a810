using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Featurizing;

/// <summary>
/// A featurizer's data plumbing, independent of the engine that computes the vectors: <see cref="Transform"/> gives a
/// lazy view whose cursors read blocks of <see cref="RowsPerBlock"/> inputs ahead and embed each block in one call, and
/// <see cref="CreateMapper"/> gives the one-row mapper prediction engines use. The TorchSharp and ONNX featurizers
/// differ only in <typeparamref name="TInput"/>, the row reader and the embedding function. Each view keeps the vectors
/// it computed, up to <see cref="CacheBudgetBytes"/>, so a learner's later passes over it run no model (<see cref="EmbeddingCache"/>).
/// </summary>
/// <typeparam name="TInput">One row's input as the embedding function takes it (DNA text or token ids).</typeparam>
/// <param name="schema">The schema mapping.</param>
/// <param name="rowsPerBlock">Rows read ahead and embedded together.</param>
/// <param name="createReader">Binds to a row or cursor and returns a reader of its current input; the reader takes the row's number, for errors.</param>
/// <param name="embed">Embeds a block of consecutive rows whose first row has the given number; one vector per input, in order.</param>
/// <param name="cacheBudgetBytes">Bytes of vectors each view may keep for later passes; 0 keeps none.</param>
internal sealed class BlockFeaturizer<TInput>(
    FeaturizingSchema schema,
    int rowsPerBlock,
    Func<DataViewRow, Func<long, TInput>> createReader,
    Func<IReadOnlyList<TInput>, long, IReadOnlyList<float[]>> embed,
    long cacheBudgetBytes = 0)
{
    public FeaturizingSchema Schema { get; } = schema;

    public int RowsPerBlock { get; } = rowsPerBlock > 0 ? rowsPerBlock : throw new ArgumentOutOfRangeException(nameof(rowsPerBlock), rowsPerBlock, "Rows per block must be positive.");

    public long CacheBudgetBytes { get; } = cacheBudgetBytes >= 0 ? cacheBudgetBytes : throw new ArgumentOutOfRangeException(nameof(cacheBudgetBytes), cacheBudgetBytes, "The cache budget must not be negative.");

    public Func<long, TInput> CreateReader(DataViewRow row) => createReader(row);

    public IReadOnlyList<float[]> Embed(IReadOnlyList<TInput> inputs, long firstRow) => embed(inputs, firstRow);

    /// <summary>The lazy featurized view of <paramref name="source"/>, whose schema must be <see cref="FeaturizingSchema.InputSchema"/>;
    /// it keeps its own cache of the vectors it computes.</summary>
    public IDataView Transform(IDataView source) =>
        new BlockFeaturizingDataView<TInput>(source, this, CacheBudgetBytes > 0 ? new EmbeddingCache(CacheBudgetBytes) : null);

    /// <summary>The row-to-row mapper over <see cref="FeaturizingSchema.InputSchema"/>.</summary>
    public IRowToRowMapper CreateMapper() => new BlockFeaturizingMapper<TInput>(this);
}
