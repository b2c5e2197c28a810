using AgroNT.Transforms.Embeddings;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Analysis.Variants;

/// <summary>
/// Zero-shot in-silico saturation mutagenesis: the <c>llr</c> of all three alternatives at every base of a region. It
/// runs through <see cref="VariantScorer"/>, so each 6-mer token of the region costs one masked window (about L/6 for
/// L bp), batched, and the windows are placed as there: at a contig's ends they are shifted inward, so every base of a
/// region is scored.
/// </summary>
public sealed class SaturationMutagenesis
{
    private readonly VariantScorer _scorer;

    /// <summary>Creates the mutagenesis over a loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="windowBases">Window in bp around each token; null = the model's full window.</param>
    /// <param name="batchSize">Masked windows per forward pass.</param>
    /// <param name="strand">The strand scored, as <see cref="VariantScoringOptions.Strand"/> defines it; the table and
    /// heatmap are in forward coordinates whatever the strand.</param>
    public SaturationMutagenesis(AgroNTModel model, int? windowBases = null, int batchSize = 8, Strand strand = Strand.Forward)
    {
        _scorer = new VariantScorer(model, new VariantScoringOptions { WindowBases = windowBases, Layers = [], BatchSize = batchSize, Strand = strand });
    }

    /// <summary>The scorer used, with its pass counters.</summary>
    public VariantScorer Scorer => _scorer;

    /// <summary>Scores every single-base substitution of <paramref name="region"/>.</summary>
    /// <exception cref="ArgumentException">The region's contig is missing or the region runs past its end.</exception>
    public MutagenesisResult Run(FastaReference reference, GenomeRegion region, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
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
        for (int i = 0; i < bases.Length; i++)
        {
            foreach (char alt in MutagenesisResult.Bases)
            {
                if (alt != bases[i])
                {
                    alleles.Add(new VariantAllele(region.Chrom, region.Start + i, ".", bases[i].ToString(), alt.ToString()));
                }
            }
        }
        return new MutagenesisResult(region, bases, _scorer.Score(reference, alleles, progress, cancellationToken));
    }
}

/// <summary>The output of <see cref="SaturationMutagenesis.Run"/>: one score per substitution, a table and a heatmap.</summary>
public sealed class MutagenesisResult
{
    /// <summary>The substituted bases, in heatmap row order.</summary>
    public const string Bases = "ACGT";

    internal MutagenesisResult(GenomeRegion region, string referenceBases, IReadOnlyList<VariantScore> scores, string scoreName = "llr")
    {
        Region = region;
        ReferenceBases = referenceBases;
        Scores = scores;
        ScoreName = scoreName;
    }

    /// <summary>What <see cref="VariantScore.Llr"/> holds: <c>llr</c> (zero-shot) or <c>log2_ratio</c> (fine-tuned head).</summary>
    public string ScoreName { get; }

    /// <summary>The region.</summary>
    public GenomeRegion Region { get; }

    /// <summary>The reference bases of the region.</summary>
    public string ReferenceBases { get; }

    /// <summary>One score per substitution, by position then alternative base.</summary>
    public IReadOnlyList<VariantScore> Scores { get; }

    /// <summary>The table: chrom, pos, id, ref, alt, status, then the score column named <see cref="ScoreName"/>.</summary>
    public DataFrame ToDataFrame()
    {
        var table = VariantScorer.ToDataFrame(Scores, []);
        table.Columns["llr"].SetName(ScoreName);
        return table;
    }

    /// <summary>
    /// A heatmap PNG, one row per base (A, C, G, T top to bottom) and one column per position: red for score &gt; 0, blue for
    /// score &lt; 0 (intensity scaled to the largest |score|), the reference base black, unscored cells grey.
    /// </summary>
    public byte[] RenderHeatmap()
    {
        int positions = ReferenceBases.Length;
        int cell = Math.Clamp(1200 / Math.Max(positions, 1), 1, 16);
        int width = positions * cell, height = Bases.Length * 16;
        var rgb = new byte[width * height * 3];
        double max = Scores.Where(s => s.Llr is { } v && double.IsFinite(v)).Select(s => Math.Abs(s.Llr!.Value)).DefaultIfEmpty(0).Max();
        var byCell = Scores.ToDictionary(s => (s.Allele.Pos, s.Allele.Alt[0]), s => s.Llr);
        for (int p = 0; p < positions; p++)
        {
            for (int b = 0; b < Bases.Length; b++)
            {
                int color;
                if (Bases[b] == ReferenceBases[p])
                {
                    color = 0x000000;
                }
                else if (!byCell.TryGetValue((Region.Start + p, Bases[b]), out double? llr) || llr is null || !double.IsFinite(llr.Value))
                {
                    color = 0xC0C0C0;
                }
                else
                {
                    int fade = (int)Math.Round(255 * (1 - (max == 0 ? 0 : Math.Min(1, Math.Abs(llr.Value) / max))));
                    color = llr.Value >= 0 ? (0xFF << 16) | (fade << 8) | fade : (fade << 16) | (fade << 8) | 0xFF;
                }
                for (int y = b * 16; y < (b + 1) * 16; y++)
                {
                    for (int x = p * cell; x < (p + 1) * cell; x++)
                    {
                        int at = (y * width + x) * 3;
                        rgb[at] = (byte)(color >> 16);
                        rgb[at + 1] = (byte)(color >> 8);
                        rgb[at + 2] = (byte)color;
                    }
                }
            }
        }
        return Plots.EncodeRgbPng(width, height, rgb);
    }

    /// <summary>Writes <see cref="RenderHeatmap"/> to <paramref name="path"/>.</summary>
    public void SaveHeatmap(string path)
    {
        using var file = StagedFile.Create(path);
        file.Stream.Write(RenderHeatmap());
        file.Commit();
    }
}
