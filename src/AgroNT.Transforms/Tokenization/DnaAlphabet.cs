using System.Buffers;
using System.Runtime.CompilerServices;

namespace AgroNT.Transforms.Tokenization;

/// <summary>How the tokenizer sees one character, before any vocabulary lookup.</summary>
internal enum CharClass : byte
{
    /// <summary>A letter that can be part of a k-mer (A C G T; in normalize mode also U and lowercase).</summary>
    KmerLetter,

    /// <summary>A letter that becomes the single token <c>N</c> (only N in hf mode; N and IUPAC codes in normalize mode).</summary>
    NLike,

    /// <summary>Whitespace as Python's <c>str.split()</c> sees it.</summary>
    Whitespace,

    /// <summary>An ASCII digit (normalize mode only; hf mode sees digits as <see cref="Other"/>).</summary>
    Digit,

    /// <summary>Anything else: unknown in hf mode (unless a literal token starts here), an error in normalize mode.</summary>
    Other,
}

/// <summary>
/// Character facts shared by the tokenizer's modes. The 2-bit nucleotide code is <c>(c &gt;&gt; 1) &amp; 3</c>:
/// A=0, C=1, T=2, G=3. It needs no table, and it gives lowercase letters and U/u the same code as their upper-case
/// DNA counterparts (a/A 0x41/0x61, c/C, g/G, t/T/u/U 0x54/0x55), which is exactly normalize mode's folding.
/// </summary>
internal static class DnaAlphabet
{
    /// <summary>Number of distinct nucleotide codes.</summary>
    public const int CodeCount = 4;

    /// <summary>Letters that extend a k-mer run in hf mode.</summary>
    public static readonly SearchValues<char> StrictKmerLetters = SearchValues.Create("ACGT");

    /// <summary>Letters that extend a k-mer run in normalize mode (folded by <see cref="Code"/>).</summary>
    public static readonly SearchValues<char> FoldingKmerLetters = SearchValues.Create("ACGTUacgtu");

    /// <summary>Every character Python's <c>str.split()</c> treats as whitespace (see <see cref="IsPythonWhitespace(char)"/>).</summary>
    public static readonly SearchValues<char> WhitespaceChars = SearchValues.Create(
        "\t\n\v\f\r\u001C\u001D\u001E\u001F \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    /// <summary>The upper-case letter for each 2-bit code.</summary>
    public static ReadOnlySpan<char> LettersByCode => "ACTG";

    /// <summary>The 2-bit code of a k-mer letter; meaningless for other characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Code(char c) => (c >> 1) & 3;

    /// <summary>Whether <paramref name="c"/> is one of the upper-case letters A, C, G, T.</summary>
    public static bool IsStrictKmerLetter(char c) => c is 'A' or 'C' or 'G' or 'T';

    /// <summary>Whitespace by Python's definition (what <c>str.split()</c> and <c>str.strip()</c> remove):
    /// .NET's <see cref="char.IsWhiteSpace(char)"/> plus the information separators U+001C..U+001F.</summary>
    public static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || (uint)(c - '\u001C') <= 3u;

    /// <summary>Classifies a character for hf mode.</summary>
    public static CharClass ClassifyHf(char c) => c switch
    {
        'A' or 'C' or 'G' or 'T' => CharClass.KmerLetter,
        'N' => CharClass.NLike,
        _ => IsPythonWhitespace(c) ? CharClass.Whitespace : CharClass.Other,
    };

    /// <summary>Classifies a character for normalize mode.</summary>
    public static CharClass ClassifyNormalizing(char c) => c switch
    {
        'A' or 'C' or 'G' or 'T' or 'U' or 'a' or 'c' or 'g' or 't' or 'u' => CharClass.KmerLetter,
        'N' or 'R' or 'Y' or 'S' or 'W' or 'K' or 'M' or 'B' or 'D' or 'H' or 'V' => CharClass.NLike,
        'n' or 'r' or 'y' or 's' or 'w' or 'k' or 'm' or 'b' or 'd' or 'h' or 'v' => CharClass.NLike,
        >= '0' and <= '9' => CharClass.Digit,
        _ => IsPythonWhitespace(c) ? CharClass.Whitespace : CharClass.Other,
    };

    /// <summary>Advice for a character normalize mode refuses, tailored to what the character usually means.</summary>
    public static string FixFor(char c, CharClass charClass) => charClass switch
    {
        CharClass.Whitespace => "Whitespace is rejected because KmerTokenizerOptions.Whitespace is Reject; set it to CharacterHandling.Drop to remove it.",
        CharClass.Digit => "Digits are rejected because KmerTokenizerOptions.Digits is Reject; set it to CharacterHandling.Drop if they are position numbers.",
        _ => c switch
        {
            '<' => "Literal special tokens such as <mask> are recognised only in TokenizerMode.Hf; use that mode for masked text.",
            '-' or '.' or '~' => "It looks like an alignment gap: remove gaps before tokenizing (AgroNT was trained on ungapped genomes).",
            '*' => "'*' is a stop codon or a protein sequence; AgroNT reads DNA only.",
            >= 'A' and <= 'Z' or >= 'a' and <= 'z' => "Only A, C, G, T, U and the IUPAC codes R Y S W K M B D H V N are nucleotides; clean the record, or use TokenizerMode.Hf to map unknown runs to <unk> as Hugging Face does.",
            _ => "Remove it, or use TokenizerMode.Hf to map unknown runs to <unk> as Hugging Face does.",
        },
    };
}
