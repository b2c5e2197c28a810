using AgroNT.MLNet.Training.FineTuning;

namespace AgroNT.MLNet.Variants;

/// <summary>
/// In-silico saturation mutagenesis with a fine-tuned head, as the AgroNT paper defines it: the region's sequence is the
/// model's input, and every single-base mutant scores <c>log2(prediction_mutant / prediction_reference)</c> for one
/// output of the head. 3L + 1 sequences are predicted for L bp, batched. A ratio that is not positive (possible for
/// regression heads) gives NaN.
/// </summary>
public sealed class FineTunedMutagenesis
{
    private readonly FineTunedModel _model;
    private readonly int _outputIndex;
    private readonly int _batchSize;
    private long _predictions;

    /// <summary>Creates the mutagenesis over a fine-tuned model.</summary>
    /// <param name="model">The fine-tuned model.</param>
    /// <param name="outputIndex">Which head output to score (0 for binary and single-value regression).</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    public FineTunedMutagenesis(FineTunedModel model, int outputIndex = 0, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(outputIndex, model.OutputCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (model.Model.Tokenizer is not Transforms.Tokenization.KmerTokenizer)
        {
            throw new NotSupportedException("In-silico mutagenesis substitutes nucleotides of a genome region and needs a k-mer (AgroNT-style) model; this model has a protein vocabulary.");
        }
        _model = model;
        _outputIndex = outputIndex;
        _batchSize = batchSize;
    }

    /// <summary>Sequences predicted so far (3L + 1 per region of L bp).</summary>
    public long Predictions => Interlocked.Read(ref _predictions);

    /// <summary>Scores every single-base substitution of <paramref name="region"/>; the score column is <c>log2_ratio</c>.</summary>
    /// <exception cref="ArgumentException">The region's contig is missing or the region runs past its end.</exception>
    public MutagenesisResult Run(FastaReference reference, GenomeRegion region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(region);
        long? length = reference.GetLength(region.Chrom);
        if (length is null || region.End > length)
        {
            throw new ArgumentException(length is null ? $"The reference has no contig '{region.Chrom}'." : $"{region} runs past the end of {region.Chrom} ({length} bp).", nameof(region));
        }
        string bases = reference.Fetch(region.Chrom, region.Start - 1, region.End);
        var alleles = new List<VariantAllele>();
        var sequences = new List<string> { bases };
        for (int i = 0; i < bases.Length; i++)
        {
            foreach (char alt in MutagenesisResult.Bases.Where(b => b != bases[i]))
            {
                alleles.Add(new VariantAllele(region.Chrom, region.Start + i, ".", bases[i].ToString(), alt.ToString()));
                char[] mutant = bases.ToCharArray();
                mutant[i] = alt;
                sequences.Add(new string(mutant));
            }
        }
        var predictions = _model.Predict(sequences, _batchSize, cancellationToken);
        Interlocked.Add(ref _predictions, sequences.Count);
        double referencePrediction = predictions[0][_outputIndex];
        var scores = alleles.Select((a, i) =>
        {
            double ratio = predictions[i + 1][_outputIndex] / referencePrediction;
            return new VariantScore(a, VariantStatus.Ok, ratio > 0 ? Math.Log2(ratio) : double.NaN, null, null);
        }).ToList();
        return new MutagenesisResult(region, bases, scores, "log2_ratio");
    }
}
