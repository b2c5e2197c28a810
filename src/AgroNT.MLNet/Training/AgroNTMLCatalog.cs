using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;

namespace AgroNT.MLNet.Training;

/// <summary>AgroNT's operations on an <see cref="MLContext"/>.</summary>
public sealed class AgroNTMLCatalog
{
    internal AgroNTMLCatalog(MLContext mlContext)
    {
        Context = mlContext;
        Trainers = new AgroNTTrainers(this);
    }

    /// <summary>The context this catalog belongs to.</summary>
    public MLContext Context { get; }

    /// <summary>Trainers that produce AgroNT models.</summary>
    public AgroNTTrainers Trainers { get; }
}

/// <summary>Trainers that produce AgroNT models (<c>mlContext.AgroNT().Trainers</c>).</summary>
public sealed class AgroNTTrainers
{
    internal AgroNTTrainers(AgroNTMLCatalog catalog)
    {
        Catalog = catalog;
    }

    /// <summary>The catalog these trainers belong to.</summary>
    public AgroNTMLCatalog Catalog { get; }

    /// <summary>
    /// Masked-language-model pretraining from scratch with AgroNT's recipe on a text column of DNA, holding out 5% of
    /// the regions for validation, seeded with <see cref="PretrainingDefaults.Seed"/> (set
    /// <see cref="PretrainingOptions.Seed"/> through the options overload for another).
    /// </summary>
    /// <param name="outputFolder">The Hugging Face model folder to write.</param>
    /// <param name="config">The architecture (a Hugging Face ESM config).</param>
    /// <param name="sequenceColumnName">The text column of DNA.</param>
    /// <param name="maxSteps">Updates.</param>
    /// <returns>The trainer.</returns>
    /// <example><code>
    /// var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel("my-model", EsmConfig.FromFile("config.json"), "Sequence", maxSteps: 500);
    /// using var featurizer = trainer.Fit(sequences);          // the trained encoder as a featurizer ("Features")
    /// using AgroNTModel model = AgroNTModel.Load("my-model");  // or trainer.Train(sequences) for the model itself
    /// </code></example>
    public MaskedLanguageModelTrainer MaskedLanguageModel(string outputFolder, EsmConfig config, string sequenceColumnName = "Sequence", long maxSteps = 1000) =>
        new(new MaskedLanguageModelTrainerOptions
        {
            SequenceColumnName = sequenceColumnName,
            Training = new PretrainingOptions { OutputFolder = outputFolder, Config = config, MaxSteps = maxSteps },
        });

    /// <summary>
    /// Fine-tunes AgroNT for multi-label classification (IA3 by default): the fitted transformer adds a vector
    /// <c>Score</c> of per-label probabilities and a Boolean vector <c>PredictedLabels</c> (probability &gt; 0.5).
    /// </summary>
    /// <param name="modelFolder">The AgroNT model: a Hugging Face folder or a cached Hub id.</param>
    /// <param name="labelColumnName">A vector column of 0/1 Single (or Boolean) labels; its size is the label count.
    /// <see cref="BenchmarkDataView"/> calls it <c>Labels</c>.</param>
    /// <param name="sequenceColumnName">The DNA text column.</param>
    /// <param name="method">IA3, LoRA or full fine-tuning.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <returns>The estimator.</returns>
    /// <example><code>
    /// var train = BenchmarkDataView.Open("train.fa", ProblemType.MultiLabelClassification);
    /// using var model = mlContext.AgroNT().Trainers.MultiLabel(modelFolder).Fit(train);
    /// IDataView scored = model.Transform(test);   // Score: float[K] probabilities, PredictedLabels: bool[K]
    /// </code></example>
    public AgroNTFineTuningEstimator MultiLabel(string modelFolder, string labelColumnName = "Labels", string sequenceColumnName = "Sequence",
        FineTuningMethod method = FineTuningMethod.Ia3, int epochs = 10) =>
        new(ProblemType.MultiLabelClassification, AgroNTCatalog.Options(modelFolder, labelColumnName, sequenceColumnName, method, epochs));

    /// <summary>Fine-tunes AgroNT for multi-label classification with every setting.</summary>
    /// <param name="options">The settings; <see cref="AgroNTTrainerOptions.LabelColumnName"/> names a vector column.</param>
    /// <returns>The estimator.</returns>
    public AgroNTFineTuningEstimator MultiLabel(AgroNTTrainerOptions options) => new(ProblemType.MultiLabelClassification, options);

    /// <summary>
    /// Fine-tunes AgroNT for multi-output regression (IA3 by default): the fitted transformer adds a vector
    /// <c>Score</c> of predicted values, one per output, in the labels' units.
    /// </summary>
    /// <param name="modelFolder">The AgroNT model: a Hugging Face folder or a cached Hub id.</param>
    /// <param name="labelColumnName">A vector column of Single targets; its size is the output count.</param>
    /// <param name="sequenceColumnName">The DNA text column.</param>
    /// <param name="method">IA3, LoRA or full fine-tuning.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <returns>The estimator.</returns>
    public AgroNTFineTuningEstimator MultiOutputRegression(string modelFolder, string labelColumnName = "Labels", string sequenceColumnName = "Sequence",
        FineTuningMethod method = FineTuningMethod.Ia3, int epochs = 10) =>
        new(ProblemType.MultiOutputRegression, AgroNTCatalog.Options(modelFolder, labelColumnName, sequenceColumnName, method, epochs));

    /// <summary>Fine-tunes AgroNT for multi-output regression with every setting.</summary>
    /// <param name="options">The settings; <see cref="AgroNTTrainerOptions.LabelColumnName"/> names a vector column.</param>
    /// <returns>The estimator.</returns>
    public AgroNTFineTuningEstimator MultiOutputRegression(AgroNTTrainerOptions options) => new(ProblemType.MultiOutputRegression, options);

    /// <summary>Masked-language-model pretraining with every setting given (continued pretraining: <see cref="PretrainingOptions.InitFrom"/>).</summary>
    /// <param name="options">The settings.</param>
    /// <returns>The trainer.</returns>
    public MaskedLanguageModelTrainer MaskedLanguageModel(MaskedLanguageModelTrainerOptions options) => new(options);
}
