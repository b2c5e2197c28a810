namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>A progress report of <see cref="FineTuningTrainer"/>: after every <c>ReportInterval</c> steps and after each validation.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Step">Optimisation steps done.</param>
/// <param name="TotalSteps">The planned number of steps when the training data's size is known, else <see langword="null"/>.</param>
/// <param name="TrainLoss">Mean training loss over the steps since the previous report.</param>
/// <param name="ValidationLoss">The validation loss, on reports made after a validation; else <see langword="null"/>.</param>
/// <param name="ValidationMetric">The validation value of <paramref name="MetricName"/>, on reports made after a validation.</param>
/// <param name="MetricName">The task's headline metric: <c>auroc</c>, <c>macro_auroc</c>, <c>r2</c> or <c>mean_r2</c>.</param>
/// <param name="IsBest">Whether this validation is the best so far (its parameters are kept).</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record FineTuningProgress(
    int Epoch, long Step, long? TotalSteps, double TrainLoss, double? ValidationLoss, double? ValidationMetric, string MetricName, bool IsBest, TimeSpan Elapsed)
{
    /// <summary>On a report made right after a checkpoint was written: its folder; otherwise <see langword="null"/>.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// A note about checkpoints (a damaged checkpoint passed over, a resume position, nothing to resume from); on such
    /// reports no training happened since the previous one. Otherwise <see langword="null"/>.
    /// </summary>
    public string? Message { get; init; }
}

/// <summary>One point of the training curve.</summary>
/// <param name="Step">Optimisation steps done.</param>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">Mean training loss since the previous point.</param>
/// <param name="ValidationLoss">The validation loss at this step, when one was computed.</param>
/// <param name="ValidationMetric">The validation headline metric at this step, when computed.</param>
public sealed record TrainingCurvePoint(long Step, int Epoch, double TrainLoss, double? ValidationLoss, double? ValidationMetric);

/// <summary>What happened during fine-tuning.</summary>
/// <param name="Points">The training curve, in step order.</param>
/// <param name="MetricName">The headline metric's name (<see cref="FineTuningProgress.MetricName"/>).</param>
/// <param name="Steps">Optimisation steps done.</param>
/// <param name="BestStep">The step whose parameters were kept: the best validation, or the last step without validation data.</param>
/// <param name="BestValidationLoss">The validation loss at <paramref name="BestStep"/>, when there was validation data.</param>
/// <param name="StoppedEarly">Whether early stopping ended training before its epochs or step limit.</param>
/// <param name="Elapsed">Training time.</param>
public sealed record FineTuningHistory(
    IReadOnlyList<TrainingCurvePoint> Points, string MetricName, long Steps, long BestStep, double? BestValidationLoss, bool StoppedEarly, TimeSpan Elapsed)
{
    /// <summary>An empty history (a model loaded without one).</summary>
    public static FineTuningHistory Empty { get; } = new([], string.Empty, 0, 0, null, false, TimeSpan.Zero);
}
