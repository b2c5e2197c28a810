using System.Globalization;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// The reverse complement of tokenizer input: the other strand of the DNA, written so that a
/// <see cref="KmerTokenizer"/> with the same options reads exactly the complementary bases it would have read forward.
/// </summary>
public static class StrandText
{
    /// <summary>
    /// Returns the reverse complement of <paramref name="text"/> as <see cref="KmerTokenizer"/> input under
    /// <paramref name="options"/>.
    /// </summary>
    /// <remarks>
    /// <para><see cref="TokenizerMode.Normalize"/>: A, C, G, T are complemented keeping their case (a lowercase repeat
    /// stays lowercase), U and u become A and a (RNA gives DNA), the IUPAC ambiguity codes R Y S W K M B D H V N
    /// become N (n when lowercase), which is how normalize mode reads them in either strand. Whitespace and digits keep
    /// their mirrored places when the options drop them; when the options reject them, or for any other character, the
    /// same <see cref="DnaTokenizationException"/> the tokenizer would throw is thrown here, naming the position in the
    /// text as given (not in its reverse complement).</para>
    /// <para><see cref="TokenizerMode.Hf"/>: only A, C, G, T are complemented and N stays N; every other character
    /// (lowercase, IUPAC codes, U, whitespace) keeps its mirrored place, so runs that become <c>&lt;unk&gt;</c> forward
    /// become <c>&lt;unk&gt;</c> in reverse too. Text with <c>&lt;</c> is refused: a literal special token such as
    /// <c>&lt;mask&gt;</c> has no reverse complement.</para>
    /// </remarks>
    /// <param name="text">The sequence text.</param>
    /// <param name="options">The tokenizer options the result will be read with.</param>
    /// <param name="sequenceName">The record's name for error messages; null for none.</param>
    /// <returns>The reverse complement, the same length as <paramref name="text"/>.</returns>
    /// <exception cref="DnaTokenizationException">A character the tokenizer would refuse (normalize mode).</exception>
    /// <exception cref="ArgumentException">A literal special token in <see cref="TokenizerMode.Hf"/> text.</exception>
    public static string ReverseComplement(ReadOnlySpan<char> text, KmerTokenizerOptions options, string? sequenceName = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (text.IsEmpty)
        {
            return "";
        }
        char[] result = new char[text.Length];
        int last = text.Length - 1;
        bool hf = options.Mode == TokenizerMode.Hf;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            result[last - i] = hf ? ComplementHf(c, i, sequenceName) : ComplementNormalizing(c, i, options, sequenceName);
        }
        return new string(result);
    }

    private static char ComplementNormalizing(char c, int position, KmerTokenizerOptions options, string? sequenceName)
    {
        switch (c)
        {
            case 'A': return 'T';
            case 'T' or 'U': return 'A';
            case 'C': return 'G';
            case 'G': return 'C';
            case 'a': return 't';
            case 't' or 'u': return 'a';
            case 'c': return 'g';
            case 'g': return 'c';
        }
        var charClass = DnaAlphabet.ClassifyNormalizing(c);
        switch (charClass)
        {
            case CharClass.NLike:
                return char.IsLower(c) ? 'n' : 'N';
            case CharClass.Whitespace when options.Whitespace == CharacterHandling.Drop:
            case CharClass.Digit when options.Digits == CharacterHandling.Drop:
                return c;
            default:
                ThrowHelper.ThrowInvalidDnaCharacter(sequenceName, position, c, DnaAlphabet.FixFor(c, charClass));
                return c;
        }
    }

    private static char ComplementHf(char c, int position, string? sequenceName) => c switch
    {
        'A' => 'T',
        'T' => 'A',
        'C' => 'G',
        'G' => 'C',
        '<' => throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture,
                $"{(sequenceName is null ? "The sequence" : $"Sequence '{sequenceName}'")} has '<' at position {position} (0-based): a literal special token such as <mask> has no reverse complement. Read the forward strand (Strand.Forward, --strand forward) for masked text."),
            "text"),
        _ => c,
    };
}
