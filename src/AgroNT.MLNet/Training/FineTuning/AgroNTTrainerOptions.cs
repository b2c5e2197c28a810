namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// Options of the ML.NET fine-tuning trainers (<c>mlContext.BinaryClassification.Trainers.AgroNT</c>,
/// <c>mlContext.Regression.Trainers.AgroNT</c>, <c>mlContext.AgroNT().Trainers.MultiLabel</c> and <c>.MultiOutputRegression</c>).
/// </summary>
public sealed record AgroNTTrainerOptions
{
    /// <summary>The AgroNT model to fine-tune: a Hugging Face folder or a cached Hub id.</summary>
    public required string ModelFolder { get; init; }

    /// <summary>The text column holding DNA. Default <c>Sequence</c>.</summary>
    public string SequenceColumnName { get; init; } = "Sequence";

    /// <summary>
    /// The label column: Boolean (or 0/1 Single) for binary classification, Single for regression, a vector of 0/1
    /// Single (or Boolean) for multi-label and of Single for multi-output regression. Default <c>Label</c>; the
    /// multi-output catalog methods' short overloads default to <c>Labels</c>.
    /// </summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>Method, optimisation and early-stopping settings.</summary>
    public FineTuningOptions FineTuning { get; init; } = new();

    /// <summary>Validation data with the same columns, for early stopping; <see langword="null"/> trains every epoch.</summary>
    public Microsoft.ML.IDataView? ValidationData { get; init; }

    /// <summary>Receives progress reports during <c>Fit</c>.</summary>
    public IProgress<FineTuningProgress>? Progress { get; init; }

    /// <summary>Cancels <c>Fit</c>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Sequences per forward pass when the fitted transformer predicts. Default 16.</summary>
    public int PredictionBatchSize { get; init; } = 16;
}
