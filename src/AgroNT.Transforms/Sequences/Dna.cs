namespace AgroNT.Transforms.Sequences;

/// <summary>Strand and window arithmetic on DNA sequences.</summary>
public static class Dna
{
    /// <summary>
    /// Returns the reverse complement of <paramref name="sequence"/>: the opposite strand, read 5' to 3'.
    /// </summary>
    /// <param name="sequence">
    /// DNA letters: A, C, G, T, N and the IUPAC ambiguity codes R, Y, K, M, S, W, B, V, D, H, in either case, and U
    /// (RNA), which is complemented to A. The case of each letter is preserved.
    /// </param>
    /// <returns>The reverse complement, as DNA (U never appears in it, so for RNA input twice is not the identity).</returns>
    /// <exception cref="ArgumentException">A character is not one of the accepted letters; the message names it and its 0-based position.</exception>
    public static string ReverseComplement(ReadOnlySpan<char> sequence)
    {
        if (sequence.IsEmpty)
        {
            return "";
        }
        char[] result = new char[sequence.Length];
        ReverseComplement(sequence, result);
        return new string(result);
    }

    /// <summary>
    /// Writes the reverse complement of <paramref name="sequence"/> into the first <c>sequence.Length</c>
    /// characters of <paramref name="destination"/>, which may be the very same memory (in-place).
    /// </summary>
    /// <param name="sequence">The DNA letters, as for <see cref="ReverseComplement(ReadOnlySpan{char})"/>.</param>
    /// <param name="destination">At least as long as <paramref name="sequence"/>; either exactly the same span or not overlapping it.
    /// Its contents are unspecified when an exception is thrown.</param>
    /// <exception cref="ArgumentException">
    /// The destination is too short or partly overlaps the sequence, or a character is not an accepted letter.
    /// </exception>
    public static void ReverseComplement(ReadOnlySpan<char> sequence, Span<char> destination)
    {
        if (destination.Length < sequence.Length)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} characters but the sequence has {sequence.Length}.", nameof(destination));
        }
        destination = destination[..sequence.Length];
        if (sequence.Overlaps(destination, out int offset) && offset != 0)
        {
            throw new ArgumentException(
                "The destination partly overlaps the sequence; pass the same span for in-place work, or separate memory.",
                nameof(destination));
        }

        // Pairing the ends makes the in-place case safe: both letters are read before either is written.
        int last = sequence.Length - 1;
        for (int i = 0; i <= last - i; i++)
        {
            int j = last - i;
            char left = Complement(sequence[i], i);
            char right = Complement(sequence[j], j);
            destination[i] = right;
            destination[j] = left;
        }
    }

    /// <summary>
    /// Returns consecutive windows that together cover a sequence: starts 0, stride, 2 x stride, ..., and a last
    /// window that ends exactly at the sequence's end.
    /// </summary>
    /// <remarks>
    /// When the stride does not land on the end, the last window is shifted left to end there, so every window is
    /// full length and the last one overlaps its predecessor by more than <c>windowLength - stride</c>. A sequence no
    /// longer than one window gives one window, <c>(0, sequenceLength)</c>, even when it is empty.
    /// <see cref="SequenceReader.ReadChunks(string, int, int)"/> cuts records at exactly these windows.
    /// </remarks>
    /// <param name="sequenceLength">The sequence length, 0 or more.</param>
    /// <param name="windowLength">The window length, 1 or more.</param>
    /// <param name="stride">The distance between window starts, from 1 to <paramref name="windowLength"/> (a longer stride would leave gaps).</param>
    /// <returns>The windows as (0-based start, length), in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside the ranges above.</exception>
    public static IEnumerable<(int Start, int Length)> Windows(int sequenceLength, int windowLength, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequenceLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stride, windowLength);
        return WindowsIterator(sequenceLength, windowLength, stride);
    }

    private static IEnumerable<(int Start, int Length)> WindowsIterator(int sequenceLength, int windowLength, int stride)
    {
        if (sequenceLength <= windowLength)
        {
            yield return (0, sequenceLength);
            yield break;
        }
        int lastStart = sequenceLength - windowLength;
        // start + stride < lastStart + windowLength = sequenceLength, so the sum never overflows.
        for (int start = 0; start < lastStart; start += stride)
        {
            yield return (start, windowLength);
        }
        yield return (lastStart, windowLength);
    }

    private static char Complement(char letter, int position) => letter switch
    {
        'A' => 'T', 'T' => 'A', 'U' => 'A', 'C' => 'G', 'G' => 'C', 'N' => 'N',
        'R' => 'Y', 'Y' => 'R', 'K' => 'M', 'M' => 'K', 'S' => 'S', 'W' => 'W',
        'B' => 'V', 'V' => 'B', 'D' => 'H', 'H' => 'D',
        'a' => 't', 't' => 'a', 'u' => 'a', 'c' => 'g', 'g' => 'c', 'n' => 'n',
        'r' => 'y', 'y' => 'r', 'k' => 'm', 'm' => 'k', 's' => 's', 'w' => 'w',
        'b' => 'v', 'v' => 'b', 'd' => 'h', 'h' => 'd',
        _ => throw new ArgumentException(
            $"Cannot complement {Describe(letter)} at position {position} (0-based): only A, C, G, T, U, N and the IUPAC "
            + "codes R, Y, K, M, S, W, B, V, D, H are accepted, in either case.",
            "sequence"),
    };

    private static string Describe(char letter) =>
        char.IsControl(letter) || char.IsWhiteSpace(letter)
            ? $"U+{(int)letter:X4}"
            : $"'{letter}' (U+{(int)letter:X4})";
}
