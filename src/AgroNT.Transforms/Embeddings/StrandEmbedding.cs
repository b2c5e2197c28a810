using System.Globalization;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// <see cref="DnaEmbeddingOptions.Strand"/> for every <see cref="IDnaEmbedder"/>: wraps a forward-strand embedding
/// function so that both embedders read the reverse strand, or both strands, by one rule.
/// </summary>
internal static class StrandEmbedding
{
    /// <summary>Suffix added to a record's name in messages about its reverse complement.</summary>
    public const string ReverseNameSuffix = " (reverse complement)";

    /// <summary>
    /// Embeds <paramref name="sequences"/> on <paramref name="strand"/>: <see cref="Strand.Forward"/> calls
    /// <paramref name="embedForward"/> on them; <see cref="Strand.Reverse"/> on their reverse complements
    /// (<see cref="StrandText.ReverseComplement"/>); <see cref="Strand.Both"/> on both lists in one call (so they share
    /// batches) and averages each pair, flipping per-nucleotide vectors of the reverse strand to forward coordinates.
    /// </summary>
    /// <param name="strand">The strand to read.</param>
    /// <param name="pooling">The pooling <paramref name="embedForward"/> applies.</param>
    /// <param name="hiddenSize">The width of one token's vector.</param>
    /// <param name="tokenizerOptions">The options the sequences are tokenized with.</param>
    /// <param name="sequences">DNA text.</param>
    /// <param name="names">Record names, parallel to <paramref name="sequences"/>; null for positions.</param>
    /// <param name="embedForward">Embeds a list of texts as given, in order.</param>
    /// <returns>One vector per sequence.</returns>
    public static IReadOnlyList<float[]> Embed(
        Strand strand,
        Pooling pooling,
        int hiddenSize,
        KmerTokenizerOptions tokenizerOptions,
        IReadOnlyList<string> sequences,
        IReadOnlyList<string>? names,
        Func<IReadOnlyList<string>, IReadOnlyList<string>?, IReadOnlyList<float[]>> embedForward)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (strand == Strand.Forward)
        {
            return embedForward(sequences, names);
        }
        CheckSupported(strand, pooling, tokenizerOptions);

        int count = sequences.Count;
        var reverse = new string[count];
        var reverseNames = new string[count];
        for (int i = 0; i < count; i++)
        {
            string name = names?[i] ?? string.Create(CultureInfo.InvariantCulture, $"#{i + 1}");
            reverse[i] = StrandText.ReverseComplement(sequences[i], tokenizerOptions, name);
            reverseNames[i] = name + ReverseNameSuffix;
        }
        if (strand == Strand.Reverse)
        {
            return embedForward(reverse, reverseNames);
        }

        var texts = new string[2 * count];
        var allNames = new string[2 * count];
        for (int i = 0; i < count; i++)
        {
            texts[i] = sequences[i];
            allNames[i] = names?[i] ?? string.Create(CultureInfo.InvariantCulture, $"#{i + 1}");
            texts[count + i] = reverse[i];
            allNames[count + i] = reverseNames[i];
        }
        var vectors = embedForward(texts, allNames);
        var results = new float[count][];
        for (int i = 0; i < count; i++)
        {
            results[i] = MeanOfStrands(vectors[i], vectors[count + i], pooling, hiddenSize, allNames[i]);
        }
        return results;
    }

    /// <summary>Refuses settings under which the two strands cannot be combined.</summary>
    /// <exception cref="NotSupportedException">Token pooling with both strands, or per-nucleotide pooling with truncation.</exception>
    public static void CheckSupported(Strand strand, Pooling pooling, KmerTokenizerOptions tokenizerOptions)
    {
        if (strand != Strand.Both)
        {
            return;
        }
        if (pooling == Pooling.Tokens)
        {
            throw new NotSupportedException(
                "Strand.Both cannot average Pooling.Tokens vectors: the 6-mers of the two strands start at different bases, so tokens do not pair up. "
                + "Use Pooling.PerNucleotide (exact per base), or Strand.Forward / Strand.Reverse (--strand forward|reverse).");
        }
        if (pooling == Pooling.PerNucleotide && tokenizerOptions.LengthPolicy == LengthPolicy.Truncate)
        {
            throw new NotSupportedException(
                "Strand.Both with Pooling.PerNucleotide and LengthPolicy.Truncate would average different bases (each strand keeps its own first tokens). "
                + "Use LengthPolicy.Error and shorter sequences, or Strand.Forward / Strand.Reverse.");
        }
    }

    /// <summary>
    /// The mean of a forward-strand vector and the reverse-complement strand's vector of the same sequence, in forward
    /// coordinates: per-nucleotide vectors of the reverse strand are flipped base by base (blocks of
    /// <paramref name="hiddenSize"/>) first.
    /// </summary>
    public static float[] MeanOfStrands(float[] forward, float[] reverse, Pooling pooling, int hiddenSize, string name)
    {
        if (forward.Length != reverse.Length)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Sequence '{name}' gave a {forward.Length}-value vector forward but {reverse.Length} on its reverse complement; the strands cannot be averaged."));
        }
        var result = new float[forward.Length];
        if (pooling == Pooling.PerNucleotide)
        {
            int bases = forward.Length / hiddenSize;
            for (int b = 0; b < bases; b++)
            {
                int f = b * hiddenSize, r = (bases - 1 - b) * hiddenSize;
                for (int h = 0; h < hiddenSize; h++)
                {
                    result[f + h] = (forward[f + h] + reverse[r + h]) * 0.5f;
                }
            }
            return result;
        }
        for (int j = 0; j < result.Length; j++)
        {
            result[j] = (forward[j] + reverse[j]) * 0.5f;
        }
        return result;
    }
}
