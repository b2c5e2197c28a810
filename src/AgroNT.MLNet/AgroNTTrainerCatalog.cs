using AgroNT.Transforms.Benchmarks;
using AgroNT.MLNet.Training.FineTuning;
using Microsoft.ML;

namespace AgroNT.MLNet;

/// <summary>
/// <c>mlContext.BinaryClassification.Trainers.AgroNT(...)</c> and <c>mlContext.Regression.Trainers.AgroNT(...)</c>:
/// fine-tune AgroNT on a DNA text column inside an ML.NET pipeline.
/// </summary>
public static class AgroNTTrainerCatalog
{
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
}
