using AgroNT.Transforms.Embeddings;

namespace AgroNT.MLNet.Featurization;

/// <summary>Defaults of <see cref="AgroNTFeaturizingEstimator"/> (<c>mlContext.Transforms.FeaturizeAgroNT(...)</c>).</summary>
public static class AgroNTFeaturizingDefaults
{
    /// <summary>The input column: <c>Sequence</c> (text of DNA, or token ids).</summary>
    public const string InputColumnName = "Sequence";

    /// <summary>The output column: <c>Features</c>, the name ML.NET's learners read by default.</summary>
    public const string OutputColumnName = "Features";

    /// <summary>The pooling rule: <see cref="Pooling.Mean"/> over the real sequence tokens.</summary>
    public const Pooling Pooling = Transforms.Embeddings.Pooling.Mean;

    /// <summary>
    /// How many embedding batches of rows a cursor reads ahead and embeds at once, when
    /// <see cref="AgroNTFeaturizingOptions.ReadAheadRows"/> is not set: 8, so the embedder has enough rows to group
    /// sequences of similar length and compute little padding.
    /// </summary>
    public const int ReadAheadBatches = 8;

    /// <summary>Bytes of embeddings each featurized view keeps for later passes over the same rows: 256 MiB.</summary>
    public const long EmbeddingCacheBytes = Transforms.Featurizing.EmbeddingCache.DefaultBudgetBytes;
}

/// <summary>
/// Settings of <see cref="AgroNTFeaturizingEstimator"/> (<c>mlContext.Transforms.FeaturizeAgroNT(options)</c>). Immutable.
/// Give exactly one of <see cref="ModelFolder"/> (with optional <see cref="ModelOptions"/>) and a ready <see cref="Model"/>.
/// </summary>
public sealed class AgroNTFeaturizingOptions
{
    /// <summary>
    /// The input column: a scalar Text column of DNA (one sequence per row, tokenized inside with the model's tokenizer
    /// and its length policy), or a vector of <see cref="int"/> or <see cref="long"/> token ids, of known or variable
    /// size, such as <c>mlContext.Transforms.TokenizeDna(...)</c> writes. Default <c>Sequence</c>.
    /// </summary>
    public string InputColumnName { get; init; } = AgroNTFeaturizingDefaults.InputColumnName;

    /// <summary>The output column, a vector of <see cref="float"/>. Default <c>Features</c>.</summary>
    public string OutputColumnName { get; init; } = AgroNTFeaturizingDefaults.OutputColumnName;

    /// <summary>
    /// A Hugging Face model folder (config.json, vocab.txt, weights) or a Hub id (<c>ORG/NAME[@revision]</c>) already in
    /// the local Hugging Face cache. It is resolved and its config.json read when the estimator is created; the weights
    /// are loaded by <see cref="AgroNTFeaturizingEstimator.Fit"/>, into a transformer that owns (and disposes) them.
    /// </summary>
    public string? ModelFolder { get; init; }

    /// <summary>A loaded model to use as it is, instead of <see cref="ModelFolder"/>. The caller keeps ownership: the
    /// transformers share it and never dispose it.</summary>
    public AgroNTModel? Model { get; init; }

    /// <summary>
    /// How <see cref="ModelFolder"/> is loaded: device, precision, tokenizer mode and length policy
    /// (<see cref="Transforms.Tokenization.LengthPolicy.Windows"/> embeds a long text sequence window by window and combines
    /// the windows per <see cref="DnaEmbeddingOptions.WindowAggregation"/>). Default <see langword="null"/>: a new
    /// <see cref="AgroNTModelOptions"/>. Not allowed beside a ready <see cref="Model"/>, which keeps its own settings.
    /// </summary>
    public AgroNTModelOptions? ModelOptions { get; init; }

    /// <summary>What is computed: layer, pooling (default <see cref="Pooling.Mean"/>), batch size and window aggregation.</summary>
    public AgroNTEmbeddingOptions Embedding { get; init; } = new();

    /// <summary>
    /// How many rows a cursor reads ahead and embeds in one call (the embedder then groups them by length into batches of
    /// <see cref="DnaEmbeddingOptions.BatchSize"/>). Default <see langword="null"/>:
    /// <see cref="AgroNTFeaturizingDefaults.ReadAheadBatches"/> x <see cref="DnaEmbeddingOptions.BatchSize"/>.
    /// </summary>
    public int? ReadAheadRows { get; init; }

    /// <summary>
    /// Bytes of embeddings each featurized view (<c>transformer.Transform(data)</c>, as a pipeline's <c>Fit</c> hands to
    /// its learner) keeps, so that the learner's later passes over the same view (LightGBM, SDCA and most trainers read
    /// their data several times) reuse the vectors instead of running the model again. Rows are kept in order until the
    /// budget is spent; later rows are embedded on every pass. A view is dropped with its cache; prediction engines
    /// embed one row at a time and keep nothing. 0 turns caching off. Default
    /// <see cref="AgroNTFeaturizingDefaults.EmbeddingCacheBytes"/> (256 MiB: about 260,000 mean vectors of the default
    /// model, 43,000 of AgroNT-1B).
    /// </summary>
    public long EmbeddingCacheBytes { get; init; } = AgroNTFeaturizingDefaults.EmbeddingCacheBytes;
}
