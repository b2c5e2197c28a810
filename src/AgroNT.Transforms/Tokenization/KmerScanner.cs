using System.Buffers;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// Walks a text once and reports its tokens to a sink; shared by every encoding API so that counting, encoding,
/// offsets and windows can never disagree.
/// </summary>
/// <remarks>
/// The rule is Hugging Face's trie split: at each position take the longest vocabulary entry that starts there.
/// With a k-mer vocabulary that means: a run of A/C/G/T letters becomes whole k-mers from its start, then single
/// letters (a run ends at anything else, so an N, an unknown character or whitespace restarts the k-mer grid);
/// N is a single token; literal tokens (<c>&lt;mask&gt;</c> ...) match in hf mode. Whitespace only separates. In hf
/// mode the characters that match nothing, between two separators or matches, make one <c>&lt;unk&gt;</c>.
/// Normalize mode folds case, U and IUPAC codes through the character classes and the 2-bit code, so it needs no
/// copy of the text unless characters are dropped; then the text is compacted once and scanned again.
/// </remarks>
internal sealed class KmerScanner
{
    private readonly KmerVocabulary _vocabulary;
    private readonly bool _hf;
    private readonly CharacterHandling _whitespace;
    private readonly CharacterHandling _digits;
    private readonly SearchValues<char> _runLetters;
    private readonly SearchValues<char> _literalStarts;

    public KmerScanner(KmerVocabulary vocabulary, KmerTokenizerOptions options)
    {
        _vocabulary = vocabulary;
        _hf = options.Mode == TokenizerMode.Hf;
        _whitespace = options.Whitespace;
        _digits = options.Digits;
        _runLetters = _hf ? DnaAlphabet.StrictKmerLetters : DnaAlphabet.FoldingKmerLetters;
        _literalStarts = SearchValues.Create([.. vocabulary.Literals.Select(l => l.Text[0]).Distinct()]);
    }

    private enum ScanStatus
    {
        Completed,
        Overflowed,
        NeedsCompaction,
    }

    /// <summary>Tokenizes <paramref name="text"/> into <paramref name="sink"/>; positions reported are indices of <paramref name="text"/>.</summary>
    /// <returns>Whether the sink filled up before the end (the rest of the text was not scanned).</returns>
    /// <exception cref="DnaTokenizationException">Normalize mode met a character it refuses.</exception>
    public bool Tokenize<TSink>(ReadOnlySpan<char> text, ref TSink sink, string? sequenceName)
        where TSink : ITokenSink, allows ref struct
    {
        ScanStatus status = Scan(text, ref sink, ReadOnlySpan<int>.Empty, sequenceName);
        if (status != ScanStatus.NeedsCompaction)
        {
            return status == ScanStatus.Overflowed;
        }

        // Dropped characters join their neighbours (a 6-mer may span a line break), so the text is rebuilt without
        // them; the map keeps each kept character's original index for offsets and error positions.
        char[] compacted = ArrayPool<char>.Shared.Rent(text.Length);
        int[] map = ArrayPool<int>.Shared.Rent(text.Length);
        try
        {
            int length = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (!IsDropped(text[i]))
                {
                    compacted[length] = text[i];
                    map[length++] = i;
                }
            }

            sink.Reset();
            status = Scan(compacted.AsSpan(0, length), ref sink, map.AsSpan(0, length), sequenceName);
            sink.MapOffsets(map.AsSpan(0, length));
            return status == ScanStatus.Overflowed;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(map);
            ArrayPool<char>.Shared.Return(compacted);
        }
    }

    private bool IsDropped(char c) => DnaAlphabet.ClassifyNormalizing(c) switch
    {
        CharClass.Whitespace => _whitespace == CharacterHandling.Drop,
        CharClass.Digit => _digits == CharacterHandling.Drop,
        _ => false,
    };

    private ScanStatus Scan<TSink>(ReadOnlySpan<char> text, ref TSink sink, ReadOnlySpan<int> map, string? sequenceName)
        where TSink : ITokenSink, allows ref struct
    {
        int unknownStart = -1;
        int position = 0;
        while (position < text.Length)
        {
            char c = text[position];
            CharClass charClass = _hf ? DnaAlphabet.ClassifyHf(c) : DnaAlphabet.ClassifyNormalizing(c);
            switch (charClass)
            {
                case CharClass.KmerLetter:
                    if (!FlushUnknown(ref sink, ref unknownStart, position))
                    {
                        return ScanStatus.Overflowed;
                    }

                    position = AddRun(text, position, ref sink, canCompact: map.IsEmpty);
                    if (position < 0)
                    {
                        return ScanStatus.NeedsCompaction;
                    }

                    if (sink.Overflowed)
                    {
                        return ScanStatus.Overflowed;
                    }

                    break;

                case CharClass.NLike:
                    if (!FlushUnknown(ref sink, ref unknownStart, position) || !TryAdd(ref sink, _vocabulary.NId, position, 1))
                    {
                        return ScanStatus.Overflowed;
                    }

                    position++;
                    break;

                case CharClass.Whitespace when _hf:
                    if (!FlushUnknown(ref sink, ref unknownStart, position))
                    {
                        return ScanStatus.Overflowed;
                    }

                    position++;
                    break;

                case CharClass.Whitespace or CharClass.Digit when !_hf:
                    if ((charClass == CharClass.Whitespace ? _whitespace : _digits) == CharacterHandling.Drop && map.IsEmpty)
                    {
                        return ScanStatus.NeedsCompaction;
                    }

                    ThrowInvalid(c, charClass, position, map, sequenceName);
                    break;

                default:
                    if (!_hf)
                    {
                        ThrowInvalid(c, charClass, position, map, sequenceName);
                    }

                    if (TryMatchLiteral(text, position, out LiteralToken literal))
                    {
                        if (!FlushUnknown(ref sink, ref unknownStart, position) || !TryAdd(ref sink, literal.Id, position, literal.Text.Length))
                        {
                            return ScanStatus.Overflowed;
                        }

                        position += literal.Text.Length;
                    }
                    else
                    {
                        // Hugging Face leaves unmatched characters as one piece up to the next match or whitespace,
                        // and that piece, not in the vocabulary, becomes a single <unk>.
                        unknownStart = unknownStart < 0 ? position : unknownStart;
                        position++;
                    }

                    break;
            }
        }

        return FlushUnknown(ref sink, ref unknownStart, text.Length) ? ScanStatus.Completed : ScanStatus.Overflowed;
    }

    /// <summary>
    /// Hands the run of k-mer letters starting at <paramref name="position"/> to the sink and returns where it ends,
    /// or -1 when the run's last letters are not final because a dropped character follows them (the text must be
    /// compacted first; <paramref name="canCompact"/> says it has not been yet).
    /// Long runs go in blocks of whole k-mers small enough to stay in the L1 cache between finding the run's end and
    /// packing it: two separate passes over a chromosome would each stream it from memory.
    /// </summary>
    private int AddRun<TSink>(ReadOnlySpan<char> text, int position, ref TSink sink, bool canCompact)
        where TSink : ITokenSink, allows ref struct
    {
        int block = _vocabulary.K * 512;
        while (true)
        {
            ReadOnlySpan<char> window = text.Slice(position, Math.Min(block, text.Length - position));
            int run = window.IndexOfAnyExcept(_runLetters);
            if (run < 0 && window.Length == block && position + block < text.Length)
            {
                // A whole block of letters: its k-mers are final whatever follows, because the block is a multiple of k.
                sink.AddRun(window, position);
                position += block;
                if (sink.Overflowed)
                {
                    return position;
                }

                continue;
            }

            run = run < 0 ? window.Length : run;
            int end = position + run;

            // Letters after the last whole k-mer join the letters beyond a dropped character, so they must not reach
            // the sink (a full sink would otherwise refuse them as single letters, miscounting the real encoding).
            if (canCompact && run % _vocabulary.K != 0 && end < text.Length && !_hf && IsDropped(text[end]))
            {
                return -1;
            }

            sink.AddRun(text.Slice(position, run), position);
            return end;
        }
    }

    private bool FlushUnknown<TSink>(ref TSink sink, ref int unknownStart, int end)
        where TSink : ITokenSink, allows ref struct
    {
        if (unknownStart < 0)
        {
            return true;
        }

        int start = unknownStart;
        unknownStart = -1;
        return TryAdd(ref sink, _vocabulary.UnkId, start, end - start);
    }

    private static bool TryAdd<TSink>(ref TSink sink, int id, int start, int length)
        where TSink : ITokenSink, allows ref struct
    {
        sink.Add(id, start, start + length);
        return !sink.Overflowed;
    }

    private bool TryMatchLiteral(ReadOnlySpan<char> text, int position, out LiteralToken literal)
    {
        if (_literalStarts.Contains(text[position]))
        {
            ReadOnlySpan<char> rest = text[position..];
            foreach (LiteralToken candidate in _vocabulary.Literals)
            {
                // Longest first, so the first hit is the longest match here.
                if (rest.StartsWith(candidate.Text, StringComparison.Ordinal))
                {
                    literal = candidate;
                    return true;
                }
            }
        }

        literal = default;
        return false;
    }

    private static void ThrowInvalid(char c, CharClass charClass, int position, ReadOnlySpan<int> map, string? sequenceName) =>
        ThrowHelper.ThrowInvalidDnaCharacter(sequenceName, map.IsEmpty ? position : map[position], c, DnaAlphabet.FixFor(c, charClass));
}
