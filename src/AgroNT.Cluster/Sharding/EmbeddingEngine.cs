using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Onnx;

namespace AgroNT.Cluster.Sharding;

/// <summary>
/// One loaded model and its embedder, built from an <see cref="EmbeddingJobSpec"/> on one device: the same
/// <see cref="AgroNTModel"/> + <see cref="AgroNTEmbedder"/> (or <see cref="AgroNTOnnxEmbedder"/>) that
/// <c>agront embed</c> uses, so a shard's numbers equal the single-process ones. Not thread-safe: one per worker.
/// </summary>
public sealed class EmbeddingEngine : IDisposable
{
    private readonly Func<IReadOnlyList<string>, IReadOnlyList<string>, CancellationToken, IReadOnlyList<float[]>> _embed;
    private readonly IDisposable _owner;

    private EmbeddingEngine(EmbeddingJobSpec spec, string device, Func<IReadOnlyList<string>, IReadOnlyList<string>, CancellationToken, IReadOnlyList<float[]>> embed, IDisposable owner)
    {
        Spec = spec;
        Device = device;
        _embed = embed;
        _owner = owner;
    }

    /// <summary>The spec this engine was built for.</summary>
    public EmbeddingJobSpec Spec { get; }

    /// <summary>The device it computes on (<c>cpu</c>, <c>cuda:N</c>).</summary>
    public string Device { get; }

    /// <summary>Loads the model of <paramref name="spec"/> on <paramref name="device"/>.</summary>
    /// <param name="spec">What to compute; validated first.</param>
    /// <param name="device"><c>cpu</c>, or <c>cuda[:N]</c> with a CUDA runtime.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; null for its default. (libtorch threads are per process: set them once with <c>torch.set_num_threads</c>.)</param>
    /// <returns>A ready engine; dispose it.</returns>
    /// <exception cref="ArgumentException">A field of the spec is invalid, or the layer is beyond the model's depth.</exception>
    public static EmbeddingEngine Create(EmbeddingJobSpec spec, string device = "cpu", int? intraOpThreads = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        spec.Validate();
        return spec.Engine == "onnx" ? CreateOnnx(spec, device, intraOpThreads) : CreateTorch(spec, device);
    }

    /// <summary>Embeds sequences in order.</summary>
    /// <param name="sequences">DNA text.</param>
    /// <param name="names">Record names, parallel to <paramref name="sequences"/>, for error messages.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One vector per sequence.</returns>
    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<string> names, CancellationToken cancellationToken = default) =>
        _embed(sequences, names, cancellationToken);

    /// <summary>Releases the model.</summary>
    public void Dispose() => _owner.Dispose();

    private static EmbeddingEngine CreateTorch(EmbeddingJobSpec spec, string device)
    {
        var model = AgroNTModel.Load(spec.ModelFolder, new AgroNTModelOptions
        {
            Device = device,
            Precision = spec.ParsedPrecision,
            Tokenizer = spec.TokenizerOptions,
        });
        try
        {
            if (spec.Layer > model.Config.NumHiddenLayers)
            {
                throw new ArgumentException($"Layer {spec.Layer} is beyond the {model.Config.NumHiddenLayers} layers of '{spec.ModelFolder}'; use 0..{model.Config.NumHiddenLayers}.", nameof(spec));
            }
            var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions
            {
                Layer = spec.Layer,
                Pooling = spec.ParsedPooling,
                BatchSize = spec.BatchSize,
            });
            return new EmbeddingEngine(spec, device, (s, n, c) => embedder.Embed(s, n, c), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static EmbeddingEngine CreateOnnx(EmbeddingJobSpec spec, string device, int? intraOpThreads)
    {
        var provider = device == "cpu" ? OnnxExecutionProvider.Cpu
            : device.StartsWith("cuda", StringComparison.Ordinal) ? OnnxExecutionProvider.Cuda
            : throw new ArgumentException($"Device must be cpu or cuda[:N], got '{device}'.", nameof(device));
        int deviceId = device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int id) ? id : 0;
        var embedder = new AgroNTOnnxEmbedder(spec.ModelFolder, new AgroNTOnnxEmbedderOptions
        {
            Layer = spec.Layer,
            Pooling = spec.ParsedPooling,
            BatchSize = spec.BatchSize,
            Tokenizer = spec.TokenizerOptions,
            ExecutionProvider = provider,
            CudaDeviceId = deviceId,
            IntraOpThreads = intraOpThreads,
        });
        return new EmbeddingEngine(spec, device, (s, n, c) => embedder.Embed(s, n, c), embedder);
    }
}
