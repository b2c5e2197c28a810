using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms;

/// <summary>Default column names of <see cref="KmerTokenizingEstimator"/>.</summary>
public static class KmerTokenizingDefaults
{
    /// <summary>The input text column: <c>Sequence</c>.</summary>
    public const string InputColumnName = "Sequence";

    /// <summary>The output token-id column: <c>TokenIds</c>.</summary>
    public const string OutputColumnName = "TokenIds";

    /// <summary>The output attention-mask column: <c>AttentionMask</c>.</summary>
    public const string AttentionMaskColumnName = "AttentionMask";
}

/// <summary>
/// Settings of <see cref="KmerTokenizingEstimator"/> (<c>mlContext.Transforms.TokenizeDna(options)</c>). Immutable.
/// Give either <see cref="ModelFolder"/> (with optional <see cref="TokenizerOptions"/>) or a ready <see cref="Tokenizer"/>.
/// </summary>
public sealed record KmerTokenizingOptions
{
    /// <summary>The text column holding DNA (one sequence per row). Default <c>Sequence</c>.</summary>
    public string InputColumnName { get; init; } = KmerTokenizingDefaults.InputColumnName;

    /// <summary>The output column of token ids (<c>&lt;cls&gt;</c> first), a vector of <see cref="int"/>. Default <c>TokenIds</c>.</summary>
    public string OutputColumnName { get; init; } = KmerTokenizingDefaults.OutputColumnName;

    /// <summary>The output attention-mask column (1 for each real token, 0 for padding), shaped like the ids;
    /// <see langword="null"/> for none. Default <c>AttentionMask</c>.</summary>
    public string? AttentionMaskColumnName { get; init; } = KmerTokenizingDefaults.AttentionMaskColumnName;

    /// <summary>A Hugging Face model folder to read the vocabulary from (see <see cref="KmerVocabulary.FromModelFolder(string)"/>).</summary>
    public string? ModelFolder { get; init; }

    /// <summary>A tokenizer to use as it is, instead of <see cref="ModelFolder"/>.</summary>
    public KmerTokenizer? Tokenizer { get; init; }

    /// <summary>Tokenizer settings for <see cref="ModelFolder"/>; <see cref="KmerTokenizerOptions.Default"/> when
    /// <see langword="null"/>. <see cref="LengthPolicy.Windows"/> is refused: this transform emits one row per input row.</summary>
    public KmerTokenizerOptions? TokenizerOptions { get; init; }

    /// <summary>
    /// <see langword="null"/> (the default): variable-length vectors, each as long as its row's encoding.
    /// A number: fixed-length vectors of that many ids, padded with <c>&lt;pad&gt;</c> (mask 0), which most learners
    /// and tensor consumers need; sequences longer than it are handled by the tokenizer's
    /// <see cref="KmerTokenizerOptions.LengthPolicy"/>. At most the tokenizer's <see cref="KmerTokenizer.MaxTokens"/>.
    /// </summary>
    public int? FixedLength { get; init; }
}
