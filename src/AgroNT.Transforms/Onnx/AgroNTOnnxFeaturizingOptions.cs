namespace AgroNT.Transforms.Onnx;

/// <summary>Default column names and sizes of <see cref="AgroNTOnnxFeaturizingEstimator"/>.</summary>
public static class AgroNTOnnxFeaturizingDefaults
{
    /// <summary>The input column: <c>Sequence</c> (DNA text, or token ids).</summary>
    public const string InputColumnName = "Sequence";

    /// <summary>The output column: <c>Embedding</c>.</summary>
    public const string OutputColumnName = "Embedding";

    /// <summary>Rows read ahead and embedded together: 128.</summary>
    public const int RowsPerBlock = 128;

    /// <summary>Bytes of embeddings each featurized view keeps for later passes over the same rows: 256 MiB.</summary>
    public const long EmbeddingCacheBytes = Featurizing.EmbeddingCache.DefaultBudgetBytes;
}

/// <summary>
/// Settings of <see cref="AgroNTOnnxFeaturizingEstimator"/> (<c>mlContext.Transforms.FeaturizeAgroNTOnnx(options)</c>).
/// Immutable. Give either <see cref="ModelFolder"/> (with optional <see cref="EmbedderOptions"/>) or a ready <see cref="Embedder"/>.
/// </summary>
public sealed record AgroNTOnnxFeaturizingOptions
{
    /// <summary>
    /// The input column: a scalar Text column of DNA (one sequence per row, tokenized with the embedder's tokenizer and
    /// length policy), or a vector of <see cref="int"/> or <see cref="long"/> token ids such as <c>TokenizeDna</c> writes
    /// (<c>&lt;cls&gt;</c> first; trailing <c>&lt;pad&gt;</c> ids are dropped). Default <c>Sequence</c>.
    /// </summary>
    public string InputColumnName { get; init; } = AgroNTOnnxFeaturizingDefaults.InputColumnName;

    /// <summary>The output column: a vector of <see cref="float"/>, of the hidden size for mean and cls pooling,
    /// of variable size for per-token pooling. Default <c>Embedding</c>.</summary>
    public string OutputColumnName { get; init; } = AgroNTOnnxFeaturizingDefaults.OutputColumnName;

    /// <summary>An ONNX model folder (<c>model.onnx</c>, <c>config.json</c>, <c>vocab.txt</c>), as <c>agront export-onnx</c> writes it.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>Layer, pooling, batching, tokenizer and runtime settings for <see cref="ModelFolder"/>.</summary>
    public AgroNTOnnxEmbedderOptions? EmbedderOptions { get; init; }

    /// <summary>An embedder to use as it is, instead of <see cref="ModelFolder"/>; the caller keeps ownership and disposes it.</summary>
    public AgroNTOnnxEmbedder? Embedder { get; init; }

    /// <summary>
    /// Rows a cursor reads ahead and embeds together, sorted by length into padded batches. Larger blocks waste less
    /// padding on mixed lengths; each block's vectors are held in memory until the cursor passes them.
    /// </summary>
    public int RowsPerBlock { get; init; } = AgroNTOnnxFeaturizingDefaults.RowsPerBlock;

    /// <summary>
    /// Bytes of embeddings each featurized view (<c>transformer.Transform(data)</c>) keeps, so that a learner's later
    /// passes over the same view (LightGBM, SDCA and most trainers read their data several times) reuse the vectors
    /// instead of running the model again. Rows are kept in order until the budget is spent; later rows are embedded on
    /// every pass. A view is dropped with its cache; prediction engines embed one row at a time and keep nothing.
    /// 0 turns caching off. Default <see cref="AgroNTOnnxFeaturizingDefaults.EmbeddingCacheBytes"/> (256 MiB).
    /// </summary>
    public long EmbeddingCacheBytes { get; init; } = AgroNTOnnxFeaturizingDefaults.EmbeddingCacheBytes;
}
