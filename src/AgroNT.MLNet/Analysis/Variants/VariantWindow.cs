namespace AgroNT.MLNet.Analysis.Variants;

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
    /// contig of <paramref name="contigLength"/> bases.
    /// </summary>
    /// <param name="contigLength">The contig's length, at least <see cref="K"/>.</param>
    /// <param name="position">The variant's 0-based position, below <paramref name="contigLength"/>.</param>
    /// <param name="windowBases">The window's length in bp; its tokens (<see cref="TokenCount"/>) must fit <paramref name="maxTokens"/>.</param>
    /// <param name="maxTokens">The most sequence tokens (without <c>&lt;cls&gt;</c>) the model takes.</param>
    /// <remarks>
    /// The window always starts on the grid (a multiple of 6 from the contig's first base), so tokens are the genome's
    /// 6-mers. Away from the ends, the variant's 6-mer sits <c>floor((W - 6) / 2 / 6) x 6</c> bp after the window's start.
    /// Near the start, the window starts at the contig's first base; near the end, it starts at the first grid position
    /// from which it reaches the contig's last base (so it is up to 5 bp shorter than W); a contig of at most W bp is
    /// used whole. A window ending at the contig's end ends with <c>length mod 6</c> single-base tokens; should that
    /// make more tokens than the model takes (a window within 30 bp of the model's), whole 6-mers are dropped from the
    /// side away from the variant.
    /// </remarks>
    public static (long Start, long End) Place(long contigLength, long position, int windowBases, int maxTokens)
    {
        long tokenStart = position - position % K;
        long before = (windowBases - K) / 2 / K * K;
        long start = contigLength <= windowBases ? 0 : Math.Clamp(tokenStart - before, 0, CeilingToGrid(contigLength - windowBases));
        long end = Math.Min(start + windowBases, contigLength);
        long excess = TokenCount(end - start) - maxTokens;
        if (excess > 0)
        {
            if (tokenStart >= start + excess * K)
            {
                start += excess * K;
            }
            else
            {
                end = start + (end - start) / K * K;
            }
        }
        return (start, end);
    }

    /// <summary>Tokens of <paramref name="bases"/> A/C/G/T bases tokenized from a grid position: 6-mers, then single bases.</summary>
    public static long TokenCount(long bases) => bases / K + bases % K;

    private static long CeilingToGrid(long position) => (position + K - 1) / K * K;
}
