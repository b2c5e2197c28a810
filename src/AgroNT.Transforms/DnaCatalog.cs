using AgroNT.Transforms;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Sequences;

namespace Microsoft.ML;

/// <summary>
/// Every AgroNT.Transforms entry point on ML.NET's catalogs, in one class (as ML.NET's <c>TorchSharpCatalog</c> does):
/// <c>mlContext.Data.LoadFromFasta</c> and <c>LoadFromBenchmarkFasta</c>, <c>mlContext.Transforms.TokenizeDna</c> and
/// <c>mlContext.Transforms.FeaturizeAgroNTOnnx</c>. It lives in the <c>Microsoft.ML</c> namespace, so <c>using Microsoft.ML;</c>
/// is all a pipeline needs to find them. The TorchSharp entry points are in <c>AgroNTCatalog</c> (package AgroNT.MLNet).
/// </summary>
public static class DnaCatalog
{
    // mlContext.Data: sequence files as data views

    /// <summary>
    /// Loads a FASTA, FASTQ or one-sequence-per-line <c>.txt</c> file (optionally <c>.gz</c>) as a view with the text
    /// columns <c>Name</c> and <c>Sequence</c>; the format is told from the extension.
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The sequence file.</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">The extension is not a known sequence format; use the overload that takes one.</exception>
    /// <example><code>
    /// IDataView dna = mlContext.Data.LoadFromFasta("genes.fa.gz");
    /// IDataView features = mlContext.Transforms.FeaturizeAgroNT("Features", "Sequence", modelFolder).Fit(dna).Transform(dna);
    /// </code></example>
    public static SequenceDataView LoadFromFasta(this DataOperationsCatalog catalog, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return SequenceDataView.Open(path);
    }

    /// <summary>Loads a sequence file in a given layout, whatever its name, as a view with <c>Name</c> and <c>Sequence</c>.</summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The sequence file (optionally gzip-compressed).</param>
    /// <param name="format">How the file is laid out.</param>
    /// <returns>The streaming view.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SequenceDataView LoadFromFasta(this DataOperationsCatalog catalog, string path, SequenceFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return SequenceDataView.Open(path, format);
    }

    /// <summary>
    /// Loads a FASTA file with Plant Genomic Benchmark headers (<c>&gt;NAME|LABEL</c> or <c>&gt;NAME|l1|...|lK</c>) as a
    /// view with <c>Name</c>, <c>Sequence</c> and <c>Label</c> (Boolean for binary classification, Single for
    /// regression) or <c>Labels</c> (a Single vector for multi-label and multi-output tasks).
    /// </summary>
    /// <param name="catalog">The data catalog.</param>
    /// <param name="path">The FASTA file (optionally gzip-compressed).</param>
    /// <param name="problemType">What the labels mean.</param>
    /// <param name="labelCount">Labels per record, or <see langword="null"/> to take it from the first record.</param>
    /// <returns>The streaming view (see <see cref="BenchmarkDataView"/> for the validation it does).</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SequenceFormatException">While reading: a header without labels, a wrong label count, a class label other than 0/1.</exception>
    /// <example><code>
    /// IDataView train = mlContext.Data.LoadFromBenchmarkFasta("train.fa", ProblemType.BinaryClassification);
    /// </code></example>
    public static BenchmarkDataView LoadFromBenchmarkFasta(this DataOperationsCatalog catalog, string path, ProblemType problemType, int? labelCount = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return BenchmarkDataView.Open(path, problemType, labelCount);
    }

    // mlContext.Transforms: k-mer tokenization

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

    // mlContext.Transforms: AgroNT embeddings through ONNX Runtime

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
