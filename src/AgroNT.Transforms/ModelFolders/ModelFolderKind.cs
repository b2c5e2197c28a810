namespace AgroNT.Transforms.ModelFolders;

/// <summary>What a model folder holds, decided once by <see cref="ModelFolder.Open(string)"/> for every caller.</summary>
public enum ModelFolderKind
{
    /// <summary>A Hugging Face model folder: <c>config.json</c>, <c>vocab.txt</c> and weights (safetensors or <c>pytorch_model.bin</c>).</summary>
    HuggingFace,

    /// <summary>
    /// A folder written by fine-tuning (<c>agront finetune</c>, <c>FineTunedModel.Save</c>): a Hugging Face folder of the
    /// base encoder plus <see cref="ModelFolder.FineTunedManifestFileName"/>, the adapters and the task head. Its encoder is
    /// the base encoder with the adapters applied, never the base weights alone.
    /// </summary>
    FineTuned,

    /// <summary>A folder written by <c>agront export-onnx</c>: <see cref="ModelFolder.OnnxModelFileName"/>, <c>config.json</c> and <c>vocab.txt</c>.</summary>
    Onnx,
}
