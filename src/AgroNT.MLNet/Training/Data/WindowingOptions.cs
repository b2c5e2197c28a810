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
