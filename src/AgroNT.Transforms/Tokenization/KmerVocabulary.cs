using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace AgroNT.Transforms.Tokenization;

/// <summary>The strings of the four special tokens a k-mer tokenizer needs, as a Hugging Face folder names them.</summary>
/// <param name="Unk">The unknown token (<c>unk_token</c>), <c>&lt;unk&gt;</c> by default.</param>
/// <param name="Pad">The padding token (<c>pad_token</c>), <c>&lt;pad&gt;</c> by default.</param>
/// <param name="Mask">The mask token (<c>mask_token</c>), <c>&lt;mask&gt;</c> by default.</param>
/// <param name="Cls">The class token prepended to every input (<c>cls_token</c>), <c>&lt;cls&gt;</c> by default.</param>
public sealed record KmerSpecialTokens(string Unk = "<unk>", string Pad = "<pad>", string Mask = "<mask>", string Cls = "<cls>")
{
    /// <summary>EsmTokenizer's defaults, which are also AgroNT's: <c>&lt;unk&gt; &lt;pad&gt; &lt;mask&gt; &lt;cls&gt;</c>.</summary>
    public static KmerSpecialTokens Default { get; } = new();

    /// <summary>Further special tokens (<c>additional_special_tokens</c>); skipped by decoding with special tokens skipped.</summary>
    public IReadOnlyList<string> Additional { get; init; } = [];
}

/// <summary>
/// A k-mer vocabulary read from a Hugging Face model folder: <c>vocab.txt</c> (one token per line, id = line index),
/// with <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> when present. Everything is derived from the
/// file's contents (the k-mer length, the id of every k-mer, the special tokens); nothing about AgroNT's order is assumed.
/// Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Supported vocabularies hold the special tokens, every k-mer over A/C/G/T of one length <see cref="K"/>, the single
/// letters A, C, G, T and N, and optionally further tokens that do not begin with one of those five letters
/// (they are matched literally in <see cref="TokenizerMode.Hf"/>, like Hugging Face's no-split tokens).
/// </remarks>
public sealed class KmerVocabulary : TokenVocabulary
{
    /// <summary>The vocabulary file's name in a Hugging Face model folder.</summary>
    public const string VocabFileName = "vocab.txt";

    /// <summary>The optional tokenizer settings file in a Hugging Face model folder.</summary>
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    /// <summary>The optional special-token names file in a Hugging Face model folder.</summary>
    public const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>AgroNT's window (<c>model_max_length</c>), used when a folder does not say.</summary>
    public const int DefaultMaxTokens = 1024;

    /// <summary>The longest k-mer supported; the dense lookup table has 4^K entries.</summary>
    public const int MaxK = 10;

    private const string ExpectedLayout =
        "Expected a Hugging Face AgroNT model folder holding vocab.txt (one token per line), optionally with tokenizer_config.json "
        + "and special_tokens_map.json: a checkout of InstaDeepAI/agro-nucleotide-transformer-1b, a snapshot folder of the Hugging Face cache "
        + "(models--InstaDeepAI--agro-nucleotide-transformer-1b/snapshots/<revision>/), or that cache entry's models--... folder itself.";

    private readonly string[] _tokens;
    private readonly FrozenDictionary<string, int> _ids;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;
    private readonly int[] _kmerIds;
    private readonly int[] _nucleotideIds;
    private readonly LiteralToken[] _literals;
    private readonly bool[] _isSpecial;

    private KmerVocabulary(IReadOnlyList<string> tokens, KmerSpecialTokens specialTokens, int maxTokens, bool cleanUpTokenizationSpaces, string? sourcePath)
    {
        SourcePath = sourcePath;
        string origin = Origin;
        if (tokens.Count == 0)
        {
            ThrowHelper.ThrowInvalidData($"{origin} holds no tokens. {ExpectedLayout}");
        }

        if (maxTokens < 1)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(maxTokens), maxTokens, "The model's window must hold at least one token.");
        }

        _tokens = [.. tokens];
        var ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int id = 0; id < _tokens.Length; id++)
        {
            string token = _tokens[id];
            if (token.Length == 0)
            {
                ThrowHelper.ThrowInvalidData($"{Where(id)} is empty; every line of a vocabulary must hold one token (a blank line would shift every later id).");
            }

            if (token.AsSpan().ContainsAny(DnaAlphabet.WhitespaceChars))
            {
                ThrowHelper.ThrowInvalidData($"{Where(id)} ('{token}') contains whitespace, which no text can ever match.");
            }

            if (!ids.TryAdd(token, id))
            {
                ThrowHelper.ThrowInvalidData($"{Where(id)} repeats the token '{token}' already at {Where(ids[token], lower: true)}; each token must appear once (ids are line numbers).");
            }
        }

        _ids = ids.ToFrozenDictionary(StringComparer.Ordinal);
        _idsBySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

        SpecialTokens = specialTokens;
        UnkId = RequireSpecial(specialTokens.Unk, "unk_token", origin);
        PadId = RequireSpecial(specialTokens.Pad, "pad_token", origin);
        MaskId = RequireSpecial(specialTokens.Mask, "mask_token", origin);
        ClsId = RequireSpecial(specialTokens.Cls, "cls_token", origin);
        _isSpecial = new bool[_tokens.Length];
        _isSpecial[UnkId] = _isSpecial[PadId] = _isSpecial[MaskId] = _isSpecial[ClsId] = true;
        foreach (string extra in specialTokens.Additional)
        {
            _isSpecial[RequireSpecial(extra, "additional_special_tokens", origin)] = true;
        }

        K = FindK(origin);
        _kmerIds = BuildKmerTable(origin);
        _nucleotideIds = new int[DnaAlphabet.CodeCount];
        foreach (char letter in DnaAlphabet.LettersByCode)
        {
            _nucleotideIds[DnaAlphabet.Code(letter)] = RequireNucleotide(letter, origin);
        }

        NId = RequireNucleotide('N', origin);
        _literals = CollectLiterals(origin);
        MaxTokens = maxTokens;
        CleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
    }

    /// <summary>Number of tokens (AgroNT: 4105). Valid ids are <c>0 .. Count - 1</c>.</summary>
    public override int Count => _tokens.Length;

    /// <summary>The k-mer length, taken from the file (AgroNT: 6).</summary>
    public int K { get; }

    /// <summary>The most tokens one model input may have, counting <c>&lt;cls&gt;</c>: <c>model_max_length</c> from
    /// <c>tokenizer_config.json</c>, else <c>max_position_embeddings - 2</c> from <c>config.json</c> (ESM numbers
    /// positions from <c>pad_token_id + 1</c>), else 1024.</summary>
    public override int MaxTokens { get; }

    /// <summary>The special tokens' strings.</summary>
    public KmerSpecialTokens SpecialTokens { get; }

    /// <summary>Id of the unknown token.</summary>
    public override int UnkId { get; }

    /// <summary>Id of the padding token.</summary>
    public override int PadId { get; }

    /// <summary>Id of the mask token.</summary>
    public override int MaskId { get; }

    /// <summary>Id of the class token that starts every model input.</summary>
    public override int ClsId { get; }

    /// <summary>Id of the single-letter token <c>N</c>.</summary>
    public int NId { get; }

    /// <summary>Whether decoding applies Hugging Face's <c>clean_up_tokenization</c> (<c>clean_up_tokenization_spaces</c>, default true).</summary>
    public override bool CleanUpTokenizationSpaces { get; }

    /// <summary>The file the vocabulary was read from, or <see langword="null"/> when built from a list.</summary>
    public override string? SourcePath { get; }

    /// <summary>The tokens in id order.</summary>
    public override IReadOnlyList<string> Tokens => _tokens;

    /// <summary>
    /// The dense k-mer lookup table: entry <c>code</c> is the id of the k-mer whose 2-bit code is <c>code</c>
    /// (see <see cref="GetKmerCode(ReadOnlySpan{char})"/> for the bit order). Length 4^<see cref="K"/>.
    /// </summary>
    public ReadOnlySpan<int> KmerIdTable => _kmerIds;

    internal int[] KmerIds => _kmerIds;

    /// <summary>Ids of A, C, T, G indexed by their 2-bit code.</summary>
    internal int[] NucleotideIdsByCode => _nucleotideIds;

    /// <summary>Tokens that are neither k-mers nor single nucleotides (the specials, any extras), longest first.</summary>
    internal LiteralToken[] Literals => _literals;

    /// <summary>
    /// Reads <c>vocab.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from a Hugging Face model
    /// folder (any kind: Hugging Face, fine-tuned, ONNX export). The folder may also be a Hugging Face cache entry
    /// (<c>models--org--name</c>), resolved through <c>refs/main</c> or its only snapshot, or a Hub id in the local cache
    /// (<see cref="ModelFolders.ModelFolder.Open(string)"/>).
    /// </summary>
    /// <param name="modelFolder">The folder or Hub id.</param>
    /// <returns>The vocabulary.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.txt</c>.</exception>
    /// <exception cref="InvalidDataException">A file is malformed: duplicate or blank tokens, a special token missing from the vocabulary, k-mers missing.</exception>
    public static KmerVocabulary FromModelFolder(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        string folder;
        try
        {
            folder = ModelFolders.ModelFolder.Open(modelFolder).Path;
        }
        catch (DirectoryNotFoundException e)
        {
            throw new DirectoryNotFoundException($"The model folder '{Path.GetFullPath(modelFolder)}' does not exist. {ExpectedLayout} ({e.Message})", e);
        }
        string vocabPath = Path.Combine(folder, VocabFileName);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"No {VocabFileName} in '{folder}' (looked for '{vocabPath}'). {ExpectedLayout}", vocabPath);
        }

        var settings = new FolderSettings();
        settings.ReadTokenizerConfig(Path.Combine(folder, TokenizerConfigFileName));
        settings.ReadSpecialTokensMap(Path.Combine(folder, SpecialTokensMapFileName));
        settings.ReadModelConfig(Path.Combine(folder, "config.json"));
        return new KmerVocabulary(ReadLines(vocabPath), settings.SpecialTokens, settings.MaxTokens ?? DefaultMaxTokens, settings.CleanUp, vocabPath);
    }

    /// <summary>Reads a <c>vocab.txt</c> file alone (no configuration files are consulted).</summary>
    /// <param name="vocabPath">The file: one token per line, id = line index.</param>
    /// <param name="specialTokens">The special tokens' strings; <see cref="KmerSpecialTokens.Default"/> when <see langword="null"/>.</param>
    /// <param name="maxTokens">The model's window, counting <c>&lt;cls&gt;</c>.</param>
    /// <returns>The vocabulary.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed.</exception>
    public static KmerVocabulary FromFile(string vocabPath, KmerSpecialTokens? specialTokens = null, int maxTokens = DefaultMaxTokens)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabPath);
        string path = Path.GetFullPath(vocabPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The vocabulary file '{path}' does not exist. {ExpectedLayout}", path);
        }

        return new KmerVocabulary(ReadLines(path), specialTokens ?? KmerSpecialTokens.Default, maxTokens, cleanUpTokenizationSpaces: true, path);
    }

    /// <summary>Builds a vocabulary from tokens in id order (for saved transformers and tests).</summary>
    /// <param name="tokens">The tokens; the index is the id.</param>
    /// <param name="specialTokens">The special tokens' strings; <see cref="KmerSpecialTokens.Default"/> when <see langword="null"/>.</param>
    /// <param name="maxTokens">The model's window, counting <c>&lt;cls&gt;</c>.</param>
    /// <param name="cleanUpTokenizationSpaces">Whether decoding applies Hugging Face's space clean-up.</param>
    /// <returns>The vocabulary.</returns>
    /// <exception cref="InvalidDataException">The tokens do not form a supported vocabulary.</exception>
    public static KmerVocabulary FromTokens(IEnumerable<string> tokens, KmerSpecialTokens? specialTokens = null, int maxTokens = DefaultMaxTokens, bool cleanUpTokenizationSpaces = true)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new KmerVocabulary([.. tokens], specialTokens ?? KmerSpecialTokens.Default, maxTokens, cleanUpTokenizationSpaces, sourcePath: null);
    }

    /// <summary>
    /// The 2-bit code of a k-mer: each letter takes two bits, the first letter the most significant, with
    /// A=0, C=1, T=2, G=3 (the letter's ASCII code shifted right once, low two bits).
    /// </summary>
    /// <param name="kmer">Upper-case A/C/G/T letters, at most <see cref="MaxK"/>.</param>
    /// <returns>The code, in <c>[0, 4^length)</c>.</returns>
    /// <exception cref="ArgumentException">A letter is not A, C, G or T, or the k-mer is too long.</exception>
    public static int GetKmerCode(ReadOnlySpan<char> kmer)
    {
        if (kmer.Length > MaxK)
        {
            ThrowHelper.ThrowArgument(nameof(kmer), $"A k-mer has at most {MaxK} letters; got {kmer.Length}.");
        }

        int code = 0;
        foreach (char c in kmer)
        {
            if (!DnaAlphabet.IsStrictKmerLetter(c))
            {
                ThrowHelper.ThrowArgument(nameof(kmer), $"'{kmer}' is not a k-mer: {ThrowHelper.DescribeChar(c)} is not one of A, C, G, T.");
            }

            code = (code << 2) | DnaAlphabet.Code(c);
        }

        return code;
    }

    /// <summary>The id of the single-letter token for <c>A</c>, <c>C</c>, <c>G</c>, <c>T</c> or <c>N</c>.</summary>
    /// <param name="nucleotide">One of those upper-case letters.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">Any other character.</exception>
    public int GetNucleotideId(char nucleotide)
    {
        if (nucleotide == 'N')
        {
            return NId;
        }

        if (!DnaAlphabet.IsStrictKmerLetter(nucleotide))
        {
            ThrowHelper.ThrowArgument(nameof(nucleotide), $"{ThrowHelper.DescribeChar(nucleotide)} is not one of A, C, G, T, N.");
        }

        return _nucleotideIds[DnaAlphabet.Code(nucleotide)];
    }

    /// <summary>The token with an id.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The token string.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside <c>0 .. Count - 1</c>.</exception>
    public override string GetToken(int id)
    {
        if ((uint)id >= (uint)_tokens.Length)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(id), id, $"Token ids run from 0 to {_tokens.Length - 1}.");
        }

        return _tokens[id];
    }

    /// <summary>Looks up the token with an id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="token">The token, when the id is valid.</param>
    /// <returns>Whether the id is valid.</returns>
    public override bool TryGetToken(int id, [NotNullWhen(true)] out string? token)
    {
        token = (uint)id < (uint)_tokens.Length ? _tokens[id] : null;
        return token is not null;
    }

    /// <summary>The id of a token.</summary>
    /// <param name="token">The token string, exactly as in the file.</param>
    /// <returns>The id.</returns>
    /// <exception cref="KeyNotFoundException">The token is not in the vocabulary.</exception>
    public override int GetId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.TryGetValue(token, out int id)
            ? id
            : throw new KeyNotFoundException($"'{token}' is not in the vocabulary{(SourcePath is null ? string.Empty : $" read from '{SourcePath}'")}.");
    }

    /// <summary>Looks up the id of a token.</summary>
    /// <param name="token">The token string.</param>
    /// <param name="id">The id, when found.</param>
    /// <returns>Whether the token is in the vocabulary.</returns>
    public override bool TryGetId(ReadOnlySpan<char> token, out int id) => _idsBySpan.TryGetValue(token, out id);

    /// <inheritdoc/>
    public override int[] LettersPerId() =>
        [.. Tokens.Select((token, id) =>
            id == UnkId ? 1
            : IsSpecialId(id) ? 0
            : token.All(c => c is 'A' or 'C' or 'G' or 'T' or 'N') ? token.Length
            : 0)];

    /// <summary>Whether an id is one of the special tokens (those Hugging Face's <c>skip_special_tokens</c> removes).</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> for the unk, pad, mask, cls and additional special tokens.</returns>
    public override bool IsSpecialId(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    internal static string[] ReadLines(string path)
    {
        // Like Hugging Face's load_vocab_file: one token per line, surrounding whitespace stripped; a final line
        // break does not start another token.
        string text = File.ReadAllText(path);
        string[] lines = text.Split('\n');
        int count = lines.Length > 0 && lines[^1].Trim().Length == 0 && text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        var tokens = new string[count];
        for (int i = 0; i < count; i++)
        {
            tokens[i] = lines[i].Trim();
        }

        return tokens;
    }

    private string Origin => SourcePath is null ? "the token list" : $"'{SourcePath}'";

    private string Where(int id, bool lower = false)
    {
        string where = SourcePath is null
            ? string.Create(CultureInfo.InvariantCulture, $"Token {id}")
            : string.Create(CultureInfo.InvariantCulture, $"Line {id + 1} of '{SourcePath}'");
        return lower ? char.ToLowerInvariant(where[0]) + where[1..] : where;
    }

    private int RequireSpecial(string token, string role, string origin)
    {
        if (!_ids.TryGetValue(token, out int id))
        {
            ThrowHelper.ThrowInvalidData($"The special token '{token}' ({role}) is not in {origin}. Add it to the vocabulary, or name the vocabulary's own token for {role} in special_tokens_map.json.");
        }

        return id;
    }

    private int RequireNucleotide(char letter, string origin)
    {
        if (!_ids.TryGetValue(letter.ToString(), out int id))
        {
            ThrowHelper.ThrowInvalidData($"{origin} has no single-letter token '{letter}'; a k-mer vocabulary needs A, C, G, T and N for the letters that do not fill a k-mer.");
        }

        return id;
    }

    private int FindK(string origin)
    {
        int k = 0;
        for (int id = 0; id < _tokens.Length; id++)
        {
            string token = _tokens[id];
            if (token.Length < 2 || !IsAcgtOnly(token))
            {
                continue;
            }

            if (k == 0)
            {
                k = token.Length;
            }
            else if (token.Length != k)
            {
                ThrowHelper.ThrowInvalidData($"{origin} mixes k-mer lengths: '{token}' ({Where(id, lower: true)}) has {token.Length} letters, earlier k-mers have {k}. Only one k is supported.");
            }
        }

        if (k == 0)
        {
            ThrowHelper.ThrowInvalidData($"{origin} holds no k-mer tokens (tokens of two or more of the letters A, C, G, T). {ExpectedLayout}");
        }

        if (k > MaxK)
        {
            ThrowHelper.ThrowInvalidData($"{origin} holds {k}-mers; at most {MaxK}-mers are supported.");
        }

        return k;
    }

    private int[] BuildKmerTable(string origin)
    {
        var table = new int[1 << (2 * K)];
        table.AsSpan().Fill(-1);
        int found = 0;
        for (int id = 0; id < _tokens.Length; id++)
        {
            string token = _tokens[id];
            if (token.Length == K && IsAcgtOnly(token))
            {
                table[GetKmerCode(token)] = id;
                found++;
            }
        }

        if (found != table.Length)
        {
            int missing = table.AsSpan().IndexOf(-1);
            ThrowHelper.ThrowInvalidData(string.Create(CultureInfo.InvariantCulture,
                $"{origin} holds {found} of the {table.Length} possible {K}-mers (for example '{KmerFromCode(missing, K)}' is missing); every k-mer over A, C, G, T must be present."));
        }

        return table;
    }

    private LiteralToken[] CollectLiterals(string origin)
    {
        var literals = new List<LiteralToken>();
        for (int id = 0; id < _tokens.Length; id++)
        {
            string token = _tokens[id];
            bool isNucleotide = token.Length == 1 && (DnaAlphabet.IsStrictKmerLetter(token[0]) || token[0] == 'N');
            if (isNucleotide || (token.Length == K && IsAcgtOnly(token)))
            {
                continue;
            }

            if (DnaAlphabet.IsStrictKmerLetter(token[0]) || token[0] == 'N')
            {
                // The tokenizer's fast path reads runs of A/C/G/T as k-mers; a longer token starting with a
                // nucleotide would compete with that, and no k-mer model needs one.
                ThrowHelper.ThrowInvalidData($"{Where(id)} ('{token}') starts with a nucleotide but is neither a {K}-mer nor a single letter; such tokens are not supported.");
            }

            literals.Add(new LiteralToken(token, id));
        }

        // Longest first, so the first match at a position is the longest (leftmost-longest, as Hugging Face's trie).
        return [.. literals.OrderByDescending(l => l.Text.Length).ThenBy(l => l.Id)];
    }

    private static bool IsAcgtOnly(string token) => !token.AsSpan().ContainsAnyExcept(DnaAlphabet.StrictKmerLetters);

    private static string KmerFromCode(int code, int k)
    {
        Span<char> letters = stackalloc char[k];
        for (int i = k - 1; i >= 0; i--, code >>= 2)
        {
            letters[i] = DnaAlphabet.LettersByCode[code & 3];
        }

        return letters.ToString();
    }

    /// <summary>Settings gathered from a model folder's JSON files, in Hugging Face's precedence order.</summary>
    private sealed class FolderSettings
    {
        private string _unk = KmerSpecialTokens.Default.Unk;
        private string _pad = KmerSpecialTokens.Default.Pad;
        private string _mask = KmerSpecialTokens.Default.Mask;
        private string _cls = KmerSpecialTokens.Default.Cls;
        private List<string> _additional = [];

        public int? MaxTokens { get; private set; }

        public bool CleanUp { get; private set; } = true;

        public KmerSpecialTokens SpecialTokens => new(_unk, _pad, _mask, _cls) { Additional = _additional };

        public void ReadTokenizerConfig(string path)
        {
            using JsonDocument? document = Open(path);
            if (document is null)
            {
                return;
            }

            JsonElement root = document.RootElement;
            ReadSpecials(root, path);
            if (root.TryGetProperty("model_max_length", out JsonElement max) && max.ValueKind == JsonValueKind.Number
                && max.TryGetInt32(out int maxTokens) && maxTokens is > 0 and <= 1_000_000)
            {
                // Hugging Face writes a huge sentinel (1e30) when a model has no limit; only a real window counts.
                MaxTokens = maxTokens;
            }

            if (root.TryGetProperty("clean_up_tokenization_spaces", out JsonElement cleanUp) && cleanUp.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                CleanUp = cleanUp.GetBoolean();
            }
        }

        public void ReadSpecialTokensMap(string path)
        {
            // Hugging Face applies special_tokens_map.json after tokenizer_config.json, so it wins.
            using JsonDocument? document = Open(path);
            if (document is not null)
            {
                ReadSpecials(document.RootElement, path);
            }
        }

        public void ReadModelConfig(string path)
        {
            using JsonDocument? document = Open(path);
            if (MaxTokens is null && document is not null
                && document.RootElement.TryGetProperty("max_position_embeddings", out JsonElement positions)
                && positions.TryGetInt32(out int count) && count > 2)
            {
                // ESM numbers real tokens from pad_token_id + 1 = 2, so two rows of the table are never used by them.
                MaxTokens = count - 2;
            }
        }

        private static JsonDocument? Open(string path)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            try
            {
                JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    document.Dispose();
                    ThrowHelper.ThrowInvalidData($"'{path}' must hold a JSON object.");
                }

                return document;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
            }
        }

        private void ReadSpecials(JsonElement root, string path)
        {
            _unk = ReadToken(root, "unk_token", path) ?? _unk;
            _pad = ReadToken(root, "pad_token", path) ?? _pad;
            _mask = ReadToken(root, "mask_token", path) ?? _mask;
            _cls = ReadToken(root, "cls_token", path) ?? _cls;
            if (root.TryGetProperty("eos_token", out JsonElement eos) && eos.ValueKind != JsonValueKind.Null)
            {
                // EsmTokenizer appends eos_token to every input when one is set; AgroNT has none (eos_token null),
                // and a tokenizer that silently left it out would feed the model something it never saw.
                ThrowHelper.ThrowInvalidData($"'{path}' sets eos_token to {eos.GetRawText()}, but AgroNT-style tokenizers append no end token (AgroNT's tokenizer_config.json has \"eos_token\": null). Set it to null or remove it.");
            }

            if (root.TryGetProperty("additional_special_tokens", out JsonElement extra) && extra.ValueKind == JsonValueKind.Array)
            {
                _additional = [.. extra.EnumerateArray().Select(e => TokenText(e, "additional_special_tokens", path)).OfType<string>()];
            }
        }

        private static string? ReadToken(JsonElement root, string key, string path) =>
            root.TryGetProperty(key, out JsonElement value) ? TokenText(value, key, path) : null;

        private static string? TokenText(JsonElement value, string key, string path) => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,

            // An AddedToken serialised as {"content": "<unk>", "lstrip": false, ...}.
            JsonValueKind.Object when value.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => throw new InvalidDataException($"'{path}': {key} must be a string or an object with \"content\"; got {value.GetRawText()}."),
        };
    }
}

/// <summary>A vocabulary token matched character for character (special tokens and other non-k-mer entries).</summary>
/// <param name="Text">The token string.</param>
/// <param name="Id">Its id.</param>
internal readonly record struct LiteralToken(string Text, int Id);
