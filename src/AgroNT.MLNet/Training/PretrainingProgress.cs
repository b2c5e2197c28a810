namespace AgroNT.MLNet.Training;

/// <summary>What a <see cref="PretrainingProgress"/> report is about.</summary>
public enum PretrainingEvent
{
    /// <summary>Training starts (or resumes); <see cref="PretrainingProgress.Message"/> describes the run.</summary>
    Started,

    /// <summary>Every <see cref="PretrainingOptions.LogInterval"/> updates.</summary>
    Step,

    /// <summary>A validation finished; <see cref="PretrainingProgress.Validation"/> holds it.</summary>
    Validation,

    /// <summary>A checkpoint was written.</summary>
    Checkpoint,

    /// <summary>Something the user should know that does not stop training (a damaged checkpoint skipped...).</summary>
    Warning,

    /// <summary>Training finished and the model folder is written.</summary>
    Finished,

    /// <summary>Training was cancelled after writing a checkpoint.</summary>
    Cancelled,
}

/// <summary>A progress report; <see cref="Message"/> is a ready-made log line.</summary>
/// <param name="Event">What happened.</param>
/// <param name="Step">Updates done.</param>
/// <param name="MaxSteps">Updates planned.</param>
/// <param name="Tokens">Real tokens trained on so far.</param>
/// <param name="TrainingLoss">Mean training loss over the updates since the previous step report (NaN when none).</param>
/// <param name="LearningRate">The learning rate of the last update.</param>
/// <param name="TokensPerSecond">Training throughput since this run (or resume) started.</param>
/// <param name="Elapsed">Training time so far, including earlier runs of a resumed training.</param>
/// <param name="Remaining">Estimated time to <paramref name="MaxSteps"/>.</param>
/// <param name="Validation">The latest validation, for <see cref="PretrainingEvent.Validation"/>.</param>
/// <param name="Message">A one-line description.</param>
public sealed record PretrainingProgress(
    PretrainingEvent Event,
    long Step,
    long MaxSteps,
    long Tokens,
    double TrainingLoss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Remaining,
    ValidationMetrics? Validation,
    string Message);
