using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// How the rows of the hidden state an encoder layer receives are arranged, and so which rows may attend to which.
/// <list type="bullet">
/// <item><b>Padded</b>: <c>[B, T, H]</c>, every sequence right-padded to <c>T</c>; an additive mask <c>[B, 1, 1, T]</c>
/// hides the padding, or none when no position is padding.</item>
/// <item><b>Packed</b>: <c>[N, H]</c>, the sequences' real tokens end to end (<c>N</c> = the sum of
/// <see cref="PackedLengths"/>); each sequence attends only to its own rows. No padding is computed, and the projections
/// run as one product over all <c>N</c> rows however different the lengths are.</item>
/// </list>
/// </summary>
internal sealed class AttentionLayout
{
    private AttentionLayout(Tensor? additiveMask, long[]? packedLengths)
    {
        AdditiveMask = additiveMask;
        PackedLengths = packedLengths;
    }

    /// <summary>The additive mask of a padded batch, or <see langword="null"/> (no padding, or a packed layout).</summary>
    public Tensor? AdditiveMask { get; }

    /// <summary>The lengths of the packed sequences, in row order; <see langword="null"/> for a padded batch.</summary>
    public long[]? PackedLengths { get; }

    /// <summary>Whether the rows are packed sequences rather than a padded batch.</summary>
    public bool IsPacked => PackedLengths is not null;

    /// <summary>A padded batch, with its additive mask or none.</summary>
    public static AttentionLayout Padded(Tensor? additiveMask) => new(additiveMask, null);

    /// <summary>Sequences of the given lengths packed end to end.</summary>
    /// <exception cref="ArgumentException">No length is given, or one is not positive.</exception>
    public static AttentionLayout Packed(long[] lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Length == 0 || lengths.Any(length => length <= 0))
        {
            throw new ArgumentException("Packed sequences need at least one sequence, each of at least one token.", nameof(lengths));
        }
        return new(null, lengths);
    }

    /// <summary>
    /// The packed sequences grouped into runs of equal length, in row order: (first row, sequences, length). A run
    /// attends as one batch of <c>sequences</c> rows, so a pack of equal lengths costs one kernel call, not one per sequence.
    /// </summary>
    public IEnumerable<(long Start, int Count, long Length)> EqualLengthRuns()
    {
        var lengths = PackedLengths ?? throw new InvalidOperationException("A padded batch has no packed runs.");
        long start = 0;
        for (int i = 0; i < lengths.Length;)
        {
            int j = i + 1;
            while (j < lengths.Length && lengths[j] == lengths[i])
            {
                j++;
            }
            yield return (start, j - i, lengths[i]);
            start += (j - i) * lengths[i];
            i = j;
        }
    }
}
