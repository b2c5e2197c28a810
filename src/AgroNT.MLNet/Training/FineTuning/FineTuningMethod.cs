namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>Which weights fine-tuning changes.</summary>
public enum FineTuningMethod
{
    /// <summary>
    /// IA3 (Liu et al. 2022), the AgroNT paper's choice: learned vectors rescale every layer's attention keys and
    /// values and its feed-forward activations; the encoder stays frozen. Trains the vectors and the task head only.
    /// </summary>
    Ia3,

    /// <summary>LoRA (Hu et al. 2021): low-rank updates <c>(alpha / r) B A</c> beside chosen Linear layers; the encoder stays frozen.</summary>
    Lora,

    /// <summary>Every encoder weight is trained with the head.</summary>
    Full,
}

/// <summary>How the task head sees a sequence.</summary>
public enum HeadPooling
{
    /// <summary>Mean of the final hidden states over the real sequence tokens, without <c>&lt;cls&gt;</c> and padding (as AgroNT's embeddings).</summary>
    Mean,

    /// <summary>The final hidden state at <c>&lt;cls&gt;</c> (position 0), as Hugging Face's <c>EsmForSequenceClassification</c>.</summary>
    Cls,
}
