namespace AgroNT.MLNet.Checkpoints;

/// <summary>The Hugging Face weight-file layouts a model folder can hold.</summary>
public enum CheckpointFormat
{
    /// <summary>
    /// Pick from what the folder holds, in Hugging Face's order of preference: <c>model.safetensors</c>, then
    /// <c>model.safetensors.index.json</c>, then <c>pytorch_model.bin</c>, then <c>pytorch_model.bin.index.json</c>.
    /// </summary>
    Auto = 0,

    /// <summary>One <c>model.safetensors</c> file.</summary>
    SafeTensors,

    /// <summary><c>model.safetensors.index.json</c> and the shards its <c>weight_map</c> names.</summary>
    ShardedSafeTensors,

    /// <summary>One <c>pytorch_model.bin</c> (the zip format torch.save writes since PyTorch 1.6).</summary>
    PyTorch,

    /// <summary><c>pytorch_model.bin.index.json</c> and the shards its <c>weight_map</c> names.</summary>
    ShardedPyTorch,
}
