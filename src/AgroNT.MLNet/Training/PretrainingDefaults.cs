namespace AgroNT.MLNet.Training;

/// <summary>
/// Default values of <see cref="PretrainingOptions"/>. The optimiser and masking follow AgroNT / the Nucleotide
/// Transformer (Adam(W) at 1e-4 with betas 0.9/0.999, inverse-square-root decay after a linear warm-up, 15% masking);
/// batch sizes are scaled down for CPUs (AgroNT's effective batch was 1.5M tokens on a TPU v4-1024).
/// </summary>
public static class PretrainingDefaults
{
    /// <summary>Peak learning rate (AgroNT/NT: 1e-4).</summary>
    public const double PeakLearningRate = 1e-4;

    /// <summary>Decay after warm-up (NT: inverse square root).</summary>
    public const LearningRateDecay Decay = LearningRateDecay.InverseSquareRoot;

    /// <summary>Longest default warm-up (NT: 16,000 updates); the default warm-up is a tenth of the run, capped here.</summary>
    public const long MaxWarmupSteps = 16_000;

    /// <summary>Decoupled weight decay, not applied to biases and LayerNorm parameters.</summary>
    public const double WeightDecay = 0.01;

    /// <summary>Adam's first-moment coefficient.</summary>
    public const double Beta1 = 0.9;

    /// <summary>Adam's second-moment coefficient.</summary>
    public const double Beta2 = 0.999;

    /// <summary>Adam's epsilon.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Gradients are rescaled so that their global L2 norm is at most this.</summary>
    public const double MaxGradientNorm = 1.0;

    /// <summary>Sequences per forward/backward pass.</summary>
    public const int MicroBatchSize = 4;

    /// <summary>Real tokens per update (effective batch): micro-batches are accumulated until it is reached (AgroNT: 1.5M).</summary>
    public const int BatchTokens = 16_384;

    /// <summary>Windows held by the shuffle buffer (at 6.2 kb, about 50 MB of text).</summary>
    public const int ShuffleBufferWindows = 4096;

    /// <summary>Updates between validations (and one after the last update).</summary>
    public const int ValidationInterval = 200;

    /// <summary>Most validation windows, evenly picked from the held-out part.</summary>
    public const int ValidationWindows = 64;

    /// <summary>Training tokens counted (from the start of the training part) for the frequency baseline's loss.</summary>
    public const int FrequencyBaselineTokens = 5_000_000;

    /// <summary>Updates between progress reports.</summary>
    public const int LogInterval = 10;

    /// <summary>Updates between checkpoints (and one at the end and on cancellation).</summary>
    public const int CheckpointInterval = 500;

    /// <summary>Checkpoints kept; older ones are deleted once a newer one is complete.</summary>
    public const int KeepCheckpoints = 3;

    /// <summary>Seed of the initialisation, data order, masks and dropout.</summary>
    public const long Seed = 42;

    /// <summary>The default warm-up for a run of <paramref name="maxSteps"/> updates: a tenth of it, at most <see cref="MaxWarmupSteps"/>.</summary>
    public static long WarmupSteps(long maxSteps) => Math.Min(MaxWarmupSteps, maxSteps / 10);
}
