namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// The classic alignment-free baseline features: frequencies of the overlapping k-mers of a sequence (4^k of them,
/// indexed in lexicographic A&lt;C&lt;G&lt;T order, so AAA..A is 0 and TTT..T is 4^k - 1).
/// </summary>
/// <remarks>
/// Every position starts a k-mer (stride 1); a k-mer containing anything but A, C, G or T (either case) is skipped.
/// Counts are divided by the number of k-mers counted, so sequences of different lengths compare; a sequence without
/// any k-mer gives all zeros.
/// </remarks>
public static class KmerCounts
{
    /// <summary>The feature length for <paramref name="k"/>: 4^k.</summary>
    /// <param name="k">The k-mer length, 1 to 12.</param>
    /// <returns>4^k.</returns>
    public static int FeatureCount(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, 12);
        return 1 << (2 * k);
    }

    /// <summary>Computes the k-mer frequencies of a sequence.</summary>
    /// <param name="sequence">DNA text.</param>
    /// <param name="k">The k-mer length (6 by default, AgroNT's token length).</param>
    /// <returns>A new array of <see cref="FeatureCount"/> frequencies summing to 1 (or all zero).</returns>
    public static float[] Frequencies(ReadOnlySpan<char> sequence, int k = 6)
    {
        var result = new float[FeatureCount(k)];
        Frequencies(sequence, result, k);
        return result;
    }

    /// <summary>Computes the k-mer frequencies of a sequence into <paramref name="destination"/>.</summary>
    /// <param name="sequence">DNA text.</param>
    /// <param name="destination">At least <see cref="FeatureCount"/> values; the first 4^k are overwritten.</param>
    /// <param name="k">The k-mer length.</param>
    /// <returns>The number of k-mers counted.</returns>
    public static int Frequencies(ReadOnlySpan<char> sequence, Span<float> destination, int k = 6)
    {
        int features = FeatureCount(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, features, nameof(destination));
        destination = destination[..features];
        destination.Clear();
        int mask = features - 1, code = 0, valid = 0, counted = 0;
        foreach (char c in sequence)
        {
            int letter = c switch
            {
                'A' or 'a' => 0,
                'C' or 'c' => 1,
                'G' or 'g' => 2,
                'T' or 't' => 3,
                _ => -1,
            };
            if (letter < 0)
            {
                valid = 0;
                continue;
            }
            code = ((code << 2) | letter) & mask;
            if (++valid >= k)
            {
                destination[code]++;
                counted++;
            }
        }
        if (counted > 0)
        {
            float scale = 1f / counted;
            foreach (ref float value in destination)
            {
                value *= scale;
            }
        }
        return counted;
    }
}
