namespace AgroNT.MLNet.Training;

/// <summary>
/// BERT-style masking as AgroNT was pretrained: each real token (never <c>&lt;cls&gt;</c>, <c>&lt;pad&gt;</c> or another
/// special token) is selected with probability <see cref="SelectionProbability"/>; a selected token becomes
/// <c>&lt;mask&gt;</c> with probability <see cref="MaskTokenFraction"/>, a random non-special token with probability
/// <see cref="RandomTokenFraction"/>, and stays unchanged otherwise. The loss is computed on selected tokens only.
/// </summary>
public sealed record MaskingOptions
{
    /// <summary>AgroNT's recipe: 15% selected, of those 80% masked, 10% random, 10% unchanged.</summary>
    public static MaskingOptions AgroNT { get; } = new();

    /// <summary>Probability that a real token is selected for the loss (AgroNT: 0.15).</summary>
    public double SelectionProbability { get; init; } = 0.15;

    /// <summary>Share of selected tokens replaced by <c>&lt;mask&gt;</c> (AgroNT: 0.8).</summary>
    public double MaskTokenFraction { get; init; } = 0.8;

    /// <summary>Share of selected tokens replaced by a uniformly drawn non-special token (AgroNT: 0.1); the rest stay unchanged.</summary>
    public double RandomTokenFraction { get; init; } = 0.1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a probability is outside [0, 1] or the two fractions add up to more than 1.</summary>
    public void Validate()
    {
        static void Probability(double value, string name)
        {
            if (!(value >= 0 && value <= 1))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1].");
            }
        }
        Probability(SelectionProbability, nameof(SelectionProbability));
        Probability(MaskTokenFraction, nameof(MaskTokenFraction));
        Probability(RandomTokenFraction, nameof(RandomTokenFraction));
        if (MaskTokenFraction + RandomTokenFraction > 1 + 1e-12)
        {
            throw new ArgumentOutOfRangeException(nameof(RandomTokenFraction), RandomTokenFraction,
                $"{nameof(MaskTokenFraction)} + {nameof(RandomTokenFraction)} must not exceed 1 (got {MaskTokenFraction + RandomTokenFraction}).");
        }
    }
}
