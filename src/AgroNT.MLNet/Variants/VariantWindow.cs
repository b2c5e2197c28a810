namespace AgroNT.MLNet.Variants;

/// <summary>
/// Where the scoring window around a variant lies on its contig: the one placement that variant scoring and in-silico
/// mutagenesis share (see <see cref="VariantScorer"/> for the rule in words).
/// </summary>
internal static class VariantWindow
{
    /// <summary>Bases per token on the genome's grid (AgroNT's 6-mers).</summary>
    public const int K = 6;

    /// <summary>
    /// The window, 0-based half-open <c>[Start, End)</c>, for the variant at 0-based <paramref name="position"/> of a
    /// contig of <paramref name="contigLength"/> bases, before it is fitted to the model's tokens (<see cref="FitToTokens"/>).
    /// </summary>
    /// <param name="contigLength">The contig's length, at least <see cref="K"/>.</param>
    /// <param name="position">The variant's 0-based position, below <paramref name="contigLength"/>.</param>
    /// <param name="windowBases">The window's length in bp.</param>
    /// <remarks>
    /// The window always starts on the grid (a multiple of 6 from the contig's first base), so tokens are the genome's
    /// 6-mers. Away from the ends, the variant's 6-mer sits <c>floor((W - 6) / 2 / 6) x 6</c> bp after the window's start.
    /// Near the start, the window starts at the contig's first base; near the end, it starts at the first grid position
    /// from which it reaches the contig's last base (so it is up to 5 bp shorter than W); a contig of at most W bp is
    /// used whole.
    /// </remarks>
    public static (long Start, long End) Place(long contigLength, long position, int windowBases)
    {
        long tokenStart = position - position % K;
        long before = (windowBases - K) / 2 / K * K;
        long start = contigLength <= windowBases ? 0 : Math.Clamp(tokenStart - before, 0, CeilingToGrid(contigLength - windowBases));
        return (start, Math.Min(start + windowBases, contigLength));
    }

    /// <summary>
    /// Shrinks a window whose tokens exceed <paramref name="maxTokens"/>, 6 bp at a time from the side farther from the
    /// variant's 6-mer (the end on a tie), the start staying on the grid.
    /// </summary>
    /// <param name="window">The window from <see cref="Place"/>.</param>
    /// <param name="position">The variant's 0-based position.</param>
    /// <param name="maxTokens">The most sequence tokens (without <c>&lt;cls&gt;</c>) the model takes.</param>
    /// <param name="countTokens">The tokens of the bases in <c>[start, end)</c>.</param>
    /// <remarks>
    /// A window of A/C/G/T only fits unless it ends at the contig's end with single-base tokens and is within 30 bp of
    /// the model's window. Each N is a token of its own and restarts the 6-mer grid, so a window holding a run of Ns can
    /// hold far more tokens than its length suggests; it is shrunk until it fits. Trimming 6 bp removes from 1 to 6
    /// tokens, so the steps are taken in batches no larger than the excess allows before counting again.
    /// </remarks>
    public static (long Start, long End) FitToTokens((long Start, long End) window, long position, int maxTokens, Func<long, long, int> countTokens)
    {
        var (start, end) = window;
        long tokenStart = position - position % K;
        for (int excess = countTokens(start, end) - maxTokens; excess > 0; excess = countTokens(start, end) - maxTokens)
        {
            for (int step = 0; step < Math.Max(1, excess / K); step++)
            {
                long left = tokenStart - start, right = end - (tokenStart + K);
                if (right > 0 && right >= left)
                {
                    end -= Math.Min(K, right);
                }
                else if (left > 0)
                {
                    start += K;
                }
                else
                {
                    return (start, end); // the variant's token alone
                }
            }
        }
        return (start, end);
    }

    /// <summary>Tokens of <paramref name="bases"/> A/C/G/T bases tokenized from a grid position: 6-mers, then single bases.</summary>
    public static long TokenCount(long bases) => bases / K + bases % K;

    private static long CeilingToGrid(long position) => (position + K - 1) / K * K;
}
