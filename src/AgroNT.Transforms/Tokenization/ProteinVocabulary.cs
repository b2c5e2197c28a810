using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace AgroNT.Transforms.Tokenization;

/// <summary>The strings of the special tokens of an ESM-2-style protein vocabulary, as a Hugging Face folder names them.</summary>
/// <param name="Cls">The class token prepended to every input (<c>cls_token</c>), <c>&lt;cls&gt;</c> by default.</param>
/// <param name="Pad">The padding token (<c>pad_token</c>), <c>&lt;pad&gt;</c> by default.</param>
/// <param name="Eos">The end token appended to every input (<c>eos_token</c>), <c>&lt;eos&gt;</c> by default.</param>
/// <param name="Unk">The unknown token (<c>unk_token</c>), <c>&lt;unk&gt;</c> by default.</param>
/// <param name="Mask">The mask token (<c>mask_token</c>), <c>&lt;mask&gt;</c> by default.</param>
public sealed record ProteinSpecialTokens(string Cls = "<cls>", string Pad = "<pad>", string Eos = "<eos>", string Unk = "<unk>", string Mask = "<mask>")
{
    /// <summary>EsmTokenizer's defaults, which ESM-2 uses.</summary>
    public static ProteinSpecialTokens Default { get; } = new();
}

/// <summary>
/// An ESM-2-style protein vocabulary read from a Hugging Face model folder: <c>vocab.txt</c> (one token per line,
/// id = line index; ESM-2's 33 tokens are <c>&lt;cls&gt; &lt;pad&gt; &lt;eos&gt; &lt;unk&gt;</c>, the amino-acid
/// letters <c>L A G V S E R T I D P K Q N F Y M H W C X B U Z O</c>, <c>.</c>, <c>-</c>, <c>&lt;null_1&gt;</c> and
/// <c>&lt;mask&gt;</c>), with <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> when present.
/// Immutable and thread-safe.
/// </summary>
public sealed class ProteinVocabulary : TokenVocabulary
{
    /// <summary>The twenty standard amino acids; a vocabulary holding each as a single-letter token (and no k-mers) is a protein one.</summary>
    public const string StandardAminoAcids = "ACDEFGHIKLMNPQRSTVWY";

    private readonly string[] _tokens;
    private readonly FrozenDictionary<string, int> _ids;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;
    private readonly bool[] _isSpecial;
    private readonly FrozenDictionary<char, int> _letters;
    private readonly LiteralToken[] _literals;

    private ProteinVocabulary(IReadOnlyList<string> tokens, ProteinSpecialTokens specialTokens, int maxTokens, bool cleanUp, string? sourcePath)
    {
        SourcePath = sourcePath;
        string origin = sourcePath is null ? "the token list" : $"'{sourcePath}'";
        _tokens = [.. tokens];
        var ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < _tokens.Length; id++)
        {
            string token = _tokens[id];
            if (token.Length == 0 || token.Any(char.IsWhiteSpace))
            {
                throw new InvalidDataException($"{origin}: token {id} ('{token}') is empty or holds whitespace; every line of a vocabulary must hold one token.");
            }
            if (!ids.TryAdd(token, id))
            {
                throw new InvalidDataException($"{origin}: token {id} repeats '{token}' (already token {ids[token]}); ids are line numbers, so each token must appear once.");
            }
        }
        if (maxTokens < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "A protein model's window must hold <cls>, one residue and <eos>.");
        }

        _ids = ids.ToFrozenDictionary(StringComparer.Ordinal);
        _idsBySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        SpecialTokens = specialTokens;
        int Require(string token, string role) => _ids.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"The special token '{token}' ({role}) is not in {origin}. Add it to the vocabulary, or name the vocabulary's own token for {role} in special_tokens_map.json.");
        ClsId = Require(specialTokens.Cls, "cls_token");
        PadId = Require(specialTokens.Pad, "pad_token");
        _eosId = Require(specialTokens.Eos, "eos_token");
        UnkId = Require(specialTokens.Unk, "unk_token");
        MaskId = Require(specialTokens.Mask, "mask_token");
        _isSpecial = new bool[_tokens.Length];
        _isSpecial[ClsId] = _isSpecial[PadId] = _isSpecial[_eosId] = _isSpecial[UnkId] = _isSpecial[MaskId] = true;

        var letters = new Dictionary<char, int>();
        var literals = new List<LiteralToken>();
        for (int id = 0; id < _tokens.Length; id++)
        {
            if (_tokens[id].Length == 1 && !_isSpecial[id])
            {
                letters[_tokens[id][0]] = id;
            }
            else
            {
                literals.Add(new LiteralToken(_tokens[id], id));
            }
        }
        _letters = letters.ToFrozenDictionary();
        // Longest first, so the first literal matching at a position is the longest (Hugging Face's trie split).
        _literals = [.. literals.OrderByDescending(l => l.Text.Length).ThenBy(l => l.Id)];
        Letters = string.Concat(_tokens.Where((t, id) => t.Length == 1 && !_isSpecial[id]));
        MaxTokens = maxTokens;
        CleanUpTokenizationSpaces = cleanUp;
    }

    private readonly int _eosId;

    /// <inheritdoc/>
    public override int Count => _tokens.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Tokens => _tokens;

    /// <inheritdoc/>
    /// <remarks><c>model_max_length</c> from <c>tokenizer_config.json</c>, else <c>max_position_embeddings - 2</c>, else 1024.</remarks>
    public override int MaxTokens { get; }

    /// <inheritdoc/>
    public override int UnkId { get; }

    /// <inheritdoc/>
    public override int PadId { get; }

    /// <inheritdoc/>
    public override int MaskId { get; }

    /// <inheritdoc/>
    public override int ClsId { get; }

    /// <inheritdoc/>
    public override int? EosId => _eosId;

    /// <inheritdoc/>
    public override bool CleanUpTokenizationSpaces { get; }

    /// <inheritdoc/>
    public override string? SourcePath { get; }

    /// <summary>The special tokens' strings.</summary>
    public ProteinSpecialTokens SpecialTokens { get; }

    /// <summary>The single-character sequence tokens in id order (ESM-2: <c>LAGVSERTIDPKQNFYMHWCXBUZO.-</c>).</summary>
    public string Letters { get; }

    internal LiteralToken[] Literals => _literals;

    /// <summary>Whether a list of tokens is a protein vocabulary: each standard amino acid is a single-letter token and no
    /// token is a DNA k-mer (two or more of A, C, G, T only).</summary>
    /// <param name="tokens">The lines of <c>vocab.txt</c>.</param>
    /// <returns><see langword="true"/> for ESM-2's vocabulary, <see langword="false"/> for AgroNT's.</returns>
    public static bool IsProteinVocabulary(IReadOnlyCollection<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var set = tokens.ToHashSet(StringComparer.Ordinal);
        return StandardAminoAcids.All(c => set.Contains(c.ToString()))
            && !tokens.Any(t => t.Length >= 2 && t.All(c => c is 'A' or 'C' or 'G' or 'T'));
    }

    /// <summary>Reads <c>vocab.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from a Hugging Face model folder.</summary>
    /// <param name="modelFolder">The folder.</param>
    /// <returns>The vocabulary.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.txt</c>.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or a special token is missing from the vocabulary.</exception>
    public static ProteinVocabulary FromModelFolder(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        string folder = Path.GetFullPath(modelFolder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The model folder '{folder}' does not exist.");
        }
        folder = ModelFolders.HuggingFaceModelLocator.ResolveCacheEntry(folder);
        string vocabPath = Path.Combine(folder, KmerVocabulary.VocabFileName);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"No {KmerVocabulary.VocabFileName} in '{folder}': a Hugging Face ESM-2 folder holds vocab.txt, config.json and the weights.", vocabPath);
        }

        string cls = ProteinSpecialTokens.Default.Cls, pad = ProteinSpecialTokens.Default.Pad, eos = ProteinSpecialTokens.Default.Eos;
        string unk = ProteinSpecialTokens.Default.Unk, mask = ProteinSpecialTokens.Default.Mask;
        int? maxTokens = null;
        bool cleanUp = true;
        // special_tokens_map.json is applied after tokenizer_config.json by Hugging Face, so it wins.
        foreach (string file in new[] { KmerVocabulary.TokenizerConfigFileName, KmerVocabulary.SpecialTokensMapFileName })
        {
            string path = Path.Combine(folder, file);
            if (!File.Exists(path))
            {
                continue;
            }
            using JsonDocument document = Parse(path);
            JsonElement root = document.RootElement;
            cls = Token(root, "cls_token", path) ?? cls;
            pad = Token(root, "pad_token", path) ?? pad;
            unk = Token(root, "unk_token", path) ?? unk;
            mask = Token(root, "mask_token", path) ?? mask;
            if (root.TryGetProperty("eos_token", out JsonElement eosValue))
            {
                eos = Token(root, "eos_token", path)
                    ?? throw new InvalidDataException($"'{path}' sets eos_token to null, but a protein (ESM-2) tokenizer ends every input with <eos>; remove the key or name the end token.");
            }
            if (root.TryGetProperty("model_max_length", out JsonElement max) && max.ValueKind == JsonValueKind.Number
                && max.TryGetInt32(out int value) && value is > 0 and <= 1_000_000)
            {
                maxTokens = value;
            }
            if (root.TryGetProperty("clean_up_tokenization_spaces", out JsonElement clean) && clean.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                cleanUp = clean.GetBoolean();
            }
        }
        string configPath = Path.Combine(folder, "config.json");
        if (maxTokens is null && File.Exists(configPath))
        {
            using JsonDocument config = Parse(configPath);
            if (config.RootElement.TryGetProperty("max_position_embeddings", out JsonElement positions) && positions.TryGetInt32(out int count) && count > 4)
            {
                maxTokens = count - 2;
            }
        }
        return new ProteinVocabulary(KmerVocabulary.ReadLines(vocabPath), new ProteinSpecialTokens(cls, pad, eos, unk, mask), maxTokens ?? KmerVocabulary.DefaultMaxTokens, cleanUp, vocabPath);
    }

    /// <summary>Builds a vocabulary from tokens in id order.</summary>
    /// <param name="tokens">The tokens; the index is the id.</param>
    /// <param name="specialTokens">The special tokens' strings; <see cref="ProteinSpecialTokens.Default"/> when <see langword="null"/>.</param>
    /// <param name="maxTokens">The model's window, special tokens included.</param>
    /// <param name="cleanUpTokenizationSpaces">Whether decoding applies Hugging Face's space clean-up.</param>
    /// <returns>The vocabulary.</returns>
    public static ProteinVocabulary FromTokens(IEnumerable<string> tokens, ProteinSpecialTokens? specialTokens = null, int maxTokens = KmerVocabulary.DefaultMaxTokens, bool cleanUpTokenizationSpaces = true)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new ProteinVocabulary([.. tokens], specialTokens ?? ProteinSpecialTokens.Default, maxTokens, cleanUpTokenizationSpaces, sourcePath: null);
    }

    /// <summary>The id of a single-character sequence token (an amino-acid letter, <c>.</c>, <c>-</c>).</summary>
    /// <param name="letter">The character, exactly (the vocabulary is case-sensitive).</param>
    /// <param name="id">The id, when found.</param>
    /// <returns>Whether the character is a sequence token.</returns>
    public bool TryGetLetterId(char letter, out int id) => _letters.TryGetValue(letter, out id);

    /// <inheritdoc/>
    public override string GetToken(int id)
    {
        if ((uint)id >= (uint)_tokens.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids run from 0 to {_tokens.Length - 1}.");
        }
        return _tokens[id];
    }

    /// <inheritdoc/>
    public override bool TryGetToken(int id, [NotNullWhen(true)] out string? token)
    {
        token = (uint)id < (uint)_tokens.Length ? _tokens[id] : null;
        return token is not null;
    }

    /// <inheritdoc/>
    public override int GetId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.TryGetValue(token, out int id)
            ? id
            : throw new KeyNotFoundException($"'{token}' is not in the vocabulary{(SourcePath is null ? string.Empty : $" read from '{SourcePath}'")}.");
    }

    /// <inheritdoc/>
    public override bool TryGetId(ReadOnlySpan<char> token, out int id) => _idsBySpan.TryGetValue(token, out id);

    /// <inheritdoc/>
    /// <remarks>The five tokens EsmTokenizer names: cls, pad, eos, unk and mask (<c>&lt;null_1&gt;</c> is not special).</remarks>
    public override bool IsSpecialId(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <inheritdoc/>
    public override int[] LettersPerId() =>
        [.. _tokens.Select((token, id) => id == UnkId || (token.Length == 1 && !_isSpecial[id]) ? 1 : 0)];

    private static JsonDocument Parse(string path)
    {
        try
        {
            var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new InvalidDataException($"'{path}' must hold a JSON object.");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    private static string? Token(JsonElement root, string key, string path) =>
        !root.TryGetProperty(key, out JsonElement value) ? null : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Object when value.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{path}': {key} must be a string or an object with \"content\"; got {value.GetRawText()}.")),
        };
}
