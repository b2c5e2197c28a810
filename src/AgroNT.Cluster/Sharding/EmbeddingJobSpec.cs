using AgroNT.MLNet.Featurization;
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Cluster.Sharding;

/// <summary>
/// How a job embeds its records: everything that changes the numbers, and nothing about where they are computed
/// (device, threads). Plain strings and numbers, so the spec travels unchanged in a manifest and in Orleans messages;
/// <see cref="Validate"/> parses them with the same words as <c>agront embed</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EmbeddingJobSpec
{
    /// <summary>The model: a Hugging Face folder (<c>torch</c>) or an <c>agront export-onnx</c> folder (<c>onnx</c>). Every worker must see it at this path.</summary>
    [Id(0)]
    public required string ModelFolder { get; init; }

    /// <summary><c>torch</c> (TorchSharp, the default) or <c>onnx</c> (ONNX Runtime).</summary>
    [Id(1)]
    public string Engine { get; init; } = "torch";

    /// <summary>Hidden state to pool (Hugging Face numbering); null for the last layer.</summary>
    [Id(2)]
    public int? Layer { get; init; }

    /// <summary><c>mean</c>, <c>cls</c>, <c>tokens</c> or <c>per-nucleotide</c>.</summary>
    [Id(3)]
    public string Pooling { get; init; } = "mean";

    /// <summary>Sequences per forward pass.</summary>
    [Id(4)]
    public int BatchSize { get; init; } = 8;

    /// <summary><c>fp32</c> or <c>bf16</c> (<c>torch</c> only).</summary>
    [Id(5)]
    public string Precision { get; init; } = "fp32";

    /// <summary><c>normalize</c> or <c>hf</c>.</summary>
    [Id(6)]
    public string TokenizerMode { get; init; } = "normalize";

    /// <summary><c>error</c>, <c>truncate</c> or <c>windows</c>.</summary>
    [Id(7)]
    public string LengthPolicy { get; init; } = "error";

    /// <summary>Window stride in tokens for <c>windows</c>; null for the default.</summary>
    [Id(8)]
    public int? WindowStride { get; init; }

    /// <summary><c>forward</c> (the default), <c>reverse</c> or <c>both</c>: see <see cref="Transforms.Embeddings.Strand"/>.</summary>
    [Id(9)]
    public string Strand { get; init; } = "forward";

    /// <summary>Checks every field and throws <see cref="ArgumentException"/> naming the bad one and the accepted values.</summary>
    /// <exception cref="ArgumentException">A field holds a value no engine accepts.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelFolder))
        {
            throw new ArgumentException("The embedding spec needs a model folder.", nameof(ModelFolder));
        }
        if (Engine is not ("torch" or "onnx"))
        {
            throw new ArgumentException($"Engine must be torch or onnx, got '{Engine}'.", nameof(Engine));
        }
        if (BatchSize is < 1 or > 4096)
        {
            throw new ArgumentException($"Batch size must be between 1 and 4096, got {BatchSize}.", nameof(BatchSize));
        }
        if (Layer is < 0)
        {
            throw new ArgumentException($"Layer must be 0 or more, got {Layer}.", nameof(Layer));
        }
        if (WindowStride is < 1)
        {
            throw new ArgumentException($"Window stride must be 1 or more, got {WindowStride}.", nameof(WindowStride));
        }
        _ = ParsedPooling;
        if (ParsedStrand == Transforms.Embeddings.Strand.Both && ParsedPooling == Transforms.Embeddings.Pooling.Tokens)
        {
            throw new ArgumentException("Strand both cannot be combined with pooling tokens: the 6-mers of the two strands start at different bases. Use per-nucleotide pooling, or strand forward or reverse.", nameof(Strand));
        }
        _ = ParsedPrecision;
        _ = TokenizerOptions;
        if (Engine == "onnx" && ParsedPrecision != MLNet.Precision.Float32)
        {
            throw new ArgumentException($"The onnx engine runs the exported float32 graph; precision {Precision} applies to the torch engine only.", nameof(Precision));
        }
    }

    /// <summary>
    /// Opens the embedder this spec describes on <paramref name="device"/>, through the one factory every route uses
    /// (<see cref="DnaEmbedders.Open"/>), so a shard's numbers equal a plain <c>agront embed</c>'s, fine-tuned folders included.
    /// </summary>
    /// <param name="device"><c>cpu</c>, or <c>cuda[:N]</c> with a CUDA runtime.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; null for its default.</param>
    /// <returns>An embedder that owns its model; dispose it. Not shared between workers.</returns>
    /// <exception cref="ArgumentException">A field is invalid, the engine does not match the folder, or the layer is beyond the model's depth.</exception>
    public IDnaEmbedder OpenEmbedder(string device = "cpu", int? intraOpThreads = null)
    {
        Validate();
        var kind = Transforms.ModelFolders.ModelFolder.Open(ModelFolder).Kind;
        if ((Engine == "onnx") != (kind == Transforms.ModelFolders.ModelFolderKind.Onnx))
        {
            throw new ArgumentException(Engine == "onnx"
                ? $"Engine onnx needs an agront export-onnx folder; '{ModelFolder}' is a {kind} folder (use engine torch)."
                : $"'{ModelFolder}' is an ONNX export folder; embed it with engine onnx.", nameof(Engine));
        }
        return DnaEmbedders.Open(ModelFolder, new DnaEmbedderOptions
        {
            Layer = Layer,
            Pooling = ParsedPooling,
            Strand = ParsedStrand,
            BatchSize = BatchSize,
            Precision = ParsedPrecision,
            Tokenizer = TokenizerOptions,
            Device = device,
            IntraOpThreads = intraOpThreads,
        });
    }

    internal Pooling ParsedPooling => ParseEnum<Pooling>(Pooling, nameof(Pooling));

    internal Transforms.Embeddings.Strand ParsedStrand => ParseEnum<Transforms.Embeddings.Strand>(Strand, nameof(Strand));

    internal Precision ParsedPrecision => Precision switch
    {
        "fp32" or "float32" => MLNet.Precision.Float32,
        "bf16" or "bfloat16" => MLNet.Precision.BFloat16,
        _ => throw new ArgumentException($"Precision must be fp32 or bf16, got '{Precision}'.", nameof(Precision)),
    };

    internal KmerTokenizerOptions TokenizerOptions => KmerTokenizerOptions.Default with
    {
        Mode = ParseEnum<TokenizerMode>(TokenizerMode, nameof(TokenizerMode)),
        LengthPolicy = ParseEnum<LengthPolicy>(LengthPolicy, nameof(LengthPolicy)),
        WindowStride = WindowStride,
    };

    /// <summary>A stable text of every field, the part of a job's fingerprint that says how it was embedded.</summary>
    internal string CanonicalText() => string.Create(CultureInfo.InvariantCulture,
        $"model={ModelFolder}|engine={Engine}|layer={Layer?.ToString(CultureInfo.InvariantCulture) ?? "last"}|pooling={Pooling}|batch={BatchSize}|precision={Precision}|tokenizer={TokenizerMode}|length={LengthPolicy}|stride={WindowStride?.ToString(CultureInfo.InvariantCulture) ?? "default"}{(ParsedStrandOrForward == Transforms.Embeddings.Strand.Forward ? "" : "|strand=" + ParsedStrandOrForward.ToString().ToLowerInvariant())}");

    // Forward-strand jobs keep the fingerprint they had before Strand existed.
    private Transforms.Embeddings.Strand ParsedStrandOrForward =>
        Enum.TryParse<Transforms.Embeddings.Strand>(Strand, ignoreCase: true, out var strand) ? strand : Transforms.Embeddings.Strand.Forward;

    private static T ParseEnum<T>(string text, string field) where T : struct, Enum
    {
        string normalized = (text ?? "").Replace("-", "", StringComparison.Ordinal);
        return Enum.TryParse<T>(normalized, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ArgumentException($"{field} must be one of {string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}, got '{text}'.", field);
    }
}
