using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.ModelFolders;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Featurization;

/// <summary>
/// Everything <see cref="DnaEmbedders.Open"/> needs: the shared <see cref="DnaEmbeddingOptions"/> plus where and how the
/// model runs. Defaults: CPU, fp32, the tokenizer's defaults, the engine's own thread count.
/// </summary>
public sealed record DnaEmbedderOptions : DnaEmbeddingOptions
{
    /// <summary><c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (<see cref="ComputeDevice.Parse"/>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>fp32 (default) or bf16; bf16 applies to TorchSharp folders only (an ONNX export runs its float32 graph).</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Tokenizer settings (mode, length policy, window stride); the defaults when null. The vocabulary comes from the folder.</summary>
    public KmerTokenizerOptions? Tokenizer { get; init; }

    /// <summary>ONNX Runtime's intra-op threads for an ONNX export folder; null = its default. (libtorch threads are per process: <c>torch.set_num_threads</c>.)</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Load weights that hold NaN or infinity (refused by default, naming the tensor); TorchSharp folders only.</summary>
    public bool AllowNonFiniteWeights { get; init; }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        try
        {
            _ = ComputeDevice.Parse(Device);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, nameof(Device), e);
        }
        if (IntraOpThreads is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "IntraOpThreads must be positive, or null for ONNX Runtime's default.");
        }
    }
}

/// <summary>
/// The one way to get an <see cref="IDnaEmbedder"/> from a model folder or Hub id: the folder decides the engine
/// (<see cref="ModelFolder"/>): an ONNX export runs on ONNX Runtime (<see cref="AgroNTOnnxEmbedder"/>), a Hugging Face
/// folder on TorchSharp, and a fine-tuned folder on TorchSharp with its adapters folded into the encoder
/// (<see cref="AgroNTModel.Load"/>). <c>agront embed</c> (plain, sharded and cluster), the benchmarks and the evaluation
/// learners use it, so a folder gives the same embeddings on every route.
/// </summary>
public static class DnaEmbedders
{
    /// <summary>Opens an embedder that owns its model; dispose it.</summary>
    /// <param name="folderOrHubId">A Hugging Face, fine-tuned or ONNX export folder, or a cached Hub id.</param>
    /// <param name="options">What to compute and where; defaults when null.</param>
    /// <returns>The embedder.</returns>
    /// <exception cref="ArgumentException">An option is invalid, or bf16 was asked of an ONNX export.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The layer is beyond the model's depth.</exception>
    public static IDnaEmbedder Open(string folderOrHubId, DnaEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folderOrHubId);
        options ??= new DnaEmbedderOptions();
        options.Validate();
        var folder = ModelFolder.Open(folderOrHubId);
        var device = ComputeDevice.Parse(options.Device);
        if (folder.Kind == ModelFolderKind.Onnx)
        {
            if (options.Precision != Precision.Float32)
            {
                throw new ArgumentException($"{folder.Source} is an ONNX export, which runs its float32 graph; bf16 applies to Hugging Face and fine-tuned folders.", nameof(options));
            }
            return new AgroNTOnnxEmbedder(folder.Path, new AgroNTOnnxEmbedderOptions
            {
                Layer = options.Layer,
                Pooling = options.Pooling,
                Strand = options.Strand,
                BatchSize = options.BatchSize,
                MaxBatchTokens = options.MaxBatchTokens,
                MaxPaddingFraction = options.MaxPaddingFraction,
                WindowAggregation = options.WindowAggregation,
                Progress = options.Progress,
                Tokenizer = options.Tokenizer,
                ExecutionProvider = device.IsCuda ? OnnxExecutionProvider.Cuda : OnnxExecutionProvider.Cpu,
                CudaDeviceId = device.Index,
                IntraOpThreads = options.IntraOpThreads,
            });
        }
        var model = AgroNTModel.Load(folder.Path, new AgroNTModelOptions
        {
            Device = device.ToString(),
            Precision = options.Precision,
            Tokenizer = options.Tokenizer ?? KmerTokenizerOptions.Default,
            AllowNonFiniteWeights = options.AllowNonFiniteWeights,
        });
        try
        {
            return new AgroNTEmbedder(model, new AgroNTEmbeddingOptions
            {
                Layer = options.Layer,
                Pooling = options.Pooling,
                Strand = options.Strand,
                BatchSize = options.BatchSize,
                MaxBatchTokens = options.MaxBatchTokens,
                MaxPaddingFraction = options.MaxPaddingFraction,
                WindowAggregation = options.WindowAggregation,
                Progress = options.Progress,
            }, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
