namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// Plans the batches of the embedders and predictors: inputs are sorted by token count and cut into batches of at most
/// <c>batchSize</c> inputs. <see cref="Plan"/> is for engines that pad (the ONNX embedder): at most
/// <c>maxBatchTokens</c> padded positions, and a batch is closed before the next input would make more than
/// <c>maxPaddingFraction</c> of its positions padding. <see cref="PlanPacked"/> is for engines that pack inputs end to
/// end (the TorchSharp embedder and fine-tuned predictions): at most <c>maxBatchTokens</c> tokens in all.
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
        if (maxPaddingFraction is < 0 or >= 1 || double.IsNaN(maxPaddingFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(maxPaddingFraction), maxPaddingFraction, "MaxPaddingFraction must lie in [0, 1).");
        }
        return Cut(lengths, batchSize, maxBatchTokens, (rows, real, next) =>
        {
            // Sorted ascending, so the next input sets the padded length of the batch.
            long padded = (long)(rows + 1) * next;
            return (maxBatchTokens is not { } budget || padded <= budget) && padded - (real + next) <= maxPaddingFraction * padded;
        });
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
    public static IReadOnlyList<int[]> PlanPacked(IReadOnlyList<int> lengths, int batchSize, int? maxBatchTokens) =>
        Cut(lengths, batchSize, maxBatchTokens, (_, real, next) => maxBatchTokens is not { } budget || real + next <= budget);

    /// <summary>
    /// Sorts the inputs by length (stably: equal lengths keep input order, so plans are deterministic) and cuts them
    /// into batches of at most <paramref name="batchSize"/>, each closed when <paramref name="admits"/> (rows so far,
    /// their tokens, the next input's length) refuses the next input. A batch always takes its first input.
    /// </summary>
    private static List<int[]> Cut(IReadOnlyList<int> lengths, int batchSize, int? maxBatchTokens, Func<int, long, int, bool> admits)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (maxBatchTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatchTokens), maxBatchTokens, "MaxBatchTokens must be positive (or null for no bound).");
        }
        int[] order = [.. Enumerable.Range(0, lengths.Count).OrderBy(i => lengths[i])];
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            long real = lengths[order[start]];
            while (end < order.Length && end - start < batchSize && admits(end - start, real, lengths[order[end]]))
            {
                real += lengths[order[end]];
                end++;
            }
            batches.Add(order[start..end]);
            start = end;
        }
        return batches;
    }
}
