using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Training;

/// <summary>Settings of <see cref="MaskedLanguageModelTrainer"/>: which column holds the DNA, and the training itself.</summary>
public sealed record MaskedLanguageModelTrainerOptions
{
    /// <summary>The text column of DNA sequences (any length: long ones are cut into windows).</summary>
    public string SequenceColumnName { get; init; } = "Sequence";

    /// <summary>An optional text column naming each row (used by <see cref="ValidationSplit.ByRecord"/> and in messages); rows are <c>row N</c> otherwise.</summary>
    public string? NameColumnName { get; init; }

    /// <summary>Model, schedule, batch, checkpoints and output folder.</summary>
    public required PretrainingOptions Training { get; init; }

    /// <summary>
    /// What to hold out of the training data when <c>Fit</c> gets no validation data: by default 5% of the regions
    /// (for rows shorter than <see cref="ValidationSplit.RegionLength"/>, 5% of the rows, evenly spread).
    /// </summary>
    public ValidationSplit Split { get; init; } = ValidationSplit.ByRegion(0.05);

    /// <summary>How rows are cut into windows.</summary>
    public WindowingOptions Windowing { get; init; } = WindowingOptions.AgroNT;

    /// <summary>The vector column the featurizer returned by <c>Fit</c> writes (default <c>Features</c>, what ML.NET trainers read).</summary>
    public string FeatureColumnName { get; init; } = AgroNTFeaturizingDefaults.OutputColumnName;

    /// <summary>How the featurizer returned by <c>Fit</c> embeds rows (layer, pooling, batch size, windows); mean pooling of the last layer by default.</summary>
    public AgroNTEmbeddingOptions Embedding { get; init; } = new();

    /// <summary>Receives progress reports on the training thread.</summary>
    public IProgress<PretrainingProgress>? Progress { get; init; }
}
