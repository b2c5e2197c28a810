using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// AgroNT's 6-mer tokenizer (any k-mer vocabulary in the same layout), as a <see cref="Tokenizer"/> of
/// Microsoft.ML.Tokenizers. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Two modes (<see cref="KmerTokenizerOptions.Mode"/>): <see cref="TokenizerMode.Hf"/> reproduces Hugging Face's
/// <c>EsmTokenizer</c> id for id; <see cref="TokenizerMode.Normalize"/> (the default) first cleans the text as AgroNT's
/// pretraining data was cleaned. Both prepend <c>&lt;cls&gt;</c> and append nothing.</para>
/// <para>Three kinds of API:</para>
/// <list type="bullet">
/// <item><description>Model inputs: the <see cref="Tokenizer"/> overloads (<c>EncodeToIds</c>, <c>EncodeToTokens</c>),
/// <see cref="EncodeToIds(ReadOnlySpan{char}, Span{int}, string?)"/>, <see cref="SequenceTokenizer.EncodeBatch(IReadOnlyList{string}, int?, IReadOnlyList{string}?)"/> and
/// <see cref="EncodeWindows"/>. They never return more than <see cref="MaxTokens"/> ids and apply
/// <see cref="KmerTokenizerOptions.LengthPolicy"/>. A <see cref="EncodeSettings.MaxTokenCount"/> no larger than
/// <see cref="MaxTokens"/> is an explicit request to truncate and is honoured under every policy.</description></item>
/// <item><description>The raw token stream of a sequence of any length (a chromosome):
/// <see cref="TokenizeToIds(ReadOnlySpan{char}, Span{int}, string?)"/> and <see cref="CountSequenceTokens"/>, without
/// <c>&lt;cls&gt;</c> or length limit, allocation-free: the hot path.</description></item>
/// <item><description>Counting: the <see cref="Tokenizer"/> <c>CountTokens</c> overloads and
/// <see cref="CountTokens(ReadOnlySpan{char}, string?)"/> give the length of the whole encoding (with <c>&lt;cls&gt;</c>)
/// before any length policy, so a caller can compare it with <see cref="MaxTokens"/>.</description></item>
/// </list>
/// <para>Offsets in <see cref="EncodedToken.Offset"/> always index the caller's text, in both modes: normalisation
/// folds characters in place and never produces a new string, so <c>normalizedText</c> outputs are always
/// <see langword="null"/>, and the <c>considerPreTokenization</c>/<c>considerNormalization</c> flags have no effect
/// (the mode decides). <c>&lt;cls&gt;</c> has the empty offset <c>0..0</c>, as in Hugging Face.</para>
/// </remarks>
public sealed class KmerTokenizer : SequenceTokenizer
{
    private readonly KmerScanner _scanner;
    private readonly int _clsCount;
    private readonly bool _cleanUpChangesText;

    private KmerTokenizer(KmerVocabulary vocabulary, KmerTokenizerOptions options)
    {
        Vocabulary = vocabulary;
        Options = options;
        _clsCount = options.AddClsToken ? 1 : 0;
        MaxTokens = options.MaxTokens ?? vocabulary.MaxTokens;
        if (MaxTokens <= _clsCount || MaxTokens > vocabulary.MaxTokens)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.MaxTokens,
                $"KmerTokenizerOptions.MaxTokens must leave room for a sequence token after <cls> and may not exceed the model's window of {vocabulary.MaxTokens} tokens.");
        }

        int capacity = MaxTokens - _clsCount;
        WindowStride = options.WindowStride ?? capacity;
        if (WindowStride < 1 || WindowStride > capacity)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.WindowStride,
                $"KmerTokenizerOptions.WindowStride must be between 1 and {capacity} tokens (a window's sequence tokens), or null for non-overlapping windows.");
        }

        if (!Enum.IsDefined(options.Mode) || !Enum.IsDefined(options.Whitespace) || !Enum.IsDefined(options.Digits) || !Enum.IsDefined(options.LengthPolicy))
        {
            ThrowHelper.ThrowArgument(nameof(options), $"KmerTokenizerOptions has an undefined enum value: {options}.");
        }

        _scanner = new KmerScanner(vocabulary, options);

        // Hugging Face's clean-up only rewrites " ." " ?" " !" " ," and " '" sequences; k-mer tokens never contain them.
        _cleanUpChangesText = vocabulary.CleanUpTokenizationSpaces && vocabulary.Tokens.Any(t => t.AsSpan().IndexOfAny(".?!,'") >= 0);
    }

    /// <summary>The vocabulary.</summary>
    public override KmerVocabulary Vocabulary { get; }

    /// <summary>The options the tokenizer was created with.</summary>
    public override KmerTokenizerOptions Options { get; }

    /// <summary>The most ids a model input has, counting <c>&lt;cls&gt;</c> (<see cref="KmerTokenizerOptions.MaxTokens"/>, else the vocabulary's).</summary>
    public override int MaxTokens { get; }

    /// <summary>The effective stride between windows, in sequence tokens.</summary>
    public override int WindowStride { get; }

    /// <summary>Creates a tokenizer from a Hugging Face model folder (see <see cref="KmerVocabulary.FromModelFolder(string)"/>).</summary>
    /// <param name="modelFolder">The folder holding <c>vocab.txt</c>.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    public static KmerTokenizer Create(string modelFolder, KmerTokenizerOptions? options = null) =>
        Create(KmerVocabulary.FromModelFolder(modelFolder), options);

    /// <summary>Creates a tokenizer over a vocabulary already loaded.</summary>
    /// <param name="vocabulary">The vocabulary.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">MaxTokens or WindowStride out of range.</exception>
    public static KmerTokenizer Create(KmerVocabulary vocabulary, KmerTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new KmerTokenizer(vocabulary, options ?? KmerTokenizerOptions.Default);
    }

    /// <summary>The length of the whole encoding of a sequence, <c>&lt;cls&gt;</c> included, before any length policy.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids.</returns>
    /// <exception cref="DnaTokenizationException">Normalize mode refuses a character.</exception>
    public override int CountTokens(ReadOnlySpan<char> sequence, string? sequenceName) => _clsCount + CountSequenceTokens(sequence, sequenceName);

    /// <summary>The number of sequence tokens (no <c>&lt;cls&gt;</c>, no length limit): the length
    /// <see cref="TokenizeToIds(ReadOnlySpan{char}, Span{int}, string?)"/> writes.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of tokens.</returns>
    /// <exception cref="DnaTokenizationException">Normalize mode refuses a character.</exception>
    public override int CountSequenceTokens(ReadOnlySpan<char> sequence, string? sequenceName = null)
    {
        var sink = new CountSink(Vocabulary.K);
        _scanner.Tokenize(sequence, ref sink, sequenceName);
        return sink.Count;
    }

    /// <summary>
    /// The raw token stream of a sequence of any length, without <c>&lt;cls&gt;</c> and without length policy: the
    /// allocation-free hot path (a 6-mer is a 12-bit code looked up in <see cref="KmerVocabulary.KmerIdTable"/>).
    /// Not a model input when longer than <see cref="MaxTokens"/> minus <c>&lt;cls&gt;</c>.
    /// </summary>
    /// <param name="sequence">The text.</param>
    /// <param name="destination">Receives the ids; at least <see cref="CountSequenceTokens"/> long (the sequence's length always suffices).</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    /// <exception cref="DnaTokenizationException">Normalize mode refuses a character.</exception>
    public override int TokenizeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null)
    {
        var sink = new IdSink(destination, default, default, Vocabulary);
        if (_scanner.Tokenize(sequence, ref sink, sequenceName))
        {
            ThrowHelper.ThrowDestinationTooSmall(nameof(destination), CountSequenceTokens(sequence, sequenceName), destination.Length);
        }

        return sink.Count;
    }

    /// <summary>
    /// Encodes one model input into a caller's buffer without allocating: <c>&lt;cls&gt;</c>, then the tokens, at most
    /// <see cref="MaxTokens"/> ids, with <see cref="KmerTokenizerOptions.LengthPolicy"/> applied.
    /// </summary>
    /// <param name="sequence">The text.</param>
    /// <param name="destination">Receives the ids; <see cref="MaxTokens"/> long always suffices.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids written.</returns>
    /// <exception cref="DnaTokenizationException">Too many tokens under <see cref="LengthPolicy.Error"/> or
    /// <see cref="LengthPolicy.Windows"/>, or a character normalize mode refuses.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short for this sequence.</exception>
    public override int EncodeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null) =>
        EncodeModelInput(sequence, destination, default, default, MaxTokens, callerCapped: false, sequenceName, out _);

    /// <summary>As <see cref="EncodeToIds(ReadOnlySpan{char}, Span{int}, string?)"/> with a tighter limit than <see cref="MaxTokens"/>
    /// (a fixed output length), the length policy applying against it.</summary>
    internal int EncodeToIds(ReadOnlySpan<char> sequence, Span<int> destination, int limit, string? sequenceName) =>
        EncodeModelInput(sequence, destination, default, default, Math.Min(limit, MaxTokens), callerCapped: false, sequenceName, out _);

    /// <summary>Encodes one model input (see <see cref="EncodeToIds(ReadOnlySpan{char}, Span{int}, string?)"/>) into a new array.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The ids.</returns>
    /// <exception cref="DnaTokenizationException">Too many tokens under <see cref="LengthPolicy.Error"/> or
    /// <see cref="LengthPolicy.Windows"/>, or a character normalize mode refuses.</exception>
    public override int[] EncodeToIds(ReadOnlySpan<char> sequence, string? sequenceName)
    {
        int[] buffer = ArrayPool<int>.Shared.Rent(MaxTokens);
        try
        {
            int count = EncodeToIds(sequence, buffer.AsSpan(0, MaxTokens), sequenceName);
            return buffer.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>Encodes one model input with each token's string and its offset in <paramref name="sequence"/>.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The tokens; an unknown run's token is <c>&lt;unk&gt;</c>, its offset the run's characters.</returns>
    /// <exception cref="DnaTokenizationException">Too many tokens under <see cref="LengthPolicy.Error"/> or
    /// <see cref="LengthPolicy.Windows"/>, or a character normalize mode refuses.</exception>
    public override IReadOnlyList<EncodedToken> EncodeToTokens(ReadOnlySpan<char> sequence, string? sequenceName) =>
        EncodeTokens(sequence, MaxTokens, callerCapped: false, sequenceName, out _);

    /// <summary>
    /// Covers a sequence of any length with model inputs: consecutive windows of at most <see cref="MaxTokens"/> ids,
    /// each starting with its own <c>&lt;cls&gt;</c>, each starting <see cref="WindowStride"/> tokens after the previous
    /// one; the last window ends with the sequence's last token. Works under every length policy.
    /// </summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>At least one window (an empty sequence gives one window holding <c>&lt;cls&gt;</c> only).</returns>
    /// <exception cref="DnaTokenizationException">Normalize mode refuses a character.</exception>
    public override IReadOnlyList<TokenWindow> EncodeWindows(ReadOnlySpan<char> sequence, string? sequenceName = null)
    {
        int total = CountSequenceTokens(sequence, sequenceName);
        int[] ids = ArrayPool<int>.Shared.Rent(total);
        int[] starts = ArrayPool<int>.Shared.Rent(total);
        int[] ends = ArrayPool<int>.Shared.Rent(total);
        try
        {
            var sink = new IdSink(ids.AsSpan(0, total), starts.AsSpan(0, total), ends.AsSpan(0, total), Vocabulary);
            _scanner.Tokenize(sequence, ref sink, sequenceName);
            int capacity = MaxTokens - _clsCount;
            var windows = new List<TokenWindow>((Math.Max(total - capacity, 0) / WindowStride) + 1);
            for (int start = 0; ; start += WindowStride)
            {
                int end = Math.Min(start + capacity, total);
                int[] windowIds = new int[_clsCount + end - start];
                if (_clsCount == 1)
                {
                    windowIds[0] = Vocabulary.ClsId;
                }

                ids.AsSpan(start, end - start).CopyTo(windowIds.AsSpan(_clsCount));
                int baseStart = end > start ? starts[start] : 0;
                int baseEnd = end > start ? ends[end - 1] : 0;
                windows.Add(new TokenWindow(windows.Count, windowIds, start, end, baseStart, baseEnd));
                if (end == total)
                {
                    return windows;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ends);
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<int>.Shared.Return(ids);
        }
    }

    /// <inheritdoc/>
    private protected override int[] EncodeModelInput(string sequence, int limit, string sequenceName)
    {
        int[] buffer = ArrayPool<int>.Shared.Rent(limit);
        try
        {
            int count = EncodeModelInput(sequence, buffer.AsSpan(0, limit), default, default, limit, callerCapped: false, sequenceName, out _);
            return buffer.AsSpan(0, count).ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <summary>Decodes ids as Hugging Face's <c>decode</c> does: tokens joined by spaces (then its space clean-up when
    /// the vocabulary asks for it); an id outside the vocabulary decodes as the unknown token.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="skipSpecialTokens">Leave out the special tokens (<c>skip_special_tokens=True</c>).</param>
    /// <returns>The text.</returns>
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

            text.Append(TokenText(id));
        }

        return _cleanUpChangesText ? CleanUpTokenizationSpaces(text) : text.ToString();
    }

    /// <inheritdoc/>
    /// <remarks>Special tokens are kept, as in Hugging Face's <c>decode</c>; see <see cref="Decode(IEnumerable{int}, bool)"/>.</remarks>
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <inheritdoc/>
    /// <remarks>Writes whole tokens only; on <see cref="OperationStatus.DestinationTooSmall"/>, <paramref name="idsConsumed"/>
    /// ids have been written and decoding can resume after them (with a separating space).</remarks>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        idsConsumed = 0;
        charsWritten = 0;
        if (_cleanUpChangesText)
        {
            // The clean-up looks across token boundaries, so only a whole decode can be cut safely.
            string whole = Decode(ids, skipSpecialTokens: false);
            if (whole.Length > destination.Length)
            {
                return OperationStatus.DestinationTooSmall;
            }

            whole.CopyTo(destination);
            idsConsumed = ids.Count();
            charsWritten = whole.Length;
            return OperationStatus.Done;
        }

        foreach (int id in ids)
        {
            string token = TokenText(id);
            int needed = token.Length + (charsWritten > 0 ? 1 : 0);
            if (needed > destination.Length - charsWritten)
            {
                return OperationStatus.DestinationTooSmall;
            }

            if (charsWritten > 0)
            {
                destination[charsWritten++] = ' ';
            }

            token.CopyTo(destination[charsWritten..]);
            charsWritten += token.Length;
            idsConsumed++;
        }

        return OperationStatus.Done;
    }

    /// <inheritdoc/>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ReadOnlySpan<char> sequence = text is null ? textSpan : text.AsSpan();
        (int limit, bool callerCapped) = Limit(settings);
        int[] buffer = ArrayPool<int>.Shared.Rent(limit);
        try
        {
            int count = EncodeModelInput(sequence, buffer.AsSpan(0, limit), default, default, limit, callerCapped, sequenceName: null, out int consumed);
            return new EncodeResults<int> { Tokens = buffer.AsSpan(0, count).ToArray(), NormalizedText = null, CharsConsumed = consumed };
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        ReadOnlySpan<char> sequence = text is null ? textSpan : text.AsSpan();
        (int limit, bool callerCapped) = Limit(settings);
        IReadOnlyList<EncodedToken> tokens = EncodeTokens(sequence, limit, callerCapped, sequenceName: null, out int consumed);
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    /// <remarks>The whole encoding's length, <c>&lt;cls&gt;</c> included, before the length policy and
    /// <see cref="EncodeSettings.MaxTokenCount"/>: compare it with <see cref="MaxTokens"/> to choose a policy.</remarks>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        CountTokens(text is null ? textSpan : text.AsSpan(), sequenceName: null);

    /// <inheritdoc/>
    /// <remarks><c>&lt;cls&gt;</c> counts towards <see cref="EncodeSettings.MaxTokenCount"/> in both directions; the
    /// length policy does not apply (this only measures).</remarks>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedString, out int tokenCount)
    {
        ReadOnlySpan<char> sequence = text is null ? textSpan : text.AsSpan();
        int max = settings.MaxTokenCount;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(settings));
        normalizedString = null;
        int room = Math.Max(max - _clsCount, 0);
        tokenCount = Math.Min(_clsCount, max);
        if (!fromEnd)
        {
            var counter = new CountSink(Vocabulary.K, room);
            bool truncated = _scanner.Tokenize(sequence, ref counter, sequenceName: null);
            tokenCount += counter.Count;
            return truncated ? counter.LastEnd : sequence.Length;
        }

        int total = CountSequenceTokens(sequence);
        if (total <= room)
        {
            tokenCount += total;
            return 0;
        }

        if (room == 0)
        {
            return sequence.Length;
        }

        int[] ids = ArrayPool<int>.Shared.Rent(total);
        int[] starts = ArrayPool<int>.Shared.Rent(total);
        int[] ends = ArrayPool<int>.Shared.Rent(total);
        try
        {
            var sink = new IdSink(ids.AsSpan(0, total), starts.AsSpan(0, total), ends.AsSpan(0, total), Vocabulary);
            _scanner.Tokenize(sequence, ref sink, sequenceName: null);
            tokenCount += room;
            return starts[total - room];
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ends);
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<int>.Shared.Return(ids);
        }
    }

    private (int Limit, bool CallerCapped) Limit(EncodeSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.MaxTokenCount, nameof(settings));
        return settings.MaxTokenCount <= MaxTokens ? (settings.MaxTokenCount, true) : (MaxTokens, false);
    }

    private IReadOnlyList<EncodedToken> EncodeTokens(ReadOnlySpan<char> sequence, int limit, bool callerCapped, string? sequenceName, out int charsConsumed)
    {
        int[] ids = ArrayPool<int>.Shared.Rent(limit);
        int[] starts = ArrayPool<int>.Shared.Rent(limit);
        int[] ends = ArrayPool<int>.Shared.Rent(limit);
        try
        {
            int count = EncodeModelInput(sequence, ids.AsSpan(0, limit), starts.AsSpan(0, limit), ends.AsSpan(0, limit), limit, callerCapped, sequenceName, out charsConsumed);
            var tokens = new EncodedToken[count];
            for (int i = 0; i < count; i++)
            {
                tokens[i] = new EncodedToken(ids[i], Vocabulary.Tokens[ids[i]], new Range(starts[i], ends[i]));
            }

            return tokens;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ends);
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<int>.Shared.Return(ids);
        }
    }

    /// <summary>The one implementation of "a model input": cls, tokens, limit and policy.</summary>
    private int EncodeModelInput(ReadOnlySpan<char> sequence, Span<int> ids, Span<int> starts, Span<int> ends, int limit, bool callerCapped, string? sequenceName, out int charsConsumed)
    {
        int room = Math.Min(ids.Length, limit);
        if (room < _clsCount)
        {
            ThrowHelper.ThrowDestinationTooSmall(nameof(ids), Math.Min(CountTokens(sequence, sequenceName), limit), ids.Length);
        }

        bool withOffsets = !starts.IsEmpty;
        if (_clsCount == 1)
        {
            ids[0] = Vocabulary.ClsId;
            if (withOffsets)
            {
                starts[0] = ends[0] = 0;
            }
        }

        var sink = new IdSink(
            ids[_clsCount..room],
            withOffsets ? starts[_clsCount..room] : default,
            withOffsets ? ends[_clsCount..room] : default,
            Vocabulary);
        charsConsumed = sequence.Length;
        if (_scanner.Tokenize(sequence, ref sink, sequenceName))
        {
            bool truncating = callerCapped || Options.LengthPolicy == LengthPolicy.Truncate;
            if (room < limit || !truncating)
            {
                int total = CountTokens(sequence, sequenceName);
                if (!truncating && total > limit)
                {
                    ThrowHelper.ThrowTooManyTokens(sequenceName, total, limit, _clsCount == 1, Options.LengthPolicy);
                }

                ThrowHelper.ThrowDestinationTooSmall(nameof(ids), Math.Min(total, limit), ids.Length);
            }

            charsConsumed = sink.LastEnd;
        }

        return _clsCount + sink.Count;
    }

    private string TokenText(int id) => Vocabulary.TryGetToken(id, out string? token) ? token : Vocabulary.SpecialTokens.Unk;
}
