using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;

namespace AgroNT.MLNet;

/// <summary>AgroNT model transforms on <c>mlContext.Transforms</c>.</summary>
public static partial class AgroNTCatalog
{
    /// <summary>
    /// Embeds a column of DNA with the AgroNT model in a Hugging Face folder (or a cached Hub id), on the CPU in float32,
    /// tokenizing text in the default (normalize) mode and refusing sequences longer than the model's window. The input
    /// may also be a vector of token ids, such as <c>TokenizeDna</c> writes.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The vector column to create (<c>Features</c> is what learners read by default).</param>
    /// <param name="inputColumnName">The text column of DNA, or a vector of Int32/Int64 token ids.</param>
    /// <param name="modelFolder">The model folder (config.json, vocab.txt, weights) or a Hub id in the local cache.</param>
    /// <param name="pooling">How token vectors become the output: <see cref="Pooling.Mean"/> (default) or
    /// <see cref="Pooling.Cls"/> give a vector of the hidden size; <see cref="Pooling.Tokens"/> and
    /// <see cref="Pooling.PerNucleotide"/> a variable-size one.</param>
    /// <param name="layer">The hidden state to pool, numbered like Hugging Face's <c>hidden_states</c> (0 = embedding
    /// output); <see langword="null"/> (default) = the last layer.</param>
    /// <returns>The estimator.</returns>
    /// <example><code>
    /// var pipeline = mlContext.Transforms.FeaturizeAgroNT("Features", "Sequence", "models/agro-nucleotide-transformer-1b")
    ///     .Append(mlContext.BinaryClassification.Trainers.LightGbm());
    /// </code></example>
    public static AgroNTFeaturizingEstimator FeaturizeAgroNT(
        this TransformsCatalog catalog,
        string outputColumnName,
        string inputColumnName,
        string modelFolder,
        Pooling pooling = AgroNTFeaturizingDefaults.Pooling,
        int? layer = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ModelFolder = modelFolder,
            Embedding = new AgroNTEmbeddingOptions { Pooling = pooling, Layer = layer },
        });
    }

    /// <summary>Embeds a column of DNA with every setting given (a ready model, device, precision, tokenizer policies,
    /// layer, pooling, batching, read-ahead).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTFeaturizingEstimator FeaturizeAgroNT(this TransformsCatalog catalog, AgroNTFeaturizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFeaturizingEstimator(options);
    }
}
