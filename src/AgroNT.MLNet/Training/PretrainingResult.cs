namespace AgroNT.MLNet.Training;

/// <summary>How a training run ended.</summary>
public enum PretrainingStatus
{
    /// <summary>All updates done; the model folder is written.</summary>
    Completed,

    /// <summary>Stopped by the cancellation token after writing a checkpoint; continue with <see cref="PretrainingOptions.Resume"/>.</summary>
    Cancelled,
}

/// <summary>The outcome of <see cref="AgroNTPretrainer.Train"/>.</summary>
/// <param name="Status">Completed or cancelled.</param>
/// <param name="Steps">Updates done.</param>
/// <param name="Tokens">Real tokens trained on.</param>
/// <param name="Elapsed">Training time, including earlier runs of a resumed training.</param>
/// <param name="Validation">The last validation, or null when there is no held-out data.</param>
/// <param name="OutputFolder">The Hugging Face model folder (written only when completed).</param>
/// <param name="LastCheckpoint">The newest checkpoint folder, or null.</param>
public sealed record PretrainingResult(
    PretrainingStatus Status,
    long Steps,
    long Tokens,
    TimeSpan Elapsed,
    ValidationMetrics? Validation,
    string OutputFolder,
    string? LastCheckpoint);
