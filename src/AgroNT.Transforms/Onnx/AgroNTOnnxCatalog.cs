using Microsoft.ML;

namespace AgroNT.Transforms.Onnx;

/// <summary>The ONNX featurizer on <c>mlContext.Transforms</c>.</summary>
public static class AgroNTOnnxCatalog
{
    /// <summary>
    /// Embeds a column of DNA (or of token ids) with an AgroNT model exported to ONNX, run by ONNX Runtime on the CPU:
    /// the last layer's hidden states, mean-pooled over the real sequence tokens, in batches of similar length.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The embedding column to create (a vector of float).</param>
    /// <param name="inputColumnName">A Text column of DNA, or a vector of int or long token ids.</param>
    /// <param name="modelFolder">An ONNX model folder (<c>model.onnx</c>, <c>config.json</c>, <c>vocab.txt</c>).</param>
    /// <returns>The estimator; it owns the ONNX Runtime session (dispose its transformer when done).</returns>
    /// <example><code>
    /// var pipeline = mlContext.Transforms.FeaturizeAgroNTOnnx("Embedding", "Sequence", "models/agront-onnx")
    ///     .Append(mlContext.BinaryClassification.Trainers.LightGbm(featureColumnName: "Embedding"));
    /// </code></example>
    public static AgroNTOnnxFeaturizingEstimator FeaturizeAgroNTOnnx(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTOnnxFeaturizingEstimator(new AgroNTOnnxFeaturizingOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ModelFolder = modelFolder,
        });
    }

    /// <summary>Embeds a column of DNA or token ids with every setting given (layer, pooling, batching, tokenizer, execution provider).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTOnnxFeaturizingEstimator FeaturizeAgroNTOnnx(this TransformsCatalog catalog, AgroNTOnnxFeaturizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTOnnxFeaturizingEstimator(options);
    }
}
