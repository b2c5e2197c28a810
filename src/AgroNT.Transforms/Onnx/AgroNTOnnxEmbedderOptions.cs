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
/// What <see cref="AgroNTOnnxEmbedder"/> computes and how it batches: the same settings, with the same defaults, as the
/// TorchSharp embedder, plus the ONNX Runtime ones.
/// </summary>
public sealed record AgroNTOnnxEmbedderOptions
{
    /// <summary>
    /// Hidden state to pool, numbered like Hugging Face's <c>hidden_states</c>: 0 = embedding output, N = last layer after
    /// the final LayerNorm (the default, <see langword="null"/>, read from the graph output <c>last_hidden_state</c>).
    /// Another layer L must be a graph output <c>hidden_state_L</c> (<c>agront export-onnx --layers L</c> adds it).
    /// </summary>
    public int? Layer { get; init; }

    /// <summary>Pooling rule; <see cref="Pooling.Mean"/> (real tokens, no <c>&lt;cls&gt;</c>, no padding) by default.</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>Most sequences (or windows) per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Most tokens (rows x padded length) per forward pass, bounding memory for long inputs; null = no bound.</summary>
    public int? MaxBatchTokens { get; init; } = 16384;

    /// <summary>
    /// Largest share of padding a batch may compute: inputs are sorted by length and a batch is closed before adding an
    /// input would make more than this fraction of its positions padding (see <see cref="LengthBuckets"/>).
    /// </summary>
    public double MaxPaddingFraction { get; init; } = 0.05;

    /// <summary>How the windows of one long sequence are combined (tokenizer length policy <c>Windows</c>).</summary>
    public WindowAggregation WindowAggregation { get; init; } = WindowAggregation.TokenWeightedMean;

    /// <summary>Tokenizer settings (mode, length policy, window stride); <see cref="KmerTokenizerOptions.Default"/> when null.
    /// The vocabulary always comes from the model folder.</summary>
    public KmerTokenizerOptions? Tokenizer { get; init; }

    /// <summary>CPU (default) or CUDA.</summary>
    public OnnxExecutionProvider ExecutionProvider { get; init; } = OnnxExecutionProvider.Cpu;

    /// <summary>The CUDA device for <see cref="OnnxExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Threads ONNX Runtime uses inside one operator; null = its default (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }
}
