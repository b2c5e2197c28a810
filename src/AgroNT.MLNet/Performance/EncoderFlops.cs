using AgroNT.MLNet.Modeling;

namespace AgroNT.MLNet.Performance;

/// <summary>One matrix product <c>[M, K] @ [K, N]</c>, run <paramref name="Count"/> times (e.g. once per attention head).</summary>
/// <param name="M">Rows of the left operand.</param>
/// <param name="K">The shared (summed) dimension.</param>
/// <param name="N">Columns of the right operand.</param>
/// <param name="Count">How many times the product runs.</param>
/// <param name="Name">What it computes, e.g. <c>query</c> or <c>attention scores</c>.</param>
public readonly record struct GemmShape(long M, long K, long N, long Count, string Name)
{
    /// <summary>Floating-point operations of all <see cref="Count"/> products: <c>2 x M x K x N</c> each (a multiply and an add).</summary>
    public double Flops => 2.0 * M * K * N * Count;
}

/// <summary>
/// The floating-point operations of the encoder, counted once for every benchmark: the matrix products of each layer
/// (query, key, value and output projections, feed-forward up and down, attention scores and weighted sum). LayerNorm,
/// GELU, softmax, biases and the embedding lookup are not counted; they are what keeps a forward pass below the
/// machine's matmul peak.
/// </summary>
public static class EncoderFlops
{
    /// <summary>Every matrix product one layer runs on one sequence of <paramref name="tokens"/> tokens.</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="tokens">The sequence's length in tokens (including <c>&lt;cls&gt;</c>).</param>
    public static IReadOnlyList<GemmShape> LayerGemms(EsmConfig config, long tokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        long hidden = config.HiddenSize, intermediate = config.IntermediateSize, heads = config.NumAttentionHeads, head = config.HeadSize;
        return
        [
            new(tokens, hidden, hidden, 1, "query"),
            new(tokens, hidden, hidden, 1, "key"),
            new(tokens, hidden, hidden, 1, "value"),
            new(tokens, tokens == 0 ? 0 : head, tokens, heads, "attention scores"),
            new(tokens, tokens, head, heads, "attention weighted sum"),
            new(tokens, hidden, hidden, 1, "attention output"),
            new(tokens, hidden, intermediate, 1, "feed-forward up"),
            new(tokens, intermediate, hidden, 1, "feed-forward down"),
        ];
    }

    /// <summary>
    /// The distinct weight-matrix products of a layer on one <paramref name="tokens"/>-token window (projections,
    /// feed-forward up and down): the shapes <see cref="MatmulPeak"/> times.
    /// </summary>
    public static IReadOnlyList<GemmShape> WeightGemmShapes(EsmConfig config, long tokens = 1024)
    {
        ArgumentNullException.ThrowIfNull(config);
        long hidden = config.HiddenSize, intermediate = config.IntermediateSize;
        return
        [
            new(tokens, hidden, hidden, 4, "query, key, value and attention output"),
            new(tokens, hidden, intermediate, 1, "feed-forward up"),
            new(tokens, intermediate, hidden, 1, "feed-forward down"),
        ];
    }

    /// <summary>Encoder weights that multiply every token: <c>layers x (4 H^2 + 2 H I)</c>.</summary>
    public static double LinearParameters(EsmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double hidden = config.HiddenSize;
        return config.NumHiddenLayers * (4.0 * hidden * hidden + 2.0 * hidden * config.IntermediateSize);
    }

    /// <summary>
    /// Forward-pass operations of the encoder over sequences of the given token counts:
    /// <c>2 x</c> <see cref="LinearParameters"/> per token plus <c>4 x layers x H x T^2</c> per sequence of T tokens
    /// (attention scores and weighted sum). Padding is not counted: it is work, not throughput.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="sequenceTokens">Each sequence's real tokens (as the model runs it: at most its window).</param>
    public static double Forward(EsmConfig config, IEnumerable<int> sequenceTokens)
    {
        ArgumentNullException.ThrowIfNull(sequenceTokens);
        double linear = LinearParameters(config);
        double total = 0;
        foreach (int t in sequenceTokens)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t, nameof(sequenceTokens));
            total += 2 * linear * t + 4.0 * config.NumHiddenLayers * config.HiddenSize * (double)t * t;
        }
        return total;
    }

    /// <summary>
    /// The attention part of <see cref="Forward"/>: <c>4 x layers x H x T^2</c> per sequence of T tokens (scores
    /// <c>QK^T</c> and the weighted sum, over all heads). The rest of <see cref="Forward"/> is the weight products.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="sequenceTokens">Each sequence's real tokens.</param>
    public static double Attention(EsmConfig config, IEnumerable<int> sequenceTokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sequenceTokens);
        return sequenceTokens.Sum(t => 4.0 * config.NumHiddenLayers * config.HiddenSize * (double)t * t);
    }

    /// <summary>
    /// Operations of one pretraining update counted as three forward passes (forward, backward for activations and for
    /// weights) over <paramref name="tokens"/> tokens cut into <paramref name="windowTokens"/>-token windows, plus the
    /// masked-LM head (dense H x H and decoder H x vocabulary) on the <paramref name="selectionProbability"/> share of
    /// tokens that are scored.
    /// </summary>
    public static double PretrainingUpdate(EsmConfig config, long tokens, int windowTokens, double selectionProbability)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowTokens);
        double hidden = config.HiddenSize;
        double perToken = 2 * LinearParameters(config) + 4.0 * config.NumHiddenLayers * hidden * windowTokens;
        double head = 2 * (hidden * hidden + hidden * config.VocabSize) * selectionProbability;
        return 3 * (perToken + head) * tokens;
    }
}
