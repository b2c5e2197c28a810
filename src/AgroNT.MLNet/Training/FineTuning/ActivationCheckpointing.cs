namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>When <see cref="FineTuningTrainer"/> recomputes encoder layers in the backward pass instead of keeping their activations.</summary>
public enum ActivationCheckpointing
{
    /// <summary>When a step's estimated activations would not fit in the memory budget (<see cref="FineTuningOptions.MemoryBudgetBytes"/>).</summary>
    Auto,

    /// <summary>Always: the least memory, about a third more compute per step.</summary>
    On,

    /// <summary>Never: every layer's activations are kept for the backward pass.</summary>
    Off,
}
