using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>How <see cref="FineTuningTrainer"/> fine-tunes: method, optimisation, early stopping and tokenization.</summary>
public sealed record FineTuningOptions
{
    /// <summary>Which weights are trained; IA3 (the paper's method) by default.</summary>
    public FineTuningMethod Method { get; init; } = FineTuningMethod.Ia3;

    /// <summary>LoRA settings, used when <see cref="Method"/> is <see cref="FineTuningMethod.Lora"/>.</summary>
    public LoraOptions Lora { get; init; } = new();

    /// <summary>How the head pools the encoder output; mean over real tokens by default.</summary>
    public HeadPooling Pooling { get; init; } = HeadPooling.Mean;

    /// <summary>
    /// AdamW learning rate of the encoder-side parameters (IA3 vectors, LoRA matrices or the whole encoder);
    /// <see langword="null"/> picks the method's default: 3e-3 for IA3, 5e-4 for LoRA, 3e-5 for full fine-tuning.
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>AdamW learning rate of the freshly initialised task head. Default 1e-3.</summary>
    public double HeadLearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Decoupled weight decay for weight matrices. Vectors (biases, LayerNorms, IA3 scales) are never decayed: decay
    /// would pull IA3's scales from 1 towards 0. Default 0.01.
    /// </summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradient norm above which gradients are rescaled; <see langword="null"/> disables clipping. Default 1.</summary>
    public double? MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Sequences per optimisation step. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Sequences per forward/backward pass; <see cref="BatchSize"/> is split into micro-batches of this size whose
    /// gradients are accumulated (each loss weighted by its share of the batch) before one optimiser step, so the step
    /// equals the unsplit batch's within float rounding while activation memory shrinks to a micro-batch's.
    /// <see langword="null"/> (the default) = the whole batch at once.
    /// </summary>
    public int? MicroBatchSize { get; init; }

    /// <summary>
    /// Whether encoder layers are recomputed in the backward pass instead of keeping their activations (see
    /// <see cref="Modeling.EsmEncoder.ActivationCheckpointing"/>). <see cref="FineTuning.ActivationCheckpointing.Auto"/>
    /// (the default) turns it on for a step whose estimated activations (<see cref="MemoryEstimate"/>) would not fit
    /// in <see cref="MemoryBudgetBytes"/>.
    /// </summary>
    public ActivationCheckpointing ActivationCheckpointing { get; init; } = ActivationCheckpointing.Auto;

    /// <summary>
    /// Bytes the whole process may use, for <see cref="FineTuning.ActivationCheckpointing.Auto"/>;
    /// <see langword="null"/> (the default) = the memory available when training starts plus what the model already holds.
    /// </summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>Sequences per forward/backward pass in force: <see cref="MicroBatchSize"/>, at most <see cref="BatchSize"/>.</summary>
    public int EffectiveMicroBatchSize => Math.Min(MicroBatchSize ?? BatchSize, BatchSize);

    /// <summary>
    /// Precision of the encoder when <see cref="FineTuningTrainer"/> loads it from a folder. With
    /// <see cref="MLNet.Precision.BFloat16"/> the frozen encoder weights and activations are bfloat16 (half the memory)
    /// while the trained parameters (IA3 scales, LoRA matrices, the head), their gradients, optimiser states and the loss
    /// stay float32; libtorch's CPU LayerNorm and softmax accumulate in float32. Full fine-tuning needs float32. Default float32.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Passes over the training data, at most. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Optimisation steps, at most, over all epochs; <see langword="null"/> = no limit beyond <see cref="Epochs"/>.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Steps between validations; <see langword="null"/> validates once at the end of each epoch.</summary>
    public int? EvaluationInterval { get; init; }

    /// <summary>
    /// Validations without a lower validation loss before training stops (early stopping); the parameters of the
    /// best validation are restored at the end. Default 3. Without validation data training runs to the end and keeps
    /// the last parameters.
    /// </summary>
    public int Patience { get; init; } = 3;

    /// <summary>Steps between progress reports of the training loss. Default 10.</summary>
    public int ReportInterval { get; init; } = 10;

    /// <summary>Seed of the head and adapter initialisation and of the shuffling. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Training examples held and shuffled at a time when the training data is a stream rather than a list (a list is
    /// shuffled whole each epoch). Default 10,000.
    /// </summary>
    public int ShuffleBufferSize { get; init; } = 10_000;

    /// <summary>
    /// Torch device the model trains on: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (needs a CUDA libtorch,
    /// <see cref="Native.TorchRuntime.ResolveDevice"/>).
    /// </summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Reverse-complement augmentation: each training example, at each step it is drawn, is replaced by its reverse
    /// complement with probability 0.5 (labels unchanged), from a stream seeded by <see cref="Seed"/> and the step, so
    /// a run (and a resumed one) is repeatable. Validation examples are read as given. Default <see langword="false"/>.
    /// Use it when the label does not depend on the strand the sequence is written on.
    /// </summary>
    public bool ReverseComplementAugment { get; init; }

    /// <summary>
    /// Tokenizer settings (mode, length policy); the vocabulary comes from the model. <see cref="LengthPolicy.Windows"/>
    /// is refused: a labelled example is one model input. Default: normalize mode, error above 1024 tokens.
    /// </summary>
    public KmerTokenizerOptions Tokenizer { get; init; } = KmerTokenizerOptions.Default;

    /// <summary>
    /// Standardize regression targets (per output, to mean 0 and variance 1 over the training data) while training;
    /// predictions are mapped back. Default <see langword="true"/>: expression levels and strengths come in arbitrary
    /// units, and an unscaled MSE makes the head's learning rate depend on them.
    /// </summary>
    public bool StandardizeTargets { get; init; } = true;

    /// <summary>
    /// Folder for resumable checkpoints (<c>step-NNNNNNNN/</c>: trainable weights, optimiser state, best-so-far
    /// parameters, data position and early-stopping state, verified by SHA-256); <see langword="null"/> (the default)
    /// writes none. With a folder, a checkpoint is also written at the end of training and when training is cancelled.
    /// </summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Steps between checkpoints; <see langword="null"/> (the default) writes them only at the end and on cancellation.</summary>
    public int? CheckpointInterval { get; init; }

    /// <summary>Checkpoints kept (the newest); older ones are deleted. Default 3.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>
    /// Continue from the newest complete checkpoint in <see cref="CheckpointFolder"/> (a damaged one is reported and
    /// the previous one used; none at all starts from the beginning). Without it, a folder that already holds
    /// checkpoints is refused rather than overwritten. The settings that shape training must match the checkpoint's;
    /// <see cref="Epochs"/>, <see cref="MaxSteps"/>, <see cref="Patience"/> and the reporting and checkpoint intervals may change.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>The learning rate in force for the encoder-side parameters.</summary>
    public double EffectiveLearningRate => LearningRate ?? Method switch
    {
        FineTuningMethod.Ia3 => 3e-3,
        FineTuningMethod.Lora => 5e-4,
        _ => 3e-5,
    };

    internal void Validate()
    {
        if (!Enum.IsDefined(Method) || !Enum.IsDefined(Pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(Method), "Unknown fine-tuning method or pooling.");
        }
        Check(BatchSize > 0, nameof(BatchSize), BatchSize, "must be positive");
        Check(MicroBatchSize is null or > 0, nameof(MicroBatchSize), MicroBatchSize, "must be positive");
        Check(Enum.IsDefined(ActivationCheckpointing), nameof(ActivationCheckpointing), ActivationCheckpointing, "must be Auto, On or Off");
        Check(MemoryBudgetBytes is null or > 0, nameof(MemoryBudgetBytes), MemoryBudgetBytes, "must be positive");
        Check(Enum.IsDefined(Precision), nameof(Precision), Precision, "must be Float32 or BFloat16");
        if (Precision != Precision.Float32 && Method == FineTuningMethod.Full)
        {
            throw new ArgumentException("Full fine-tuning trains every weight and needs Precision.Float32 (--precision fp32); IA3 and LoRA can use BFloat16.", nameof(Precision));
        }
        Check(Epochs > 0, nameof(Epochs), Epochs, "must be positive");
        Check(MaxSteps is null or > 0, nameof(MaxSteps), MaxSteps, "must be positive");
        Check(EvaluationInterval is null or > 0, nameof(EvaluationInterval), EvaluationInterval, "must be positive");
        Check(Patience > 0, nameof(Patience), Patience, "must be positive");
        Check(ReportInterval > 0, nameof(ReportInterval), ReportInterval, "must be positive");
        Check(ShuffleBufferSize > 0, nameof(ShuffleBufferSize), ShuffleBufferSize, "must be positive");
        Check(EffectiveLearningRate > 0 && HeadLearningRate > 0, nameof(LearningRate), LearningRate, "learning rates must be positive");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "must not be negative");
        Check(MaxGradientNorm is null or > 0, nameof(MaxGradientNorm), MaxGradientNorm, "must be positive");
        Check(CheckpointInterval is null or > 0, nameof(CheckpointInterval), CheckpointInterval, "must be positive");
        Check(KeepCheckpoints > 0, nameof(KeepCheckpoints), KeepCheckpoints, "must be positive");
        if (Resume && CheckpointFolder is null)
        {
            throw new ArgumentException("Resume needs a CheckpointFolder to resume from.", nameof(Resume));
        }
        if (Method == FineTuningMethod.Lora)
        {
            Check(Lora.Rank > 0, "Lora.Rank", Lora.Rank, "must be positive");
            Check(Lora.Alpha > 0, "Lora.Alpha", Lora.Alpha, "must be positive");
            Check(Lora.TargetModules.Count > 0, "Lora.TargetModules", Lora.TargetModules.Count, "must name at least one module");
        }
        if (Tokenizer.LengthPolicy == LengthPolicy.Windows)
        {
            throw new ArgumentException(
                "LengthPolicy.Windows cannot be used to fine-tune: each labelled example must be one model input. Use Truncate or Error.",
                nameof(Tokenizer));
        }
    }

    private static void Check(bool condition, string name, object? value, string problem)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} {problem}.");
        }
    }
}
