namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// One batch of token-id rows as both embedders (TorchSharp and ONNX Runtime) feed their engine: ids and attention
/// mask <c>[Rows, Length]</c>, row-major, padded to the longest row; and the pooling of the engine's hidden states
/// <c>[Rows, Length, hidden]</c> back into one result per row.
/// </summary>
internal sealed class PaddedBatch
{
    private PaddedBatch(int rows, int length, long[] ids, long[] mask, long realTokens)
    {
        Rows = rows;
        Length = length;
        Ids = ids;
        Mask = mask;
        RealTokens = realTokens;
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; }

    /// <summary>Tokens per row after padding (the longest row).</summary>
    public int Length { get; }

    /// <summary>Token ids, <c>padId</c> after each row's end.</summary>
    public long[] Ids { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public long[] Mask { get; }

    /// <summary>Tokens that are not padding.</summary>
    public long RealTokens { get; }

    /// <summary>Tokens computed, padding included (<see cref="Rows"/> x <see cref="Length"/>).</summary>
    public long ComputedTokens => (long)Rows * Length;

    /// <summary>Pads rows <paramref name="batch"/> of <paramref name="inputs"/> to the longest of them.</summary>
    public static PaddedBatch Create(IReadOnlyList<int[]> inputs, ReadOnlySpan<int> batch, long padId)
    {
        int rows = batch.Length;
        int length = 0;
        foreach (int i in batch)
        {
            length = Math.Max(length, inputs[i].Length);
        }
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(ids, padId);
        long real = 0;
        for (int r = 0; r < rows; r++)
        {
            int[] input = inputs[batch[r]];
            real += input.Length;
            for (int t = 0; t < input.Length; t++)
            {
                ids[r * length + t] = input[t];
                mask[r * length + t] = 1;
            }
        }
        return new PaddedBatch(rows, length, ids, mask, real);
    }

    /// <summary>
    /// Pools each row's real tokens of <paramref name="hidden"/> (<c>[Rows, Length, hiddenSize]</c>) into
    /// <c>results[batch[r]]</c>. A row ending with <paramref name="eosId"/> (ESM-2's <c>&lt;eos&gt;</c>) is pooled
    /// without that last position, as <c>&lt;cls&gt;</c> is left out: the mean and the per-token rows are the residues'.
    /// </summary>
    public void PoolRows(IReadOnlyList<int[]> inputs, ReadOnlySpan<int> batch, ReadOnlySpan<float> hidden, int hiddenSize,
        Pooling pooling, bool hasCls, int[] basesPerId, float[][] results, int? eosId = null)
    {
        for (int r = 0; r < Rows; r++)
        {
            int[] input = inputs[batch[r]];
            int tokens = input.Length > (hasCls ? 1 : 0) && eosId is { } eos && input[^1] == eos ? input.Length - 1 : input.Length;
            var rowHidden = hidden.Slice(r * Length * hiddenSize, tokens * hiddenSize);
            int[]? bases = pooling == Pooling.PerNucleotide ? Array.ConvertAll(input[..tokens], id => basesPerId[id]) : null;
            var result = new float[EmbeddingPooler.OutputLength(pooling, tokens, hiddenSize, hasCls, bases)];
            EmbeddingPooler.Pool(pooling, rowHidden, tokens, hiddenSize, hasCls, result, bases);
            results[batch[r]] = result;
        }
    }
}
