using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Onnx;

/// <summary>Where the exported weights are stored.</summary>
public enum OnnxExternalData
{
    /// <summary>Inline in <c>model.onnx</c> up to <see cref="OnnxExporter.InlineLimitBytes"/>, in <c>model.onnx.data</c> beyond (AgroNT-1B). The default.</summary>
    Auto,

    /// <summary>Always in <c>model.onnx.data</c> beside a small <c>model.onnx</c>.</summary>
    Always,

    /// <summary>Always inline; refused for weights over protobuf's 2 GB message limit.</summary>
    Never,
}

/// <summary>How the exported graph computes self-attention.</summary>
public enum OnnxAttention
{
    /// <summary>ONNX Runtime's fused <c>com.microsoft</c> <c>Attention</c> operator (one packed QKV GEMM, fused mask and
    /// softmax; CPU and CUDA providers). Runs on ONNX Runtime only. The default; rotary (ESM-2) models get
    /// <see cref="Standard"/> instead, since the fused operator cannot rotate query and key.</summary>
    OnnxRuntime,

    /// <summary>Standard ONNX operators only (MatMul, Softmax, Transpose...), for any ONNX runtime.</summary>
    Standard,
}

/// <summary>What <see cref="OnnxExporter"/> writes.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Hidden states to expose as extra outputs <c>hidden_state_L</c>, numbered like Hugging Face's <c>hidden_states</c>:
    /// 0 = embedding output, 1..N-1 = raw layer outputs, N = the last layer after the final LayerNorm (equal to
    /// <c>last_hidden_state</c>). Empty by default.
    /// </summary>
    public IReadOnlyList<int> Layers { get; init; } = [];

    /// <summary>Whether the graph computes the masked-language-model <c>logits</c> (true by default). Without them the
    /// graph is an encoder only, and featurizing skips the LM head's work.</summary>
    public bool IncludeLogits { get; init; } = true;

    /// <summary>
    /// Export only the <see cref="Layers"/> hidden states: the graph stops at the highest of them, with no
    /// <c>last_hidden_state</c> (unless the last layer is among them) and no <c>logits</c>. ONNX Runtime runs every node
    /// of a graph whatever output is read, so this is the graph for featurizing an intermediate layer (the AgroNT
    /// paper's layers 11, 21, 31 of 40 cost about a quarter, half and three quarters of a full pass).
    /// </summary>
    public bool OnlyLayers { get; init; }

    /// <summary>
    /// For a fine-tuned model, whether the graph also computes its task head: an output <c>score</c> <c>[batch, K]</c>
    /// holding what <c>FineTunedModel</c>'s ML.NET transformer calls the score (logits for classification, whose sigmoid
    /// is the probability; values in the labels' units for regression). True by default; ignored for a model without a
    /// head and with <see cref="OnlyLayers"/>.
    /// </summary>
    public bool IncludeHead { get; init; } = true;

    /// <summary>Self-attention as ONNX Runtime's fused operator (the default) or as standard ONNX operators.</summary>
    public OnnxAttention Attention { get; init; } = OnnxAttention.OnnxRuntime;

    /// <summary>Inline or external weights.</summary>
    public OnnxExternalData ExternalData { get; init; } = OnnxExternalData.Auto;

    /// <summary>Which weight file to read when exporting a model folder that has several.</summary>
    public CheckpointFormat CheckpointFormat { get; init; } = CheckpointFormat.Auto;

    /// <summary>
    /// Told after each weight tensor is written to the graph how many weight bytes are written so far and about how many
    /// there will be (<see cref="OnnxExportProgress"/>), on the exporting thread; null (the default) for no reports.
    /// </summary>
    public IProgress<OnnxExportProgress>? Progress { get; init; }
}

/// <summary>How far an <see cref="OnnxExporter"/> export has got.</summary>
/// <param name="BytesWritten">Float32 weight bytes written so far (inline or to the external data file).</param>
/// <param name="BytesEstimated">
/// The weight bytes the export is expected to write, from the model's configuration; a fine-tuned model's task head
/// and adapters can add a little beyond it, so clamp the share at 1.
/// </param>
public readonly record struct OnnxExportProgress(long BytesWritten, long BytesEstimated);

/// <summary>What <see cref="OnnxExporter"/> wrote.</summary>
/// <param name="ModelPath">The graph, <c>OUTDIR/model.onnx</c>.</param>
/// <param name="ExternalDataPath">The external weights, <c>OUTDIR/model.onnx.data</c>, or null when inline.</param>
/// <param name="Outputs">The graph's output names, in order.</param>
/// <param name="WeightBytes">Bytes of float32 weights written.</param>
public sealed record OnnxExportResult(string ModelPath, string? ExternalDataPath, IReadOnlyList<string> Outputs, long WeightBytes);
