using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.ModelSelection;
using AgroNT.MLNet.Pipelines;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Embeddings;

namespace Microsoft.ML;

/// <summary>
/// Every AgroNT.MLNet entry point on ML.NET's catalogs, in one class (as ML.NET's <c>TorchSharpCatalog</c> does):
/// <c>mlContext.Transforms.FeaturizeAgroNT</c>; the fine-tuning trainers <c>mlContext.BinaryClassification.Trainers.AgroNT</c>
/// and <c>mlContext.Regression.Trainers.AgroNT</c>; <c>mlContext.Model.SaveAgroNT</c> / <c>LoadAgroNT</c> for whole
/// pipelines; <c>mlContext.AgroNT()</c> for what ML.NET has no catalog for (multi-label and multi-output fine-tuning,
/// masked-language-model pretraining); and <c>mlContext.ModelSearch()</c>. It lives in the <c>Microsoft.ML</c> namespace,
/// so <c>using Microsoft.ML;</c> finds them all. Tokenizing, ONNX featurizing and FASTA loading are in <c>DnaCatalog</c>.
/// </summary>
public static class AgroNTCatalog
{
    // mlContext.Transforms: AgroNT embeddings with TorchSharp

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

    // mlContext.BinaryClassification / Regression: fine-tuning trainers

    /// <summary>Fine-tunes AgroNT for binary classification (IA3 by default), producing <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c>.</summary>
    /// <param name="catalog">The binary classification trainers.</param>
    /// <param name="modelFolder">The AgroNT model: a Hugging Face folder or a cached Hub id.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="sequenceColumnName">The DNA text column.</param>
    /// <param name="method">IA3, LoRA or full fine-tuning.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTFineTuningEstimator AgroNT(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string modelFolder,
        string labelColumnName = "Label", string sequenceColumnName = "Sequence", FineTuningMethod method = FineTuningMethod.Ia3, int epochs = 10)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFineTuningEstimator(ProblemType.BinaryClassification, Options(modelFolder, labelColumnName, sequenceColumnName, method, epochs));
    }

    /// <summary>Fine-tunes AgroNT for binary classification with every setting.</summary>
    /// <param name="catalog">The binary classification trainers.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTFineTuningEstimator AgroNT(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, AgroNTTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFineTuningEstimator(ProblemType.BinaryClassification, options);
    }

    /// <summary>Fine-tunes AgroNT for regression (IA3 by default), producing <c>Score</c>.</summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="modelFolder">The AgroNT model: a Hugging Face folder or a cached Hub id.</param>
    /// <param name="labelColumnName">The Single label column.</param>
    /// <param name="sequenceColumnName">The DNA text column.</param>
    /// <param name="method">IA3, LoRA or full fine-tuning.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTFineTuningEstimator AgroNT(this RegressionCatalog.RegressionTrainers catalog, string modelFolder,
        string labelColumnName = "Label", string sequenceColumnName = "Sequence", FineTuningMethod method = FineTuningMethod.Ia3, int epochs = 10)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFineTuningEstimator(ProblemType.Regression, Options(modelFolder, labelColumnName, sequenceColumnName, method, epochs));
    }

    /// <summary>Fine-tunes AgroNT for regression with every setting.</summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="options">The settings.</param>
    /// <returns>The estimator.</returns>
    public static AgroNTFineTuningEstimator AgroNT(this RegressionCatalog.RegressionTrainers catalog, AgroNTTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AgroNTFineTuningEstimator(ProblemType.Regression, options);
    }

    internal static AgroNTTrainerOptions Options(string modelFolder, string label, string sequence, FineTuningMethod method, int epochs) => new()
    {
        ModelFolder = modelFolder,
        LabelColumnName = label,
        SequenceColumnName = sequence,
        FineTuning = new FineTuningOptions { Method = method, Epochs = epochs },
    };

    // mlContext.AgroNT(): multi-label and multi-output fine-tuning, pretraining

    /// <summary>AgroNT's ML.NET catalog: <c>mlContext.AgroNT().Trainers.MaskedLanguageModel(...)</c>.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <returns>The catalog.</returns>
    public static AgroNTMLCatalog AgroNT(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new AgroNTMLCatalog(mlContext);
    }

    // mlContext.Model: whole pipelines with AgroNT transformers

    /// <summary>
    /// Saves a fitted pipeline (a <c>TransformerChain</c> of <c>TokenizeDna</c>, <c>FeaturizeAgroNT</c> or
    /// <c>FeaturizeAgroNTOnnx</c>, and any ML.NET transforms and learners) and its input schema to one zip file, referring
    /// to the featurizers' model by Hub id or by a path relative to the file (see <see cref="SaveAgroNT(ModelOperationsCatalog, ITransformer, DataViewSchema, string, AgroNTPipelineSaveOptions)"/>).
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The fitted pipeline, or a single transformer.</param>
    /// <param name="inputSchema">The schema of the data the pipeline was fitted on (<c>data.Schema</c>).</param>
    /// <param name="path">The file to write; its folder must exist. Replaced atomically.</param>
    /// <example><code>
    /// var model = pipeline.Fit(data);
    /// mlContext.Model.SaveAgroNT(model, data.Schema, "pipeline.zip");
    /// ITransformer loaded = mlContext.Model.LoadAgroNT("pipeline.zip", out DataViewSchema schema);
    /// </code></example>
    /// <exception cref="InvalidOperationException">A featurizer runs a model created in memory (no folder), or the model
    /// folder cannot be expressed relative to the file.</exception>
    /// <exception cref="NotSupportedException">A transformer that is not AgroNT's cannot be saved by ML.NET.</exception>
    public static void SaveAgroNT(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path) =>
        AgroNTPipelineFormat.Save(catalog, model, inputSchema, path, new AgroNTPipelineSaveOptions());

    /// <summary>
    /// Saves a fitted pipeline and its input schema to one zip file: a manifest, the input schema, each AgroNT transformer
    /// in its own save format, the ML.NET transformers saved by <c>mlContext.Model.Save</c> as nested archives, and the
    /// model: embedded (<see cref="AgroNTPipelineModelStorage.Embed"/>), or referred to by Hub id and commit or by a path
    /// relative to the file (<see cref="AgroNTPipelineModelStorage.Reference"/>, the default). No absolute path is
    /// written. Each model file's SHA-256 is recorded; <see cref="LoadAgroNT"/> refuses a model that has changed. The
    /// file is written under a temporary name and renamed over <paramref name="path"/>, so a failed save leaves the old
    /// file intact.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The fitted pipeline, or a single transformer.</param>
    /// <param name="inputSchema">The schema of the data the pipeline was fitted on (<c>data.Schema</c>).</param>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="options">Where the model is kept.</param>
    /// <exception cref="InvalidOperationException">A featurizer runs a model created in memory (no folder), or the model
    /// folder cannot be expressed relative to the file.</exception>
    /// <exception cref="NotSupportedException">A transformer that is not AgroNT's cannot be saved by ML.NET.</exception>
    public static void SaveAgroNT(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path, AgroNTPipelineSaveOptions options) =>
        AgroNTPipelineFormat.Save(catalog, model, inputSchema, path, options);

    /// <summary>
    /// Loads a pipeline written by <see cref="SaveAgroNT(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>:
    /// finds its model (extracting an embedded one into a folder of the temporary directory named by its hash, reused on
    /// later loads), checks every model file against the recorded SHA-256, and rebuilds the chain. Its predictions equal
    /// the saved pipeline's, through <c>Transform</c> and prediction engines alike. Dispose the result (a
    /// <c>TransformerChain</c>) to release the model.
    /// </summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="path">The file.</param>
    /// <param name="inputSchema">The schema the pipeline was saved with.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">The referenced model folder is not where the file says (relative to it), or the Hub model is not cached.</exception>
    /// <exception cref="InvalidDataException">Not a saved pipeline, a newer format version, a damaged file, or a model
    /// file that changed since saving (the message names the file and both hashes).</exception>
    public static ITransformer LoadAgroNT(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema) =>
        AgroNTPipelineFormat.Load(catalog, path, out inputSchema);

    // mlContext.ModelSearch(): automatic model search over ML.NET trainers

    /// <summary>The model-search entry point for this context.</summary>
    /// <param name="mlContext">The ML.NET context (its seed is not used; the search has its own).</param>
    /// <returns>The factory of searches.</returns>
    public static ModelSearchFactory ModelSearch(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new ModelSearchFactory(mlContext);
    }
}
