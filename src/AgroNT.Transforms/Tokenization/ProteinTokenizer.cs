using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// ESM-2's protein tokenizer (one token per amino acid), as a <see cref="Tokenizer"/> of Microsoft.ML.Tokenizers.
/// A model input is <c>&lt;cls&gt;</c>, the residues, <c>&lt;eos&gt;</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Two modes (<see cref="KmerTokenizerOptions.Mode"/>):</para>
/// <list type="bullet">
/// <item><description><see cref="TokenizerMode.Hf"/> reproduces Hugging Face's <c>EsmTokenizer</c> id for id: every
/// vocabulary entry is an unsplittable token matched leftmost-longest, so literal <c>&lt;mask&gt;</c>,
/// <c>&lt;cls&gt;</c>... in the text become those tokens; whitespace is dropped and separates; each whitespace-free run
/// of characters that match nothing (lowercase letters above all: <c>"mktayiakqr"</c> is one <c>&lt;unk&gt;</c>)
/// becomes one <c>&lt;unk&gt;</c>.</description></item>
/// <item><description><see cref="TokenizerMode.Normalize"/> (the default) upper-cases letters, drops whitespace (or
/// refuses it, <see cref="KmerTokenizerOptions.Whitespace"/>) and digits only when
/// <see cref="KmerTokenizerOptions.Digits"/> says so, and refuses every other character that is not a sequence token
/// of the vocabulary (<c>*</c>, <c>&lt;</c>, punctuation) with a <see cref="DnaTokenizationException"/> naming the
/// record, position and character. Why it is the default: a lowercase protein would otherwise silently become one
/// <c>&lt;unk&gt;</c>.</description></item>
/// </list>
/// <para><see cref="KmerTokenizerOptions.AddClsToken"/> switches both special tokens (<c>&lt;cls&gt;</c> and
/// <c>&lt;eos&gt;</c>), as <c>add_special_tokens</c> does in Hugging Face. The length policy keeps both special tokens:
/// a truncated input is <c>&lt;cls&gt;</c>, the first residues, <c>&lt;eos&gt;</c>, as Hugging Face truncates.</para>
/// </remarks>
public sealed class ProteinTokenizer : SequenceTokenizer
{
    private readonly bool _specials;
    private readonly bool _hf;
    private readonly bool _cleanUpChangesText;

    private ProteinTokenizer(ProteinVocabulary vocabulary, KmerTokenizerOptions options)
    {
        if (!Enum.IsDefined(options.Mode) || !Enum.IsDefined(options.Whitespace) || !Enum.IsDefined(options.Digits) || !Enum.IsDefined(options.LengthPolicy))
        {
            throw new ArgumentException($"KmerTokenizerOptions has an undefined enum value: {options}.", nameof(options));
        }
        Vocabulary = vocabulary;
        Options = options;
        _specials = options.AddClsToken;
        _hf = options.Mode == TokenizerMode.Hf;
        MaxTokens = options.MaxTokens ?? vocabulary.MaxTokens;
        if (MaxTokens <= SpecialTokenCount || MaxTokens > vocabulary.MaxTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTokens,
                $"KmerTokenizerOptions.MaxTokens must leave room for a residue besides <cls> and <eos> and may not exceed the model's window of {vocabulary.MaxTokens} tokens.");
        }
        int capacity = MaxTokens - SpecialTokenCount;
        WindowStride = options.WindowStride ?? capacity;
        if (WindowStride < 1 || WindowStride > capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.WindowStride,
                $"KmerTokenizerOptions.WindowStride must be between 1 and {capacity} tokens (a window's residues), or null for non-overlapping windows.");
        }
        _cleanUpChangesText = vocabulary.CleanUpTokenizationSpaces && vocabulary.Tokens.Any(t => t.AsSpan().IndexOfAny(".?!,'") >= 0);
    }

    /// <inheritdoc/>
    public override ProteinVocabulary Vocabulary { get; }

    /// <inheritdoc/>
    public override KmerTokenizerOptions Options { get; }

    /// <inheritdoc/>
    public override int MaxTokens { get; }

    /// <inheritdoc/>
    public override int WindowStride { get; }

    /// <inheritdoc/>
    public override bool AppendsEos => Options.AddClsToken;

    /// <summary>Creates a tokenizer from a Hugging Face ESM-2 model folder.</summary>
    /// <param name="modelFolder">The folder holding <c>vocab.txt</c>.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    public static ProteinTokenizer Create(string modelFolder, KmerTokenizerOptions? options = null) =>
        Create(ProteinVocabulary.FromModelFolder(modelFolder), options);

    /// <summary>Creates a tokenizer over a vocabulary already loaded.</summary>
    /// <param name="vocabulary">The vocabulary.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">MaxTokens or WindowStride out of range.</exception>
    public static ProteinTokenizer Create(ProteinVocabulary vocabulary, KmerTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new ProteinTokenizer(vocabulary, options ?? KmerTokenizerOptions.Default);
    }

    /// <inheritdoc/>
    public override int CountTokens(ReadOnlySpan<char> sequence, string? sequenceName) => SpecialTokenCount + CountSequenceTokens(sequence, sequenceName);

    /// <inheritdoc/>
    public override int CountSequenceTokens(ReadOnlySpan<char> sequence, string? sequenceName = null) => Scan(sequence, sequenceName).Count;

    /// <inheritdoc/>
    public override int TokenizeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null)
    {
        var tokens = Scan(sequence, sequenceName);
        if (tokens.Count > destination.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} ids but the sequence needs {tokens.Count}."), nameof(destination));
        }
        for (int i = 0; i < tokens.Count; i++)
        {
            destination[i] = tokens[i].Id;
        }
        return tokens.Count;
    }

    /// <inheritdoc/>
    public override int EncodeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null)
    {
        int[] ids = EncodeToIds(sequence, sequenceName);
        if (ids.Length > destination.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} ids but the encoding needs {ids.Length}; MaxTokens ({MaxTokens}) always suffices."), nameof(destination));
        }
        ids.CopyTo(destination);
        return ids.Length;
    }

    /// <inheritdoc/>
    public override int[] EncodeToIds(ReadOnlySpan<char> sequence, string? sequenceName) =>
        [.. ModelInput(sequence, MaxTokens, callerCapped: false, sequenceName, out _).Select(t => t.Id)];

    /// <inheritdoc/>
    public override IReadOnlyList<EncodedToken> EncodeToTokens(ReadOnlySpan<char> sequence, string? sequenceName) =>
        ToEncoded(ModelInput(sequence, MaxTokens, callerCapped: false, sequenceName, out _));

    /// <inheritdoc/>
    public override IReadOnlyList<TokenWindow> EncodeWindows(ReadOnlySpan<char> sequence, string? sequenceName = null)
    {
        var tokens = Scan(sequence, sequenceName);
        int capacity = MaxTokens - SpecialTokenCount;
        var windows = new List<TokenWindow>();
        for (int start = 0; ; start += WindowStride)
        {
            int end = Math.Min(start + capacity, tokens.Count);
            var ids = new List<int>(end - start + 2);
            if (_specials)
            {
                ids.Add(Vocabulary.ClsId);
            }
            for (int i = start; i < end; i++)
            {
                ids.Add(tokens[i].Id);
            }
            if (_specials)
            {
                ids.Add(Vocabulary.EosId!.Value);
            }
            windows.Add(new TokenWindow(windows.Count, [.. ids], start, end, end > start ? tokens[start].Start : 0, end > start ? tokens[end - 1].End : 0));
            if (end == tokens.Count)
            {
                return windows;
            }
        }
    }

    /// <inheritdoc/>
    private protected override int[] EncodeModelInput(string sequence, int limit, string sequenceName) =>
        [.. ModelInput(sequence, limit, callerCapped: false, sequenceName, out _).Select(t => t.Id)];

    /// <inheritdoc/>
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && Vocabulary.IsSpecialId(id))
            {
                continue;
            }
            if (text.Length > 0)
            {
                text.Append(' ');
            }
            text.Append(Vocabulary.TryGetToken(id, out string? token) ? token : Vocabulary.SpecialTokens.Unk);
        }
        return _cleanUpChangesText ? CleanUpTokenizationSpaces(text) : text.ToString();
    }

    /// <inheritdoc/>
    /// <remarks>Special tokens are kept, as in Hugging Face's <c>decode</c>.</remarks>
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <inheritdoc/>
    /// <remarks>All or nothing: the clean-up looks across token boundaries, so only a whole decode is written.</remarks>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        string whole = Decode(ids, skipSpecialTokens: false);
        if (whole.Length > destination.Length)
        {
            idsConsumed = charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        whole.CopyTo(destination);
        idsConsumed = ids.Count();
        charsWritten = whole.Length;
        return OperationStatus.Done;
    }

    /// <inheritdoc/>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        (int limit, bool capped) = Limit(settings);
        var tokens = ModelInput(text is null ? textSpan : text.AsSpan(), limit, capped, null, out int consumed);
        return new EncodeResults<int> { Tokens = [.. tokens.Select(t => t.Id)], NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        (int limit, bool capped) = Limit(settings);
        var tokens = ModelInput(text is null ? textSpan : text.AsSpan(), limit, capped, null, out int consumed);
        return new EncodeResults<EncodedToken> { Tokens = ToEncoded(tokens), NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    /// <remarks>The whole encoding's length, special tokens included, before the length policy.</remarks>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        CountTokens(text is null ? textSpan : text.AsSpan(), sequenceName: null);

    /// <inheritdoc/>
    /// <remarks><c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> count towards <see cref="EncodeSettings.MaxTokenCount"/>.</remarks>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedString, out int tokenCount)
    {
        ReadOnlySpan<char> sequence = text is null ? textSpan : text.AsSpan();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.MaxTokenCount, nameof(settings));
        normalizedString = null;
        var tokens = Scan(sequence, null);
        int room = Math.Max(settings.MaxTokenCount - SpecialTokenCount, 0);
        int kept = Math.Min(room, tokens.Count);
        tokenCount = Math.Min(SpecialTokenCount, settings.MaxTokenCount) + kept;
        if (kept == tokens.Count)
        {
            return fromEnd ? 0 : sequence.Length;
        }
        return fromEnd
            ? (kept == 0 ? sequence.Length : tokens[tokens.Count - kept].Start)
            : (kept == 0 ? 0 : tokens[kept - 1].End);
    }

    private (int Limit, bool Capped) Limit(EncodeSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.MaxTokenCount, nameof(settings));
        return settings.MaxTokenCount <= MaxTokens ? (settings.MaxTokenCount, true) : (MaxTokens, false);
    }

    private EncodedToken[] ToEncoded(List<Token> tokens) =>
        [.. tokens.Select(t => new EncodedToken(t.Id, Vocabulary.Tokens[t.Id], new Range(t.Start, t.End)))];

    /// <summary>The one implementation of "a model input": special tokens, residues, limit and policy.</summary>
    private List<Token> ModelInput(ReadOnlySpan<char> sequence, int limit, bool callerCapped, string? sequenceName, out int charsConsumed)
    {
        var tokens = Scan(sequence, sequenceName);
        int room = Math.Max(limit - SpecialTokenCount, 0);
        charsConsumed = sequence.Length;
        if (tokens.Count > room)
        {
            if (!callerCapped && Options.LengthPolicy != LengthPolicy.Truncate)
            {
                ThrowTooManyTokens(sequenceName, tokens.Count + SpecialTokenCount, limit);
            }
            charsConsumed = room == 0 ? 0 : tokens[room - 1].End;
            tokens.RemoveRange(room, tokens.Count - room);
        }
        if (_specials)
        {
            // Special tokens carry the empty offset 0..0, as in Hugging Face.
            tokens.Insert(0, new Token(Vocabulary.ClsId, 0, 0));
            if (limit > 1)
            {
                tokens.Add(new Token(Vocabulary.EosId!.Value, 0, 0));
            }
        }
        return tokens;
    }

    private void ThrowTooManyTokens(string? sequenceName, int tokenCount, int limit)
    {
        string what = sequenceName is null ? "The sequence" : $"Sequence '{sequenceName}'";
        string fix = Options.LengthPolicy == LengthPolicy.Windows
            ? "LengthPolicy is Windows: call EncodeWindows to get every window (the command line's --length-policy windows), or use Truncate to keep the first residues."
            : $"Set KmerTokenizerOptions.LengthPolicy to Truncate (--length-policy truncate) to keep <cls>, the first {limit - SpecialTokenCount} residues and <eos>, or to Windows to cover the whole sequence.";
        throw new DnaTokenizationException(
            DnaTokenizationError.TooManyTokens,
            string.Create(CultureInfo.InvariantCulture, $"{what} encodes to {tokenCount} tokens (counting <cls> and <eos>), more than the model's window of {limit}. {fix}"),
            sequenceName, position: null, character: null, tokenCount, limit);
    }

    /// <summary>The sequence tokens of <paramref name="text"/>, with their character ranges.</summary>
    private List<Token> Scan(ReadOnlySpan<char> text, string? sequenceName)
    {
        var tokens = new List<Token>(text.Length);
        if (_hf)
        {
            ScanHf(text, tokens);
        }
        else
        {
            ScanNormalized(text, tokens, sequenceName);
        }
        return tokens;
    }

    private void ScanHf(ReadOnlySpan<char> text, List<Token> tokens)
    {
        // EsmTokenizer: every vocabulary entry is a no-split token (leftmost-longest), the text between them is split on
        // whitespace, and each remaining piece that is not a token becomes one <unk>.
        int unknownStart = -1;
        void FlushUnknown(int end)
        {
            if (unknownStart >= 0)
            {
                tokens.Add(new Token(Vocabulary.UnkId, unknownStart, end));
                unknownStart = -1;
            }
        }
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                FlushUnknown(i);
                i++;
                continue;
            }
            if (MatchLiteral(text[i..]) is { } literal)
            {
                FlushUnknown(i);
                tokens.Add(new Token(literal.Id, i, i + literal.Text.Length));
                i += literal.Text.Length;
                continue;
            }
            if (Vocabulary.TryGetLetterId(c, out int id))
            {
                FlushUnknown(i);
                tokens.Add(new Token(id, i, i + 1));
                i++;
                continue;
            }
            if (unknownStart < 0)
            {
                unknownStart = i;
            }
            i++;
        }
        FlushUnknown(text.Length);
    }

    private void ScanNormalized(ReadOnlySpan<char> text, List<Token> tokens, string? sequenceName)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (Options.Whitespace == CharacterHandling.Reject)
                {
                    ThrowHelper.ThrowInvalidDnaCharacter(sequenceName, i, c, "KmerTokenizerOptions.Whitespace is Reject; remove the whitespace or set it to Drop.");
                }
                continue;
            }
            if (char.IsAsciiDigit(c) && Options.Digits == CharacterHandling.Drop)
            {
                continue;
            }
            if (Vocabulary.TryGetLetterId(char.ToUpperInvariant(c), out int id))
            {
                tokens.Add(new Token(id, i, i + 1));
                continue;
            }
            ThrowHelper.ThrowInvalidDnaCharacter(sequenceName, i, c,
                $"A protein model accepts the letters of its vocabulary ({Vocabulary.Letters}) in either case. "
                + (c == '<'
                    ? "Literal special tokens such as <mask> are read in TokenizerMode.Hf (--tokenizer-mode hf)."
                    : "Remove the character, or use TokenizerMode.Hf (--tokenizer-mode hf) to turn it into <unk> as Hugging Face does."));
        }
    }

    private LiteralToken? MatchLiteral(ReadOnlySpan<char> text)
    {
        foreach (LiteralToken literal in Vocabulary.Literals)
        {
            if (text.StartsWith(literal.Text, StringComparison.Ordinal))
            {
                return literal;
            }
        }
        return null;
    }

    private readonly record struct Token(int Id, int Start, int End);
}
