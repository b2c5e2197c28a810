using Microsoft.ML.Data;

namespace AgroNT.Transforms.Featurizing;

/// <summary>
/// The vectors one featurized view has computed, by row number, so that a second pass over the same view (a learner
/// reading its training data again) serves them instead of running the model again. Belongs to one
/// <see cref="BlockFeaturizingDataView{TInput}"/>: the key is that view's source (its identity) and the row's number in
/// it; each entry keeps the row's id, and a cursor that finds another id at that number fails as a misaligned read-ahead
/// does. Bounded by <see cref="BudgetBytes"/>: once full, the rows already held stay and later rows are embedded on
/// every pass. Thread-safe.
/// </summary>
internal sealed class EmbeddingCache
{
    /// <summary>The default bound: 256 MiB, about 260,000 vectors of hidden size 256 or 43,000 of AgroNT-1B's 1,500.</summary>
    public const long DefaultBudgetBytes = 256L << 20;

    // An entry's cost beyond its floats: the array header, the dictionary slot and the row id, rounded up.
    private const int EntryOverheadBytes = 64;

    private readonly Dictionary<long, (DataViewRowId Id, float[] Vector)> _rows = [];
    private readonly Lock _gate = new();
    private long _bytes;

    /// <param name="budgetBytes">The most bytes held; positive.</param>
    public EmbeddingCache(long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budgetBytes);
        BudgetBytes = budgetBytes;
    }

    /// <summary>The most bytes the vectors (and their bookkeeping) may take.</summary>
    public long BudgetBytes { get; }

    /// <summary>The bytes held now.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The rows held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>The vector of row <paramref name="row"/> and the id the row had when it was embedded, if held.</summary>
    public bool TryGet(long row, out DataViewRowId id, out float[] vector)
    {
        lock (_gate)
        {
            if (_rows.TryGetValue(row, out var entry))
            {
                (id, vector) = entry;
                return true;
            }
        }

        (id, vector) = (default, []);
        return false;
    }

    /// <summary>Keeps the vectors of consecutive rows from <paramref name="firstRow"/> while they fit the budget.</summary>
    public void Add(long firstRow, IReadOnlyList<DataViewRowId> ids, IReadOnlyList<float[]> vectors)
    {
        lock (_gate)
        {
            for (int i = 0; i < vectors.Count; i++)
            {
                long cost = Cost(vectors[i]);
                if (_bytes + cost > BudgetBytes)
                {
                    return;
                }

                if (_rows.TryAdd(firstRow + i, (ids[i], vectors[i])))
                {
                    _bytes += cost;
                }
            }
        }
    }

    private static long Cost(float[] vector) => (long)vector.Length * sizeof(float) + EntryOverheadBytes;
}
