namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// Groups model inputs of similar length into padded batches, so that little padding is computed. Shared by the
/// TorchSharp and ONNX embedders so both batch the same way: inputs are sorted by token count and cut into batches
/// of at most <c>batchSize</c> rows and <c>maxBatchTokens</c> padded positions; a batch is also closed before the
/// next input would make more than <c>maxPaddingFraction</c> of its positions padding.
/// </summary>
public static class LengthBuckets
{
    /// <summary>Plans the batches for inputs of the given token counts.</summary>
    /// <param name="lengths">Token count of each input (padding excluded).</param>
    /// <param name="batchSize">Most inputs per batch (positive).</param>
    /// <param name="maxBatchTokens">Most padded positions (rows x longest input) per batch; <see langword="null"/> for no bound.
    /// A single input longer than the bound still gets a batch of its own.</param>
    /// <param name="maxPaddingFraction">Largest share of padded positions a batch may have, in [0, 1).</param>
    /// <returns>Each batch as the indices of its inputs, shortest first; every index appears exactly once.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive or the fraction is outside [0, 1).</exception>
    public static IReadOnlyList<int[]> Plan(IReadOnlyList<int> lengths, int batchSize, int? maxBatchTokens, double maxPaddingFraction)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (maxBatchTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatchTokens), maxBatchTokens, "MaxBatchTokens must be positive (or null for no bound).");
        }
        if (maxPaddingFraction is < 0 or >= 1 || double.IsNaN(maxPaddingFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(maxPaddingFraction), maxPaddingFraction, "MaxPaddingFraction must lie in [0, 1).");
        }

        // A stable sort keeps equal-length inputs in input order, so plans are deterministic.
        int[] order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ToArray();
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            long real = lengths[order[start]];
            while (end < order.Length && end - start < batchSize)
            {
                // Sorted ascending, so the next input sets the padded length of the batch.
                long padded = (long)(end - start + 1) * lengths[order[end]];
                long withNext = real + lengths[order[end]];
                if ((maxBatchTokens is { } budget && padded > budget) || padded - withNext > maxPaddingFraction * padded)
                {
                    break;
                }
                real = withNext;
                end++;
            }
            batches.Add(order[start..end]);
            start = end;
        }
        return batches;
    }

    /// <summary>
    /// Plans batches for an engine that packs inputs end to end instead of padding them (the TorchSharp embedder): inputs
    /// sorted by token count, cut into batches of at most <paramref name="batchSize"/> inputs and
    /// <paramref name="maxBatchTokens"/> tokens in all. No padding is computed, so no padding bound applies.
    /// </summary>
    /// <param name="lengths">Token count of each input.</param>
    /// <param name="batchSize">Most inputs per batch (positive).</param>
    /// <param name="maxBatchTokens">Most tokens per batch; <see langword="null"/> for no bound. A single input longer than
    /// the bound still gets a batch of its own.</param>
    /// <returns>Each batch as the indices of its inputs, shortest first; every index appears exactly once.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A bound is not positive.</exception>
    public static IReadOnlyList<int[]> PlanPacked(IReadOnlyList<int> lengths, int batchSize, int? maxBatchTokens)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (maxBatchTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatchTokens), maxBatchTokens, "MaxBatchTokens must be positive (or null for no bound).");
        }
        int[] order = Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i]).ToArray();
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            long tokens = lengths[order[start]];
            while (end < order.Length && end - start < batchSize && (maxBatchTokens is not { } budget || tokens + lengths[order[end]] <= budget))
            {
                tokens += lengths[order[end]];
                end++;
            }
            batches.Add(order[start..end]);
            start = end;
        }
        return batches;
    }
}
