namespace AgroNT.MLNet.Training.Data;

/// <summary>
/// How genomes are cut into training windows. AgroNT's pretraining data (the Nucleotide Transformer dataset scripts):
/// windows of 6,200 bp with 100 bp of overlap on each side, so consecutive windows start 6,000 bp apart and share 200 bp;
/// non-ACGT letters become <c>N</c>. A 6,200 bp window of clean DNA is 1,034 6-mers, so with <c>&lt;cls&gt;</c> it is
/// truncated to the model's 1,024 tokens, as AgroNT's pipeline did.
/// </summary>
public sealed record WindowingOptions
{
    /// <summary>AgroNT's windows.</summary>
    public static WindowingOptions AgroNT { get; } = new();

    /// <summary>Bases per window (AgroNT: 6,200).</summary>
    public int WindowLength { get; init; } = 6200;

    /// <summary>Bases of overlap on each side (AgroNT: 100): consecutive windows start <c>WindowLength - 2 x Overlap</c> apart.</summary>
    public int Overlap { get; init; } = 100;

    /// <summary>
    /// Windows whose share of <c>N</c> (after normalisation) is above this are skipped: assembly gaps and hard-masked
    /// repeats teach nothing. 1 keeps everything.
    /// </summary>
    public double MaxAmbiguousFraction { get; init; } = 0.5;

    /// <summary>Windows shorter than this (the ends of short records) are skipped.</summary>
    public int MinWindowLength { get; init; } = 60;

    /// <summary>
    /// When true, every training epoch moves each region's window grid by its own random offset in [0, <see cref="Stride"/>),
    /// drawn from the run's seed, the epoch and the region (so a resumed run cuts the same windows). Validation windows
    /// never move. AgroNT cut its corpus once (off, the default, is its recipe); a small corpus read for many epochs
    /// otherwise shows the model the same 6-mers at the same window positions every time, which it memorises. Shifted
    /// grids change both the window boundaries and the 6-mer reading frame (six tokenizations of every region).
    /// </summary>
    /// <remarks>With an offset <c>s</c>, a region is cut into a leading window <c>[0, s + 2 x Overlap)</c> (skipped when
    /// shorter than <see cref="MinWindowLength"/>) and windows starting at <c>s</c>, <c>s + Stride</c>, ...; a region no
    /// longer than one window starts at <c>s mod 6</c> instead (only its reading frame moves).</remarks>
    public bool ShiftEachEpoch { get; init; }

    /// <summary>The distance between window starts.</summary>
    public int Stride => WindowLength - 2 * Overlap;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values that cannot cut windows.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(WindowLength, 1, nameof(WindowLength));
        ArgumentOutOfRangeException.ThrowIfNegative(Overlap, nameof(Overlap));
        if (Stride < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, $"2 x Overlap must be smaller than WindowLength ({WindowLength}).");
        }
        if (!(MaxAmbiguousFraction >= 0 && MaxAmbiguousFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAmbiguousFraction), MaxAmbiguousFraction, "The fraction must lie in [0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MinWindowLength, 1, nameof(MinWindowLength));
    }
}
