namespace AgroNT.MLNet.Training;

/// <summary>How the learning rate falls after warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Stays at the peak.</summary>
    Constant,

    /// <summary>Falls linearly from the peak to the floor at the last step.</summary>
    Linear,

    /// <summary>Half a cosine from the peak to the floor at the last step.</summary>
    Cosine,

    /// <summary><c>peak x sqrt(warmup / step)</c>: the Nucleotide Transformer recipe (no floor, never reaches zero).</summary>
    InverseSquareRoot,
}

/// <summary>
/// Linear warm-up to <see cref="PeakLearningRate"/> over <see cref="WarmupSteps"/> updates, then <see cref="Decay"/>.
/// Updates are numbered from 1; the rate of update <c>s</c> is a pure function of <c>s</c>, so a resumed run needs no
/// scheduler state beyond the step count.
/// </summary>
/// <param name="PeakLearningRate">The rate at the end of warm-up.</param>
/// <param name="WarmupSteps">Updates of linear warm-up (<c>peak x s / warmup</c>); 0 starts at the peak.</param>
/// <param name="TotalSteps">The last update; linear and cosine reach the floor there.</param>
/// <param name="Decay">The shape after warm-up.</param>
/// <param name="FloorRatio">Linear and cosine decay end at <c>peak x FloorRatio</c>.</param>
public sealed record LearningRateSchedule(double PeakLearningRate, long WarmupSteps, long TotalSteps, LearningRateDecay Decay, double FloorRatio = 0)
{
    /// <summary>The learning rate of update <paramref name="step"/> (1-based).</summary>
    public double At(long step)
    {
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Updates are numbered from 1.");
        }
        if (step <= WarmupSteps)
        {
            return PeakLearningRate * step / WarmupSteps;
        }
        double progress = TotalSteps > WarmupSteps ? Math.Min(1.0, (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps)) : 1.0;
        double floor = PeakLearningRate * FloorRatio;
        return Decay switch
        {
            LearningRateDecay.Constant => PeakLearningRate,
            LearningRateDecay.Linear => floor + (PeakLearningRate - floor) * (1 - progress),
            LearningRateDecay.Cosine => floor + (PeakLearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            LearningRateDecay.InverseSquareRoot => PeakLearningRate * Math.Sqrt(Math.Max(1, WarmupSteps) / (double)Math.Max(step, Math.Max(1, WarmupSteps))),
            _ => throw new ArgumentOutOfRangeException(nameof(Decay), Decay, "Unknown decay."),
        };
    }

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (!(PeakLearningRate > 0) || double.IsInfinity(PeakLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(PeakLearningRate), PeakLearningRate, "The peak learning rate must be positive and finite.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(TotalSteps, 1);
        if (!(FloorRatio >= 0 && FloorRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FloorRatio), FloorRatio, "The floor ratio must lie in [0, 1].");
        }
        if (!Enum.IsDefined(Decay))
        {
            throw new ArgumentOutOfRangeException(nameof(Decay), Decay, "Unknown decay.");
        }
    }
}
