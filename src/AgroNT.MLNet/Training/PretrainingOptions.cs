using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Training;

/// <summary>
/// Everything <see cref="AgroNTPretrainer"/> needs besides the data. Start either from scratch (<see cref="Config"/>,
/// Hugging Face's ESM initialisation seeded by <see cref="Seed"/>) or from a model folder (<see cref="InitFrom"/>).
/// Defaults are in <see cref="PretrainingDefaults"/>.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>The Hugging Face model folder written at the end (config.json, model.safetensors, vocab and tokenizer files, metrics.csv, loss.png).</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The architecture of a model trained from scratch (a Hugging Face ESM <c>config.json</c>: <see cref="EsmConfig.FromFile"/>).</summary>
    public EsmConfig? Config { get; init; }

    /// <summary>A model folder (or cached Hub id) to continue pretraining from; its vocabulary is kept.</summary>
    public string? InitFrom { get; init; }

    /// <summary>Where checkpoints go; <c>OutputFolder/checkpoints</c> when null.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Continue from the newest complete checkpoint in <see cref="CheckpointFolder"/> (none: start afresh).</summary>
    public bool Resume { get; init; }

    /// <summary>Number of updates; also the length of the learning-rate schedule.</summary>
    public long MaxSteps { get; init; } = 1000;

    /// <summary>Peak learning rate.</summary>
    public double PeakLearningRate { get; init; } = PretrainingDefaults.PeakLearningRate;

    /// <summary>Warm-up updates; <see cref="PretrainingDefaults.WarmupSteps"/> of <see cref="MaxSteps"/> when null.</summary>
    public long? WarmupSteps { get; init; }

    /// <summary>Decay after warm-up.</summary>
    public LearningRateDecay Decay { get; init; } = PretrainingDefaults.Decay;

    /// <summary>Linear and cosine decay end at <c>peak x MinLearningRateRatio</c>.</summary>
    public double MinLearningRateRatio { get; init; }

    /// <summary>Decoupled (AdamW) weight decay for weight matrices and embeddings; biases and LayerNorms get none.</summary>
    public double WeightDecay { get; init; } = PretrainingDefaults.WeightDecay;

    /// <summary>Adam's first-moment coefficient.</summary>
    public double Beta1 { get; init; } = PretrainingDefaults.Beta1;

    /// <summary>Adam's second-moment coefficient.</summary>
    public double Beta2 { get; init; } = PretrainingDefaults.Beta2;

    /// <summary>Adam's epsilon.</summary>
    public double Epsilon { get; init; } = PretrainingDefaults.Epsilon;

    /// <summary>Global gradient-norm clipping threshold; 0 turns clipping off.</summary>
    public double MaxGradientNorm { get; init; } = PretrainingDefaults.MaxGradientNorm;

    /// <summary>Sequences per forward/backward pass (bounds memory).</summary>
    public int MicroBatchSize { get; init; } = PretrainingDefaults.MicroBatchSize;

    /// <summary>
    /// Activation checkpointing of the encoder layers (the same mechanism as fine-tuning's): each layer keeps only its
    /// input and is recomputed in the backward pass, trading one more forward pass for activations of one layer at a
    /// time. <see cref="FineTuning.ActivationCheckpointing.Auto"/> turns it on when the run's estimate without it
    /// (<see cref="MemoryEstimate.ForPretraining"/>) exceeds the memory available when training starts. The result is
    /// the same either way (tested); only memory and time change.
    /// </summary>
    /// <value>The default is <see cref="FineTuning.ActivationCheckpointing.Off"/>.</value>
    public FineTuning.ActivationCheckpointing ActivationCheckpointing { get; init; } = FineTuning.ActivationCheckpointing.Off;

    /// <summary>Effective batch in real tokens: micro-batches are accumulated until at least this many tokens went into one update.</summary>
    public int BatchTokens { get; init; } = PretrainingDefaults.BatchTokens;

    /// <summary>Longest model input in tokens including <c>&lt;cls&gt;</c>; the model's window (1,024 for AgroNT) when null. Longer windows are truncated.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>
    /// Torch device the model trains on: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (needs a CUDA libtorch,
    /// <see cref="Native.TorchRuntime.ResolveDevice"/>).
    /// </summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Compute precision. <see cref="Precision.BFloat16"/> runs forward and backward in bf16 on a bf16 copy of the
    /// weights while the optimiser keeps fp32 master weights and moments (LayerNorm statistics and the loss in fp32).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>The masking recipe.</summary>
    public MaskingOptions Masking { get; init; } = MaskingOptions.AgroNT;

    /// <summary>Windows held by the shuffle buffer.</summary>
    public int ShuffleBufferWindows { get; init; } = PretrainingDefaults.ShuffleBufferWindows;

    /// <summary>Updates between validations; 0 validates only at the end.</summary>
    public int ValidationInterval { get; init; } = PretrainingDefaults.ValidationInterval;

    /// <summary>Most validation windows, evenly picked from the held-out part.</summary>
    public int ValidationWindows { get; init; } = PretrainingDefaults.ValidationWindows;

    /// <summary>
    /// Independent mask draws per validation window (default 1). Masked-token accuracy on 6-mers is a fraction of a
    /// percent, so a small held-out set scores only a few thousand tokens and its accuracy moves by about 0.1 points
    /// between draws; K draws score K times as many tokens (and cost K times the validation forward passes).
    /// </summary>
    public int ValidationMasks { get; init; } = 1;

    /// <summary>Updates between progress reports.</summary>
    public int LogInterval { get; init; } = PretrainingDefaults.LogInterval;

    /// <summary>Updates between checkpoints; 0 writes one only at the end and on cancellation.</summary>
    public int CheckpointInterval { get; init; } = PretrainingDefaults.CheckpointInterval;

    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; init; } = PretrainingDefaults.KeepCheckpoints;

    /// <summary>Seed of the initialisation, data order, masks and dropout.</summary>
    public long Seed { get; init; } = PretrainingDefaults.Seed;

    /// <summary>Whether to write <c>loss.png</c> next to <c>metrics.csv</c>.</summary>
    public bool WriteLossPlot { get; init; } = true;

    /// <summary>The checkpoint folder in use.</summary>
    public string ResolvedCheckpointFolder => CheckpointFolder ?? Path.Combine(OutputFolder, "checkpoints");

    /// <summary>The warm-up in use.</summary>
    public long ResolvedWarmupSteps => WarmupSteps ?? PretrainingDefaults.WarmupSteps(MaxSteps);

    /// <summary>The learning-rate schedule these options describe.</summary>
    public LearningRateSchedule Schedule => new(PeakLearningRate, ResolvedWarmupSteps, MaxSteps, Decay, MinLearningRateRatio);

    /// <summary>Throws <see cref="ArgumentException"/> (naming the option) for inconsistent or out-of-range values.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputFolder, nameof(OutputFolder));
        if ((Config is null) == (InitFrom is null))
        {
            throw new ArgumentException($"Give exactly one of {nameof(Config)} (train from scratch) and {nameof(InitFrom)} (continue from a model folder).");
        }
        Config?.Validate("the training configuration");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSteps, 1, nameof(MaxSteps));
        Schedule.Validate();
        Positive(WeightDecay >= 0, nameof(WeightDecay), WeightDecay);
        Positive(Beta1 >= 0 && Beta1 < 1, nameof(Beta1), Beta1);
        Positive(Beta2 >= 0 && Beta2 < 1, nameof(Beta2), Beta2);
        Positive(Epsilon >= 0, nameof(Epsilon), Epsilon);
        Positive(MaxGradientNorm >= 0, nameof(MaxGradientNorm), MaxGradientNorm);
        ArgumentOutOfRangeException.ThrowIfLessThan(MicroBatchSize, 1, nameof(MicroBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchTokens, 1, nameof(BatchTokens));
        if (MaxTokens is { } maxTokens)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2, nameof(MaxTokens));
        }
        if (!Enum.IsDefined(ActivationCheckpointing))
        {
            throw new ArgumentOutOfRangeException(nameof(ActivationCheckpointing), ActivationCheckpointing, "ActivationCheckpointing must be Auto, On or Off.");
        }
        if (!Enum.IsDefined(Precision))
        {
            throw new ArgumentOutOfRangeException(nameof(Precision), Precision, "Unknown precision.");
        }
        Masking.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(ShuffleBufferWindows, 1, nameof(ShuffleBufferWindows));
        ArgumentOutOfRangeException.ThrowIfNegative(ValidationInterval, nameof(ValidationInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(ValidationWindows, 1, nameof(ValidationWindows));
        ArgumentOutOfRangeException.ThrowIfLessThan(ValidationMasks, 1, nameof(ValidationMasks));
        ArgumentOutOfRangeException.ThrowIfLessThan(LogInterval, 1, nameof(LogInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointInterval, nameof(CheckpointInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepCheckpoints, 1, nameof(KeepCheckpoints));
    }

    private static void Positive(bool ok, string name, double value)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is out of range.");
        }
    }
}
