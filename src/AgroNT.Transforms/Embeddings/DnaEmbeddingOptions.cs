namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// What an <see cref="IDnaEmbedder"/> computes and how it batches: the settings, and their defaults, that the
/// TorchSharp embedder (<c>AgroNTEmbeddingOptions</c>) and the ONNX Runtime embedder
/// (<c>AgroNTOnnxEmbedderOptions</c>) share. The length policy comes from the tokenizer options.
/// </summary>
public abstract record DnaEmbeddingOptions
{
    /// <summary>Default <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 8;

    /// <summary>Default <see cref="MaxBatchTokens"/>: 16 full 1,024-token windows.</summary>
    public const int DefaultMaxBatchTokens = 16384;

    /// <summary>Default <see cref="MaxPaddingFraction"/>.</summary>
    public const double DefaultMaxPaddingFraction = 0.05;

    /// <summary>
    /// Hidden state to pool, numbered like Hugging Face's <c>hidden_states</c>: 0 = embedding output, N = last layer after
    /// the final LayerNorm (the default, null). Layers above the requested one are not computed. An ONNX export has
    /// layer L only when it was exported with it (<c>agront export-onnx --layers L</c>).
    /// </summary>
    public int? Layer { get; init; }

    /// <summary>Pooling rule; <see cref="Pooling.Mean"/> (real tokens, no <c>&lt;cls&gt;</c>, no padding) by default.</summary>
    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>Most sequences (or windows) per forward pass.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>
    /// Most tokens per forward pass, bounding memory for long inputs; null = no bound. Engines that pad (ONNX) count
    /// rows x padded length; the TorchSharp embedder, which packs inputs end to end, counts real tokens.
    /// </summary>
    public int? MaxBatchTokens { get; init; } = DefaultMaxBatchTokens;

    /// <summary>
    /// Largest share of padding a batch may compute: inputs are sorted by length and a batch is closed before adding
    /// an input would make more than this fraction of its positions padding (see <see cref="LengthBuckets"/>). 0 computes
    /// no padding at all. Applies to engines that pad (the ONNX embedder); the TorchSharp embedder packs inputs end to
    /// end and never computes padding, so it ignores this bound.
    /// </summary>
    public double MaxPaddingFraction { get; init; } = DefaultMaxPaddingFraction;

    /// <summary>How the windows of one long sequence are combined (tokenizer length policy <c>Windows</c>).</summary>
    public WindowAggregation WindowAggregation { get; init; } = WindowAggregation.TokenWeightedMean;

    /// <summary>
    /// Which strand is embedded (<see cref="Embeddings.Strand"/>): the sequence as given (<see cref="Strand.Forward"/>, the
    /// default), its reverse complement, or the mean of both in forward coordinates. <see cref="Strand.Both"/> computes
    /// every sequence twice and cannot be combined with <see cref="Pooling.Tokens"/>.
    /// </summary>
    public Strand Strand { get; init; } = Strand.Forward;

    /// <summary>
    /// Told after each forward pass how far the current call has got (<see cref="DnaEmbeddingProgress"/>), on the
    /// calling thread; null (the default) for no reports. It does not change what is computed.
    /// </summary>
    public IProgress<DnaEmbeddingProgress>? Progress { get; init; }

    /// <summary>Checks the settings that do not depend on a model (the layer is checked against the model's depth when an embedder is built).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its allowed range.</exception>
    public virtual void Validate()
    {
        if (Layer is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Layer), Layer, "Layer must be 0 (embedding output) or more, or null for the last layer.");
        }
        if (BatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        }
        if (MaxBatchTokens is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchTokens), MaxBatchTokens, "MaxBatchTokens must be positive, or null for no bound.");
        }
        if (MaxPaddingFraction is < 0 or >= 1 || double.IsNaN(MaxPaddingFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPaddingFraction), MaxPaddingFraction, "MaxPaddingFraction must be in [0, 1).");
        }
        if (!Enum.IsDefined(Pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(Pooling), Pooling, "Pooling must be one of " + string.Join(", ", Enum.GetNames<Pooling>()) + ".");
        }
        if (!Enum.IsDefined(Strand))
        {
            throw new ArgumentOutOfRangeException(nameof(Strand), Strand, "Strand must be one of " + string.Join(", ", Enum.GetNames<Strand>()) + ".");
        }
        if (Strand == Strand.Both && Pooling == Pooling.Tokens)
        {
            throw new ArgumentOutOfRangeException(nameof(Strand), Strand,
                "Strand.Both cannot be combined with Pooling.Tokens: the 6-mers of the two strands start at different bases, so tokens do not pair up. Use Pooling.PerNucleotide, or Strand.Forward or Strand.Reverse.");
        }
        if (!Enum.IsDefined(WindowAggregation))
        {
            throw new ArgumentOutOfRangeException(nameof(WindowAggregation), WindowAggregation, "WindowAggregation must be one of " + string.Join(", ", Enum.GetNames<WindowAggregation>()) + ".");
        }
    }
}
