using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet;

/// <summary>What a file in a model folder is for.</summary>
public enum ModelFileKind
{
    /// <summary><c>config.json</c>: the architecture.</summary>
    Config,

    /// <summary><c>vocab.txt</c>: the tokenizer's vocabulary.</summary>
    Vocabulary,

    /// <summary><c>tokenizer_config.json</c> or <c>special_tokens_map.json</c>: tokenizer settings.</summary>
    TokenizerSettings,

    /// <summary>A weight file: <c>*.safetensors</c>, <c>*.bin</c>, <c>*.pt</c>, <c>*.pth</c>.</summary>
    Weights,

    /// <summary>The index of a sharded checkpoint (<c>*.index.json</c>).</summary>
    WeightsIndex,

    /// <summary>Anything else (README.md, .gitattributes, ...).</summary>
    Other,
}

/// <summary>One file of a model folder.</summary>
/// <param name="Name">The file name.</param>
/// <param name="Bytes">Its size (of the target, for a symbolic link into the Hugging Face cache).</param>
/// <param name="Kind">What it is for.</param>
public sealed record ModelFile(string Name, long Bytes, ModelFileKind Kind);

/// <summary>
/// A description of a Hugging Face AgroNT/ESM model folder read from <c>config.json</c>, <c>vocab.txt</c> and the
/// weights' header (safetensors header, <c>.bin</c> pickle or sharded index): no tensor data is read, so it is quick
/// even for AgroNT-1B. <c>agront info</c> prints it.
/// </summary>
public sealed record AgroNTModelInfo
{
    /// <summary>The model folder (the snapshot folder for a Hub id).</summary>
    public required string Folder { get; init; }

    /// <summary>The architecture from <c>config.json</c>.</summary>
    public required EsmConfig Config { get; init; }

    /// <summary><c>architectures</c> from <c>config.json</c> (e.g. <c>EsmForMaskedLM</c>); empty when absent.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary><c>model_type</c> from <c>config.json</c> (<c>esm</c>), when present.</summary>
    public string? ModelType { get; init; }

    /// <summary>Parameters of Hugging Face's <c>EsmForMaskedLM</c> for <see cref="Config"/> (contact head included, tied weights counted
    /// once); <see cref="long.MaxValue"/> for a config too large to count in a <see langword="long"/> (see <see cref="ParameterEstimate"/>).</summary>
    public long ParameterCount { get; init; }

    /// <summary><see cref="ParameterCount"/> as a <see langword="double"/>: exact for any real model, and positive and finite
    /// for any config, however absurd its sizes.</summary>
    public double ParameterEstimate => EstimateParameters(Config);

    /// <summary>Floating-point elements stored in the weights (buffers such as <c>position_ids</c> excluded); null without weights.</summary>
    public long? StoredParameterCount { get; init; }

    /// <summary>The element types of the stored floating-point tensors (<c>float32</c>, <c>bfloat16</c>...); empty without weights.</summary>
    public IReadOnlyList<string> StoredDTypes { get; init; } = [];

    /// <summary>The weight file (or sharded index) a load would read; null when the folder has none.</summary>
    public string? WeightsFile { get; init; }

    /// <summary>The format of <see cref="WeightsFile"/>.</summary>
    public CheckpointFormat? WeightsFormat { get; init; }

    /// <summary>Tensors in the weights.</summary>
    public int TensorCount { get; init; }

    /// <summary>Tokens in <c>vocab.txt</c>, or null when it is missing or unreadable.</summary>
    public int? VocabularySize { get; init; }

    /// <summary>The k of the k-mer tokens (6 for AgroNT), or null without a k-mer vocabulary.</summary>
    public int? K { get; init; }

    /// <summary>Whether <c>vocab.txt</c> is a protein (ESM-2) vocabulary rather than DNA k-mers.</summary>
    public bool IsProtein { get; init; }

    /// <summary>
    /// The model family the configuration and vocabulary describe: <c>ESM-2</c> (rotary positions, protein
    /// vocabulary), <c>ESM-1b</c> (absolute positions, protein vocabulary), <c>AgroNT / Nucleotide Transformer</c>
    /// (absolute positions, k-mers), or <c>rotary k-mer ESM</c>.
    /// </summary>
    public string Family => (Config.IsRotary, IsProtein) switch
    {
        (true, true) => "ESM-2",
        (false, true) => "ESM-1b",
        (false, false) => "AgroNT / Nucleotide Transformer",
        (true, false) => "rotary k-mer ESM",
    };

    /// <summary>The computation's variant in words: positions, token dropout, LM head (e.g. <c>rotary positions, token dropout, LM head tied to the embeddings</c>).</summary>
    public string Variant => string.Join(", ", new[]
    {
        Config.IsRotary ? "rotary positions" : "absolute positions",
        Config.TokenDropout ? "token dropout" : null,
        Config.EmbLayerNormBefore ? "embedding LayerNorm" : null,
        Config.TieWordEmbeddings ? "LM head tied to the embeddings" : "untied LM head",
    }.OfType<string>());

    /// <summary>The largest input in tokens, <c>&lt;cls&gt;</c> included (AgroNT: 1024).</summary>
    public int WindowTokens => Config.MaxTokens;

    /// <summary>Bases one window covers: (<see cref="WindowTokens"/> - 1) k-mers of <see cref="K"/> bases (AgroNT: 6,138).</summary>
    public long? WindowBases => K is { } k ? (long)(WindowTokens - 1) * k : null;

    /// <summary>Residues one window of a protein model covers: <see cref="WindowTokens"/> minus <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> (ESM-2: 1,022).</summary>
    public int? WindowResidues => IsProtein ? WindowTokens - 2 : null;

    /// <summary>
    /// Parameters of the contact-prediction head (layers x heads + 1), which Hugging Face checkpoints carry but masked-LM
    /// use never touches; checkpoints this library saves leave it out.
    /// </summary>
    public long ContactHeadParameters => ContactHeadParametersOf(Config);

    /// <summary>Memory for the weights in fp32: <see cref="ParameterEstimate"/> x 4 bytes.</summary>
    public double Float32Bytes => ParameterEstimate * 4;

    /// <summary>Memory for the weights in bf16: <see cref="ParameterEstimate"/> x 2 bytes.</summary>
    public double BFloat16Bytes => ParameterEstimate * 2;

    /// <summary>The folder's files, by name.</summary>
    public IReadOnlyList<ModelFile> Files { get; init; } = [];

    /// <summary>Problems a load would hit or a user should know about (no weights, a vocabulary that does not fit the config...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Reads the description of a model folder or of a Hub id in the local Hugging Face cache.</summary>
    /// <param name="folderOrHubId">A folder, or <c>ORG/NAME[@revision]</c> already downloaded.</param>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached model (the message gives the download command).</exception>
    /// <exception cref="FileNotFoundException">No <c>config.json</c>.</exception>
    /// <exception cref="FormatException"><c>config.json</c> is malformed.</exception>
    /// <exception cref="CheckpointFormatException">The weights are damaged.</exception>
    public static AgroNTModelInfo Read(string folderOrHubId)
    {
        string folder = HuggingFaceModelLocator.Resolve(folderOrHubId);
        EsmConfig config = EsmConfig.FromFile(folder);
        var warnings = new List<string>();

        int? vocabularySize = null, k = null;
        bool protein = false;
        try
        {
            TokenVocabulary vocabulary = TokenVocabulary.ReadModelFolder(folder);
            vocabularySize = vocabulary.Count;
            k = (vocabulary as KmerVocabulary)?.K;
            protein = vocabulary is ProteinVocabulary;
            if (vocabulary.Count != config.VocabSize)
            {
                warnings.Add($"vocab.txt has {vocabulary.Count} tokens but config.json says vocab_size {config.VocabSize}; the model will not load.");
            }
        }
        catch (Exception e) when (e is FileNotFoundException or FormatException or InvalidDataException or ArgumentException)
        {
            warnings.Add($"No usable vocab.txt: {e.Message}");
        }

        string? weightsFile = null;
        CheckpointFormat? format = null;
        long? stored = null;
        int tensorCount = 0;
        IReadOnlyList<string> dtypes = [];
        try
        {
            weightsFile = CheckpointReader.FindWeightsFile(folder);
            using CheckpointReader reader = CheckpointReader.Open(weightsFile);
            format = reader.Format;
            tensorCount = reader.Tensors.Count;
            // Parameters only: rotary inv_freq buffers are stored too, and a tied pytorch_model.bin repeats the embeddings as the decoder.
            var floating = reader.Tensors.Where(t => t.DType is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64)
                .Where(t => !t.Name.EndsWith(".rotary_embeddings." + EsmRotaryEmbedding.BufferName, StringComparison.Ordinal))
                .Where(t => !(config.TieWordEmbeddings && t.Name == EsmForMaskedLM.TiedDecoderKey))
                .ToList();
            stored = floating.Sum(t => t.ElementCount);
            dtypes = [.. floating.Select(t => DTypeName(t.DType)).Distinct().Order(StringComparer.Ordinal)];
        }
        catch (FileNotFoundException)
        {
            warnings.Add("No weights (model.safetensors, pytorch_model.bin or a sharded index): the model cannot be loaded from this folder.");
        }

        double estimate = EstimateParameters(config);
        long parameters = estimate < LongLimit ? (long)estimate : long.MaxValue;
        if (stored is { } count && !MatchesConfig(count, config))
        {
            warnings.Add($"The weights hold {count:N0} parameters, config.json implies {parameters:N0}.");
        }

        return new AgroNTModelInfo
        {
            Folder = folder,
            Config = config,
            Architectures = config.Extra.TryGetValue("architectures", out var architectures) && architectures is System.Text.Json.Nodes.JsonArray list
                ? [.. list.Select(n => n?.ToString() ?? "").Where(n => n.Length > 0)]
                : [],
            ModelType = config.Extra.TryGetValue("model_type", out var modelType) ? modelType?.ToString() : null,
            ParameterCount = parameters,
            StoredParameterCount = stored,
            StoredDTypes = dtypes,
            WeightsFile = weightsFile,
            WeightsFormat = format,
            TensorCount = tensorCount,
            VocabularySize = vocabularySize,
            K = k,
            IsProtein = protein,
            Files = ListFiles(folder),
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The parameters of Hugging Face's <c>EsmForMaskedLM</c>: embeddings (a rotary model keeps its unused position
    /// table), the layers, the final LayerNorm, the contact head and the LM head (AgroNT-1B: 991,261,206).
    /// </summary>
    /// <exception cref="OverflowException">The config's sizes imply more parameters than a <see langword="long"/> holds
    /// (<see cref="EstimateParameters"/> still gives the figure).</exception>
    public static long CountParameters(EsmConfig config)
    {
        double estimate = EstimateParameters(config);
        return estimate < LongLimit
            ? (long)estimate
            : throw new OverflowException($"The architecture implies {estimate:E3} parameters, more than a long holds; EstimateParameters gives the figure.");
    }

    /// <summary>
    /// <see cref="CountParameters"/> in <see langword="double"/> arithmetic: exact up to 2^53 (about 9e15 parameters, far
    /// beyond any real model), and for an absurd config a huge positive number rather than a wrapped-around negative one.
    /// </summary>
    public static double EstimateParameters(EsmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double h = config.HiddenSize, v = config.VocabSize, ffn = config.IntermediateSize, layers = config.NumHiddenLayers;
        double layerNorm = 2 * h;
        double embeddings = (v * h) + (config.MaxPositionEmbeddings * h) + (config.EmbLayerNormBefore ? layerNorm : 0);
        double attention = (4 * ((h * h) + h)) + layerNorm;
        double feedForward = (h * ffn) + ffn + (ffn * h) + h + layerNorm;
        double encoder = (layers * (attention + feedForward)) + layerNorm;
        double contactHead = ((double)config.NumHiddenLayers * config.NumAttentionHeads) + 1;
        double lmHead = (h * h) + h + layerNorm + (config.TieWordEmbeddings ? 0 : v * h) + v;
        return embeddings + encoder + contactHead + lmHead;
    }

    /// <summary>
    /// Refuses, before anything is allocated, an architecture whose weights alone need more memory than this process
    /// can have (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the machine's memory or the container's limit). A
    /// typo such as a hidden size of 1e9 then fails with the figures instead of the allocator failing or the
    /// system killing the process. GPU (and <c>meta</c>) devices are not checked.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="dtype">The weights' type (float32 when null).</param>
    /// <param name="device">Where the weights go (the CPU when null).</param>
    /// <exception cref="InsufficientMemoryException">The weights do not fit.</exception>
    public static void EnsureWeightsFit(EsmConfig config, ScalarType? dtype, Device? device)
    {
        if (device is not null && device.type != DeviceType.CPU)
        {
            return;
        }
        ScalarType type = dtype ?? ScalarType.Float32;
        double bytes = EstimateParameters(config) * (type is ScalarType.BFloat16 or ScalarType.Float16 ? 2 : type == ScalarType.Float64 ? 8 : 4);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
        {
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            string figures = string.Create(invariant,
                $"has {EstimateParameters(config):N0} parameters: {bytes / 1e9:N1} GB of {DTypeName(type)} weights, more than the {available / 1e9:N1} GB of memory this process can use.");
            throw new InsufficientMemoryException(
                $"The architecture (hidden_size {config.HiddenSize}, num_hidden_layers {config.NumHiddenLayers}, intermediate_size " +
                $"{config.IntermediateSize}, vocab_size {config.VocabSize}) {figures} Check the sizes in config.json (--hidden, " +
                "--layers, --heads, --intermediate on the command line); 'agront info' shows a folder's figures.");
        }
    }

    /// <summary>
    /// Whether a checkpoint's stored parameter count fits the config: equal to <see cref="CountParameters"/>, or short
    /// of exactly the contact head (which the MLM task does not use; this library's saves leave it out).
    /// </summary>
    internal static bool MatchesConfig(long stored, EsmConfig config) =>
        stored == EstimateParameters(config) || stored == EstimateParameters(config) - ContactHeadParametersOf(config);

    /// <summary>2^63: the first double above every long.</summary>
    private const double LongLimit = 9_223_372_036_854_775_808d;

    private static long ContactHeadParametersOf(EsmConfig config) => ((long)config.NumHiddenLayers * config.NumAttentionHeads) + 1;

    /// <summary>The torch name of an element type (<c>float32</c>, <c>bfloat16</c>).</summary>
    internal static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    private static List<ModelFile> ListFiles(string folder)
    {
        var files = new List<ModelFile>();
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            long bytes = info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target
                ? target.Length
                : info.Length;
            files.Add(new ModelFile(info.Name, bytes, Classify(info.Name)));
        }
        return files;
    }

    private static ModelFileKind Classify(string name) => name switch
    {
        "config.json" => ModelFileKind.Config,
        KmerVocabulary.VocabFileName => ModelFileKind.Vocabulary,
        KmerVocabulary.TokenizerConfigFileName or KmerVocabulary.SpecialTokensMapFileName => ModelFileKind.TokenizerSettings,
        _ when name.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) => ModelFileKind.WeightsIndex,
        _ when name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) => ModelFileKind.Weights,
        _ => ModelFileKind.Other,
    };
}
