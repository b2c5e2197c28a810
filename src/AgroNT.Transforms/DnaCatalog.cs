using Microsoft.ML;

namespace AgroNT.Transforms;

/// <summary>DNA transforms on <c>mlContext.Transforms</c>.</summary>
public static class DnaCatalog
{
    /// <summary>
    /// Tokenizes a text column of DNA with the AgroNT tokenizer of a Hugging Face model folder, in the default
    /// (normalize) mode, refusing sequences longer than the model's window. Writes variable-length token ids to
    /// <paramref name="outputColumnName"/> and the attention mask to <c>AttentionMask</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The token-id column to create.</param>
    /// <param name="inputColumnName">The text column of DNA.</param>
    /// <param name="modelFolder">The model folder holding <c>vocab.txt</c>.</param>
    /// <returns>The estimator.</returns>
    /// <example><code>
    /// var pipeline = mlContext.Transforms.TokenizeDna("TokenIds", "Sequence", "models/agro-nucleotide-transformer-1b");
    /// IDataView tokens = pipeline.Fit(data).Transform(data);
    /// </code></example>
    public static KmerTokenizingEstimator TokenizeDna(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KmerTokenizingEstimator(new KmerTokenizingOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName, ModelFolder = modelFolder });
    }

    /// <summary>Tokenizes a text column of DNA with every setting given (mode, length policy, fixed length, mask column).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The estimator.</returns>
    public static KmerTokenizingEstimator TokenizeDna(this TransformsCatalog catalog, KmerTokenizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KmerTokenizingEstimator(options);
    }
}
