using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Onnx;

/// <summary>Where ONNX Runtime runs the graph.</summary>
public enum OnnxExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider (MLAS kernels). The default; works with the <c>Microsoft.ML.OnnxRuntime</c> package.</summary>
    Cpu,

    /// <summary>
    /// NVIDIA CUDA. Needs the GPU build of the native runtime: reference <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> (1.32.0;
    /// <c>Microsoft.ML.OnnxRuntime.Gpu.Windows</c> on Windows) in the application instead of <c>Microsoft.ML.OnnxRuntime</c>,
    /// with CUDA 12 and cuDNN 9 installed (this repository: <c>dotnet build -p:AgroNTGpu=true</c>). Nodes CUDA cannot run
    /// fall back to the CPU.
    /// </summary>
    Cuda,
}

/// <summary>
/// What <see cref="AgroNTOnnxEmbedder"/> computes and how it batches: the shared <see cref="DnaEmbeddingOptions"/>
/// (same settings and defaults as the TorchSharp embedder), plus the tokenizer and ONNX Runtime settings.
/// </summary>
public sealed record AgroNTOnnxEmbedderOptions : DnaEmbeddingOptions
{
    /// <summary>Tokenizer settings (mode, length policy, window stride); <see cref="KmerTokenizerOptions.Default"/> when null.
    /// The vocabulary always comes from the model folder.</summary>
    public KmerTokenizerOptions? Tokenizer { get; init; }

    /// <summary>CPU (default) or CUDA.</summary>
    public OnnxExecutionProvider ExecutionProvider { get; init; } = OnnxExecutionProvider.Cpu;

    /// <summary>The CUDA device for <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Threads ONNX Runtime uses inside one operator; null = its default (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        if (CudaDeviceId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CudaDeviceId), CudaDeviceId, "CudaDeviceId must be 0 or more.");
        }
        if (IntraOpThreads is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be positive, or null for ONNX Runtime's default.");
        }
    }
}
