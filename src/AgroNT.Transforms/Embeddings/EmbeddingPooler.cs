using System.Numerics.Tensors;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// Pools the hidden states of one sequence. Shared by the TorchSharp and ONNX featurizers so both give the same
/// vectors. The input is row-major <c>[tokens, hidden]</c> holding only that sequence's real positions (no padding);
/// position 0 is <c>&lt;cls&gt;</c> when <c>hasCls</c> is true.
/// </summary>
public static class EmbeddingPooler
{
    /// <summary>Number of floats <see cref="Pool"/> writes for a sequence.</summary>
    /// <param name="pooling">The pooling rule.</param>
    /// <param name="tokens">Real positions including <c>&lt;cls&gt;</c>.</param>
    /// <param name="hiddenSize">Width of one hidden state.</param>
    /// <param name="hasCls">Whether position 0 is <c>&lt;cls&gt;</c>.</param>
    /// <param name="basesPerToken">Bases covered by each position (only for <see cref="Pooling.PerNucleotide"/>).</param>
    public static int OutputLength(Pooling pooling, int tokens, int hiddenSize, bool hasCls, ReadOnlySpan<int> basesPerToken = default) => pooling switch
    {
        Pooling.Mean or Pooling.Cls => hiddenSize,
        Pooling.Tokens => (tokens - (hasCls ? 1 : 0)) * hiddenSize,
        Pooling.PerNucleotide => SumBases(basesPerToken, tokens, hasCls) * hiddenSize,
        _ => throw new ArgumentOutOfRangeException(nameof(pooling), pooling, null),
    };

    /// <summary>Pools <paramref name="hidden"/> into <paramref name="destination"/> (length <see cref="OutputLength"/>).</summary>
    /// <remarks>Mean of a sequence with no real token after <c>&lt;cls&gt;</c> (an empty sequence) is the zero vector.</remarks>
    public static void Pool(Pooling pooling, ReadOnlySpan<float> hidden, int tokens, int hiddenSize, bool hasCls, Span<float> destination, ReadOnlySpan<int> basesPerToken = default)
    {
        if (hidden.Length < tokens * hiddenSize)
        {
            throw new ArgumentException($"hidden holds {hidden.Length} floats, fewer than {tokens} tokens x {hiddenSize}.", nameof(hidden));
        }
        int first = hasCls ? 1 : 0;
        switch (pooling)
        {
            case Pooling.Mean:
                var sum = destination[..hiddenSize];
                sum.Clear();
                for (int t = first; t < tokens; t++)
                {
                    TensorPrimitives.Add(sum, hidden.Slice(t * hiddenSize, hiddenSize), sum);
                }
                if (tokens > first)
                {
                    TensorPrimitives.Divide(sum, tokens - first, sum);
                }
                break;
            case Pooling.Cls:
                if (!hasCls)
                {
                    throw new InvalidOperationException("Cls pooling needs a <cls> token at position 0; the tokenizer was configured without it.");
                }
                hidden[..hiddenSize].CopyTo(destination);
                break;
            case Pooling.Tokens:
                hidden.Slice(first * hiddenSize, (tokens - first) * hiddenSize).CopyTo(destination);
                break;
            case Pooling.PerNucleotide:
                int at = 0;
                for (int t = first; t < tokens; t++)
                {
                    var row = hidden.Slice(t * hiddenSize, hiddenSize);
                    for (int b = 0; b < basesPerToken[t]; b++, at += hiddenSize)
                    {
                        row.CopyTo(destination.Slice(at, hiddenSize));
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(pooling), pooling, null);
        }
    }

    /// <summary>
    /// Combines the pooled vectors of a sequence's windows. For <see cref="Pooling.Mean"/> and <see cref="Pooling.Cls"/>
    /// the vectors are averaged by <paramref name="aggregation"/>; for the per-position poolings they are concatenated
    /// in order (the caller passes each window's non-overlapping part).
    /// </summary>
    public static float[] CombineWindows(Pooling pooling, WindowAggregation aggregation, IReadOnlyList<float[]> windows, IReadOnlyList<int> realTokensPerWindow)
    {
        if (windows.Count == 0)
        {
            throw new ArgumentException("At least one window is needed.", nameof(windows));
        }
        if (windows.Count == 1)
        {
            return windows[0];
        }
        if (pooling is Pooling.Tokens or Pooling.PerNucleotide)
        {
            return windows.SelectMany(w => w).ToArray();
        }
        var result = new float[windows[0].Length];
        double total = 0;
        for (int i = 0; i < windows.Count; i++)
        {
            float weight = aggregation == WindowAggregation.TokenWeightedMean ? realTokensPerWindow[i] : 1f;
            TensorPrimitives.MultiplyAdd(windows[i], weight, result, result);
            total += weight;
        }
        if (total > 0)
        {
            TensorPrimitives.Divide(result, (float)total, result);
        }
        return result;
    }

    private static int SumBases(ReadOnlySpan<int> basesPerToken, int tokens, bool hasCls)
    {
        if (basesPerToken.Length < tokens)
        {
            throw new ArgumentException($"PerNucleotide pooling needs the base count of each of the {tokens} tokens.", nameof(basesPerToken));
        }
        int sum = 0;
        for (int t = hasCls ? 1 : 0; t < tokens; t++)
        {
            sum += basesPerToken[t];
        }
        return sum;
    }

    /// <summary>
    /// Pools each row of a padded batch's hidden states (<c>[Count, SequenceLength, hiddenSize]</c>) into
    /// <c>results[selection[r]]</c>, as both embedders do after their engine ran. A row ending with
    /// <paramref name="eosId"/> (ESM-2's <c>&lt;eos&gt;</c>) is pooled without that last position, as <c>&lt;cls&gt;</c>
    /// is left out: the mean and the per-token rows are the residues'.
    /// </summary>
    internal static void PoolRows(TokenBatch padded, ReadOnlySpan<int> selection, ReadOnlySpan<float> hidden, int hiddenSize,
        Pooling pooling, bool hasCls, int[] basesPerId, float[][] results, int? eosId = null)
    {
        for (int r = 0; r < padded.Count; r++)
        {
            var input = padded.GetInputIds(r)[..padded.Lengths[r]];
            results[selection[r]] = PoolRow(input, hidden.Slice(r * padded.SequenceLength * hiddenSize), hiddenSize, pooling, hasCls, basesPerId, eosId);
        }
    }

    /// <summary>
    /// As <see cref="PoolRows"/>, for hidden states of sequences packed end to end (<c>[sum of lengths, hiddenSize]</c>,
    /// no padding): row r is <c>inputs[selection[r]]</c> and starts where row r - 1 ended.
    /// </summary>
    internal static void PoolPackedRows(IReadOnlyList<int[]> inputs, ReadOnlySpan<int> selection, ReadOnlySpan<float> hidden, int hiddenSize,
        Pooling pooling, bool hasCls, int[] basesPerId, float[][] results, int? eosId = null)
    {
        int start = 0;
        foreach (int index in selection)
        {
            var input = inputs[index];
            results[index] = PoolRow(input, hidden.Slice(start * hiddenSize), hiddenSize, pooling, hasCls, basesPerId, eosId);
            start += input.Length;
        }
    }

    private static float[] PoolRow(ReadOnlySpan<int> input, ReadOnlySpan<float> rowStart, int hiddenSize, Pooling pooling, bool hasCls, int[] basesPerId, int? eosId)
    {
        int tokens = input.Length > (hasCls ? 1 : 0) && eosId is { } eos && input[^1] == eos ? input.Length - 1 : input.Length;
        var rowHidden = rowStart[..(tokens * hiddenSize)];
        int[]? bases = null;
        if (pooling == Pooling.PerNucleotide)
        {
            bases = new int[tokens];
            for (int t = 0; t < tokens; t++)
            {
                bases[t] = basesPerId[input[t]];
            }
        }
        var result = new float[OutputLength(pooling, tokens, hiddenSize, hasCls, bases)];
        Pool(pooling, rowHidden, tokens, hiddenSize, hasCls, result, bases);
        return result;
    }
}
