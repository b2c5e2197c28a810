using AgroNT.MLNet.Visualization;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.IO;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Variants;

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

    /// <summary>The colour of a reference-base cell in <see cref="RenderHeatmap"/> (near black).</summary>
    public const int ReferenceCellColor = 0x262626;

    /// <summary>The colour of a substitution without a score (grey).</summary>
    public const int UnscoredCellColor = 0xD3D3D3;

    /// <summary>
    /// A heatmap chart as PNG bytes: one row per substituted base (A, C, G, T top to bottom, labelled), one column per
    /// position on a genome-coordinate axis whose tick spacing adapts to the region's length, a diverging colour map
    /// (blue below 0, white at 0, red above) symmetric about 0 up to the largest |score|, with a labelled colour bar
    /// on the right; each column's reference base is a dark cell (<see cref="ReferenceCellColor"/>) and unscored
    /// substitutions are grey (<see cref="UnscoredCellColor"/>).
    /// </summary>
    /// <param name="width">Image width in pixels; default grows with the region (8 px a base, 900 to 2,400).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <returns>The PNG file's bytes.</returns>
    public byte[] RenderHeatmap(int? width = null, int height = 380)
    {
        int positions = ReferenceBases.Length;
        int imageWidth = width ?? Math.Clamp(300 + 8 * positions, 900, 2400);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 200, nameof(width));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 160);
        var byCell = Scores.ToDictionary(s => (s.Allele.Pos, s.Allele.Alt[0]), s => s.Llr);
        var values = new double[Bases.Length, positions];
        var reference = new double[Bases.Length, positions];
        for (int p = 0; p < positions; p++)
        {
            for (int b = 0; b < Bases.Length; b++)
            {
                bool isReference = Bases[b] == char.ToUpperInvariant(ReferenceBases[p]);
                reference[b, p] = isReference ? 0 : double.NaN;
                values[b, p] = !isReference && byCell.TryGetValue((Region.Start + p, Bases[b]), out double? score) && score is { } v && double.IsFinite(v) ? v : double.NaN;
            }
        }
        double max = values.Cast<double>().Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        double limit = max > 0 ? max : 1;
        // Row 0 (A) is drawn at the top; cell centres sit on whole positions and on rows y = 3 (A) .. 0 (T).
        var extent = new ScottPlot.CoordinateRect(Region.Start - 0.5, Region.End + 0.5, -0.5, Bases.Length - 0.5);
        using var chart = new ScottPlot.Plot();
        var heatmap = chart.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Balance();
        heatmap.ManualRange = new ScottPlot.Range(-limit, limit);
        heatmap.NaNCellColor = ToColor(UnscoredCellColor);
        heatmap.Extent = extent;
        var referenceLayer = chart.Add.Heatmap(reference);
        referenceLayer.Colormap = new ScottPlot.Colormaps.Custom([ToColor(ReferenceCellColor), ToColor(ReferenceCellColor)], false);
        referenceLayer.ManualRange = new ScottPlot.Range(0, 1);
        referenceLayer.NaNCellColor = ScottPlot.Colors.Transparent;
        referenceLayer.Extent = extent;
        var colorBar = chart.Add.ColorBar(heatmap, ScottPlot.Edge.Right);
        colorBar.Label = ScoreName == "llr" ? "llr = log P(alt) - log P(ref)" : $"{ScoreName} = log2(prediction alt / prediction ref)";
        chart.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, Bases.Length).Select(b => (double)(Bases.Length - 1 - b))], [.. Bases.Select(c => c.ToString())]);
        chart.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = x => x.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            IntegerTicksOnly = true,
        };
        chart.Axes.SetLimits(extent.Left, extent.Right, extent.Bottom, extent.Top);
        chart.Title($"In-silico mutagenesis of {Region} ({positions:N0} bp): {ScoreName}; dark cells = reference base, grey = not scored");
        chart.XLabel($"position on {Region.Chrom} (bp, 1-based)");
        chart.YLabel("substituted base");
        return Plots.RenderPng(chart, imageWidth, height);
    }

    private static ScottPlot.Color ToColor(int rgb) => new((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);

    /// <summary>Writes <see cref="RenderHeatmap"/> to <paramref name="path"/>.</summary>
    public void SaveHeatmap(string path)
    {
        using var file = StagedFile.Create(path);
        file.Stream.Write(RenderHeatmap());
        file.Commit();
    }
}
