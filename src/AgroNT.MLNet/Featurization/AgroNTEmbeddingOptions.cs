using AgroNT.Transforms.Embeddings;

namespace AgroNT.MLNet.Featurization;

/// <summary>What the embedder computes and how it batches. The length policy comes from the model's tokenizer options.</summary>
public sealed record AgroNTEmbeddingOptions
{
    /// <summary>
    /// Hidden state to pool, numbered like Hugging Face's <c>hidden_states</c>: 0 = embedding output, N = last layer after
    /// the final LayerNorm (the default, null). Layers above the requested one are not computed.
    /// </summary>
    public int? Layer { get; init; }

    /// <summary>Pooling rule; <see cref="Pooling.Mean"/> (real tokens, no <c>&lt;cls&gt;</c>, no padding) by default.</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>Most sequences (or windows) per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Most tokens (rows x padded length) per forward pass, bounding memory for long inputs; null = no bound.</summary>
    public int? MaxBatchTokens { get; init; } = 16384;

    /// <summary>
    /// Largest share of padding a batch may compute: inputs are sorted by length and a batch is closed before adding
    /// an input would make more than this fraction of its positions padding. 0 computes no padding at all.
    /// </summary>
    public double MaxPaddingFraction { get; init; } = 0.05;

    /// <summary>How the windows of one long sequence are combined (tokenizer length policy <c>Windows</c>).</summary>
    public WindowAggregation WindowAggregation { get; init; } = WindowAggregation.TokenWeightedMean;
}
