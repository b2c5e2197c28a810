using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgroNT.Transforms.ModelFolders;

/// <summary>
/// The architecture of an ESM-style masked language model, read from a Hugging Face <c>config.json</c>
/// (AgroNT: <c>InstaDeepAI/agro-nucleotide-transformer-1b</c>; ESM-2: <c>facebook/esm2_*</c>). Unknown keys are kept in
/// <see cref="Extra"/> and written back on save, so a round trip loses nothing.
/// </summary>
/// <remarks>
/// <para>Implemented variants of Hugging Face's <c>EsmForMaskedLM</c>: <c>position_embedding_type</c> <c>absolute</c>
/// (AgroNT, ESM-1b) or <c>rotary</c> (ESM-2); <c>token_dropout</c> (ESM-1b/ESM-2 embedding rescaling, applied at
/// inference too, as Hugging Face does); <c>emb_layer_norm_before</c>; <c>tie_word_embeddings</c> (the LM decoder is
/// the word-embedding matrix; Hugging Face's default when the key is absent).</para>
/// <para><see cref="Validate"/> refuses every key that would change the computation in a way this library does not
/// implement, naming the key and its value, rather than loading a model that computes different numbers:</para>
/// <list type="bullet">
/// <item><description><c>position_embedding_type</c> other than <c>absolute</c> and <c>rotary</c>
/// (<c>relative_key</c>, <c>relative_key_query</c>);</description></item>
/// <item><description><c>add_bias_fnn</c> false: Nucleotide Transformer v2's gated feed-forward block without biases,
/// which lives in InstaDeep's own modeling code, not in transformers' ESM;</description></item>
/// <item><description><c>is_decoder</c> true (causal attention mask) and <c>add_cross_attention</c> true;</description></item>
/// <item><description><c>is_folding_model</c> true (ESMFold);</description></item>
/// <item><description><c>hidden_act</c> other than <c>gelu</c>: transformers' ESM always applies the exact erf GELU,
/// so another value means the checkpoint was made for other code;</description></item>
/// <item><description><c>model_type</c> other than <c>esm</c>;</description></item>
/// <item><description>a non-empty <c>pruned_heads</c>;</description></item>
/// <item><description><c>rotary</c> with an odd head size (the rotation pairs the two halves of each head).</description></item>
/// </list>
/// <para>Keys that only matter for training or for other heads (dropouts, <c>classifier_dropout</c>, <c>use_cache</c>,
/// <c>chunk_size_feed_forward</c>, <c>vocab_list</c>, <c>esmfold_config</c> of a non-folding model) are kept and ignored.</para>
/// </remarks>
public sealed record EsmConfig
{
    /// <summary>Width of every hidden state (AgroNT-1B: 1500).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of transformer layers (AgroNT-1B: 40).</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Number of attention heads; must divide <see cref="HiddenSize"/> (AgroNT-1B: 20).</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Width of the feed-forward layer (AgroNT-1B: 5120).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Vocabulary size (AgroNT-1B: 4105).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Rows of the absolute position table (AgroNT-1B: 1026, so at most 1024 tokens, since ids start at pad + 1).</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>Id of <c>&lt;pad&gt;</c>; position ids are counted from it.</summary>
    public required int PadTokenId { get; init; }

    /// <summary>Id of <c>&lt;mask&gt;</c>.</summary>
    public int MaskTokenId { get; init; } = 2;

    /// <summary>LayerNorm epsilon (AgroNT: 1e-12).</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Position embedding kind: <c>absolute</c> (AgroNT's learned table) or <c>rotary</c> (ESM-2's rotary
    /// embeddings on query and key, with no position table in the sum).</summary>
    public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>Whether a LayerNorm is applied to the embeddings before the encoder (AgroNT: false).</summary>
    public bool EmbLayerNormBefore { get; init; }

    /// <summary>ESM-1b/ESM-2 token dropout (AgroNT: false; ESM-2: true): <c>&lt;mask&gt;</c> embeddings are zeroed and
    /// the rest scaled by <c>0.88 / (1 - masked fraction of the row)</c>, at inference too, as Hugging Face does.</summary>
    public bool TokenDropout { get; init; }

    /// <summary>Whether the LM decoder is the word embedding matrix (AgroNT: false; ESM-2: true). In <c>config.json</c>
    /// an absent key means true, Hugging Face's default.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Standard deviation of the normal initialisation used when training from scratch.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Dropout on hidden states during training (AgroNT: 0).</summary>
    public double HiddenDropoutProb { get; init; }

    /// <summary>Dropout on attention probabilities during training (AgroNT: 0).</summary>
    public double AttentionProbsDropoutProb { get; init; }

    /// <summary>The <c>torch_dtype</c> the checkpoint was saved in, when stated.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Every key of the source JSON that this record does not model, kept for saving.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Extra { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Size of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>Largest number of tokens (including <c>&lt;cls&gt;</c>) the position table can take.</summary>
    public int MaxTokens => MaxPositionEmbeddings - PadTokenId - 1;

    /// <summary>AgroNT-1B's published architecture (InstaDeepAI/agro-nucleotide-transformer-1b config.json).</summary>
    public static EsmConfig AgroNT1B { get; } = new()
    {
        HiddenSize = 1500,
        NumHiddenLayers = 40,
        NumAttentionHeads = 20,
        IntermediateSize = 5120,
        VocabSize = 4105,
        MaxPositionEmbeddings = 1026,
        PadTokenId = 1,
        MaskTokenId = 2,
        TorchDtype = "float32",
    };

    private static readonly string[] s_requiredKeys =
    [
        "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size",
        "max_position_embeddings", "pad_token_id",
    ];

    private static readonly HashSet<string> s_modelledKeys =
    [
        .. s_requiredKeys, "mask_token_id", "layer_norm_eps", "position_embedding_type", "emb_layer_norm_before",
        "token_dropout", "tie_word_embeddings", "initializer_range", "hidden_dropout_prob",
        "attention_probs_dropout_prob", "torch_dtype",
    ];

    /// <summary>Reads <c>config.json</c> from a file, or from a model folder containing one.</summary>
    /// <exception cref="FileNotFoundException">No config.json at that place.</exception>
    /// <exception cref="FormatException">The JSON is malformed, a required key is missing, or a value is invalid.</exception>
    public static EsmConfig FromFile(string pathOrFolder)
    {
        string path = Directory.Exists(pathOrFolder) ? Path.Combine(pathOrFolder, "config.json") : pathOrFolder;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"No config.json at {Path.GetFullPath(path)}: a Hugging Face model folder holds config.json, vocab.txt and the weights.", path);
        }
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a Hugging Face ESM <c>config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">Named in error messages.</param>
    public static EsmConfig FromJson(string json, string sourceName = "config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException($"{sourceName}: the top level is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{sourceName}: not valid JSON ({e.Message}).", e);
        }

        string[] missing = s_requiredKeys.Where(k => root[k] is null).ToArray();
        if (missing.Length > 0)
        {
            throw new FormatException($"{sourceName}: missing required key(s) {string.Join(", ", missing)}; an ESM config.json from Hugging Face has them all.");
        }

        int Int(string key) => Get(root, key, n => n.GetValue<int>(), sourceName);
        var config = new EsmConfig
        {
            HiddenSize = Int("hidden_size"),
            NumHiddenLayers = Int("num_hidden_layers"),
            NumAttentionHeads = Int("num_attention_heads"),
            IntermediateSize = Int("intermediate_size"),
            VocabSize = Int("vocab_size"),
            MaxPositionEmbeddings = Int("max_position_embeddings"),
            PadTokenId = Int("pad_token_id"),
            MaskTokenId = root["mask_token_id"] is null ? 2 : Int("mask_token_id"),
            LayerNormEps = root["layer_norm_eps"] is null ? 1e-12 : Get(root, "layer_norm_eps", n => n.GetValue<double>(), sourceName),
            PositionEmbeddingType = root["position_embedding_type"]?.GetValue<string>() ?? "absolute",
            EmbLayerNormBefore = Bool(root, "emb_layer_norm_before", sourceName),
            TokenDropout = Bool(root, "token_dropout", sourceName),
            // PretrainedConfig's default: a config.json without the key (ESM-2's) ties the decoder to the embeddings.
            TieWordEmbeddings = root["tie_word_embeddings"] is null || Bool(root, "tie_word_embeddings", sourceName),
            InitializerRange = root["initializer_range"] is null ? 0.02 : Get(root, "initializer_range", n => n.GetValue<double>(), sourceName),
            HiddenDropoutProb = root["hidden_dropout_prob"] is null ? 0 : Get(root, "hidden_dropout_prob", n => n.GetValue<double>(), sourceName),
            AttentionProbsDropoutProb = root["attention_probs_dropout_prob"] is null ? 0 : Get(root, "attention_probs_dropout_prob", n => n.GetValue<double>(), sourceName),
            TorchDtype = root["torch_dtype"]?.GetValue<string>(),
            Extra = root.Where(p => !s_modelledKeys.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value?.DeepClone()),
        };
        config.Validate(sourceName);
        return config;
    }

    /// <summary>Checks that the values describe a model this library can build.</summary>
    /// <exception cref="FormatException">A value is out of range or an unsupported variant is requested.</exception>
    public void Validate(string sourceName = "config")
    {
        void Positive(int value, string key)
        {
            if (value <= 0)
            {
                throw new FormatException($"{sourceName}: {key} must be positive, got {value}.");
            }
        }
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(VocabSize, "vocab_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new FormatException($"{sourceName}: hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        }
        if (PadTokenId < 0 || PadTokenId >= VocabSize || PadTokenId + 1 >= MaxPositionEmbeddings)
        {
            throw new FormatException($"{sourceName}: pad_token_id {PadTokenId} does not fit vocab_size {VocabSize} and max_position_embeddings {MaxPositionEmbeddings}.");
        }
        if (PositionEmbeddingType is not (AbsolutePositions or RotaryPositions))
        {
            throw Unsupported(sourceName, "position_embedding_type", $"\"{PositionEmbeddingType}\"",
                "only \"absolute\" (AgroNT, ESM-1b) and \"rotary\" (ESM-2) are implemented");
        }
        if (IsRotary && HeadSize % 2 != 0)
        {
            throw new FormatException($"{sourceName}: rotary position embeddings need an even head size; hidden_size {HiddenSize} / num_attention_heads {NumAttentionHeads} = {HeadSize}.");
        }
        CheckExtra(sourceName);
    }

    /// <summary>Whether attention uses rotary position embeddings (<c>position_embedding_type</c> <c>rotary</c>).</summary>
    public bool IsRotary => PositionEmbeddingType == RotaryPositions;

    /// <summary>The <c>position_embedding_type</c> of a learned position table added to the word embeddings.</summary>
    public const string AbsolutePositions = "absolute";

    /// <summary>The <c>position_embedding_type</c> of rotary embeddings applied to query and key.</summary>
    public const string RotaryPositions = "rotary";

    /// <summary>Refuses keys kept in <see cref="Extra"/> whose values change the computation in a way not implemented here.</summary>
    private void CheckExtra(string sourceName)
    {
        if (Flag("add_bias_fnn") == false)
        {
            throw Unsupported(sourceName, "add_bias_fnn", "false",
                "this is a Nucleotide Transformer v2 checkpoint, whose gated feed-forward block without biases is InstaDeep's own modeling code, not transformers' ESM; loading it here would compute different embeddings");
        }
        if (Flag("is_decoder") == true)
        {
            throw Unsupported(sourceName, "is_decoder", "true", "a decoder uses a causal attention mask; ESM encoders attend both ways");
        }
        if (Flag("add_cross_attention") == true)
        {
            throw Unsupported(sourceName, "add_cross_attention", "true", "cross-attention layers are not implemented");
        }
        if (Flag("is_folding_model") == true)
        {
            throw Unsupported(sourceName, "is_folding_model", "true", "ESMFold's folding trunk is not implemented; use the ESM-2 language model it is built on");
        }
        if (Extra.TryGetValue("hidden_act", out JsonNode? act) && act is not null
            && !(act.GetValueKind() == JsonValueKind.String && act.GetValue<string>() == "gelu"))
        {
            throw Unsupported(sourceName, "hidden_act", act.ToJsonString(),
                "transformers' ESM always applies the exact erf GELU (\"gelu\"), so another activation means the checkpoint was made for other modeling code");
        }
        if (Extra.TryGetValue("model_type", out JsonNode? type) && type is not null
            && !(type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "esm"))
        {
            throw Unsupported(sourceName, "model_type", type.ToJsonString(), "only ESM models (\"esm\") are implemented");
        }
        if (Extra.TryGetValue("pruned_heads", out JsonNode? pruned) && pruned is JsonObject { Count: > 0 })
        {
            throw Unsupported(sourceName, "pruned_heads", pruned.ToJsonString(), "pruned attention heads are not implemented");
        }
    }

    private bool? Flag(string key) =>
        Extra.TryGetValue(key, out JsonNode? node) && node is not null && node.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? node.GetValue<bool>()
            : null;

    private static FormatException Unsupported(string sourceName, string key, string value, string why) =>
        new($"{sourceName}: {key} = {value} is not supported: {why}. This library implements Hugging Face's EsmForMaskedLM as AgroNT and ESM-2 use it.");

    /// <summary>Writes this configuration as a Hugging Face <c>config.json</c> that transformers loads as <c>EsmForMaskedLM</c>.</summary>
    public string ToJson()
    {
        var root = new JsonObject();
        foreach (var (key, value) in Extra)
        {
            root[key] = value?.DeepClone();
        }
        root["architectures"] ??= new JsonArray("EsmForMaskedLM");
        root["model_type"] ??= "esm";
        root["hidden_size"] = HiddenSize;
        root["num_hidden_layers"] = NumHiddenLayers;
        root["num_attention_heads"] = NumAttentionHeads;
        root["intermediate_size"] = IntermediateSize;
        root["vocab_size"] = VocabSize;
        root["max_position_embeddings"] = MaxPositionEmbeddings;
        root["pad_token_id"] = PadTokenId;
        root["mask_token_id"] = MaskTokenId;
        root["layer_norm_eps"] = LayerNormEps;
        root["position_embedding_type"] = PositionEmbeddingType;
        root["emb_layer_norm_before"] = EmbLayerNormBefore;
        root["token_dropout"] = TokenDropout;
        root["tie_word_embeddings"] = TieWordEmbeddings;
        root["initializer_range"] = InitializerRange;
        root["hidden_dropout_prob"] = HiddenDropoutProb;
        root["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        if (TorchDtype != null)
        {
            root["torch_dtype"] = TorchDtype;
        }
        var sorted = new JsonObject(root.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static T Get<T>(JsonObject root, string key, Func<JsonNode, T> read, string sourceName)
    {
        try
        {
            return read(root[key]!);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new FormatException($"{sourceName}: key '{key}' has value {root[key]?.ToJsonString()}, which is not a valid {typeof(T).Name}.", e);
        }
    }

    private static bool Bool(JsonObject root, string key, string sourceName) =>
        root[key] is not null && Get(root, key, n => n.GetValue<bool>(), sourceName);
}
