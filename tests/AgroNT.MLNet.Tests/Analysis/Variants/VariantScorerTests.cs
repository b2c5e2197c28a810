using AgroNT.MLNet.Analysis;
using AgroNT.MLNet.Analysis.Variants;
using AgroNT.Tests.Common;
using Parquet;

namespace AgroNT.MLNet.Tests.Analysis.Variants;

/// <summary>Loads the tiny model once for the scorer tests.</summary>
public sealed class TinyModelFixture : IDisposable
{
    /// <summary>The model.</summary>
    public AgroNTModel Model { get; } = AgroNTModel.Load(SharedData.TinyModel);

    /// <summary>The chloroplast reference (indexed in memory: shared data is never written).</summary>
    public FastaReference Reference { get; } = FastaReference.Open(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), writeIndex: false);

    /// <summary>Its sequence, read naively.</summary>
    public string Sequence { get; } = FastaReferenceTests.WholeSequence(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"));

    /// <inheritdoc/>
    public void Dispose()
    {
        Reference.Dispose();
        Model.Dispose();
    }
}

public sealed class VariantScorerTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string Chrom = "NC_000932.1";
    private const int Window = 600;

    private VariantAllele Snv(long pos, char alt) => new(Chrom, pos, ".", fixture.Sequence[(int)pos - 1].ToString(), alt.ToString());

    private static char OtherBase(char c) => c == 'A' ? 'G' : 'A';

    [Fact]
    public void Llr_AltEqualsRef_IsZero_AndEmbeddingsAgree()
    {
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window });
        var score = Assert.Single(scorer.Score(fixture.Reference, [Snv(5000, fixture.Sequence[4999])]));
        Assert.Equal(VariantStatus.Ok, score.Status);
        Assert.Equal(0.0, score.Llr);
        Assert.All(score.EmbeddingCosine!, c => Assert.Equal(0.0, c, 1e-9));
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(12_345)]
    public void Llr_EqualsLogProbabilityDifferenceFromFillMask(long pos)
    {
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [] });
        char alt = OtherBase(fixture.Sequence[(int)pos - 1]);
        var score = Assert.Single(scorer.Score(fixture.Reference, [Snv(pos, alt)]));

        // The same window and masked token, through fill-mask.
        long pos0 = pos - 1, tokenStart = pos0 - pos0 % 6, start = tokenStart - (Window - 6) / 2 / 6 * 6;
        string window = fixture.Sequence.Substring((int)start, Window);
        int tokenOffset = (int)(tokenStart - start);
        string refToken = window.Substring(tokenOffset, 6);
        char[] altToken = refToken.ToCharArray();
        altToken[(int)(pos0 - tokenStart)] = alt;
        string masked = window[..tokenOffset] + MaskFiller.MaskMarker + window[(tokenOffset + 6)..];
        var predictions = new MaskFiller(fixture.Model).Predict(masked, fixture.Model.Config.VocabSize)[0];
        double pRef = predictions.Single(p => p.Token == refToken).Score;
        double pAlt = predictions.Single(p => p.Token == new string(altToken)).Score;
        Assert.Equal(Math.Log(pAlt) - Math.Log(pRef), score.Llr!.Value, 1e-5);
        Assert.Equal(1, scorer.MaskedPasses);
    }

    [Fact]
    public void Score_EdgeCases_GetStatuses_NoneDropped()
    {
        long length = fixture.Sequence.Length;
        char at100 = fixture.Sequence[99];
        var alleles = VcfReader.Parse(
        [
            "#CHROM\tPOS\tID\tREF\tALT",
            $"{Chrom}\t3000\tmulti\t{fixture.Sequence[2999]}\t{string.Concat("ACGT".Where(c => c != fixture.Sequence[2999]))[0]},{string.Concat("ACGT".Where(c => c != fixture.Sequence[2999]))[1]}",
            $"{Chrom}\t3010\tdel\t{fixture.Sequence.Substring(3009, 2)}\t{fixture.Sequence[3009]}",
            $"{Chrom}\t3020\tmismatch\t{OtherBase(fixture.Sequence[3019])}\tC",
            $"chrZ\t3030\tcontig\tA\tC",
            $"{Chrom}\t3040\tn\t{fixture.Sequence[3039]}\tN",
            $"{Chrom}\t3050\tmnv\t{fixture.Sequence.Substring(3049, 2)}\tAA",
            $"{Chrom}\t100\tedge\t{at100}\t{OtherBase(at100)}",
            $"{Chrom}\t{length}\tend\t{fixture.Sequence[^1]}\t{OtherBase(fixture.Sequence[^1])}",
            $"{Chrom}\tx\tbad\tA\tC",
            $"{Chrom}\t3060\tsv\t{fixture.Sequence[3059]}\t<DEL>",
        ]).ToList();
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [] });
        var scores = scorer.Score(fixture.Reference, alleles);
        Assert.Equal(alleles.Count, scores.Count);
        Assert.Equal(
            [VariantStatus.Ok, VariantStatus.Ok, VariantStatus.Indel, VariantStatus.RefMismatch, VariantStatus.MissingContig, VariantStatus.NonAcgt,
             VariantStatus.Mnv, VariantStatus.TooCloseToEdge, VariantStatus.TooCloseToEdge, VariantStatus.Malformed, VariantStatus.Indel],
            scores.Select(s => s.Status));
        Assert.All(scores.Where(s => s.Status != VariantStatus.Ok), s => Assert.Null(s.Llr));
        Assert.Equal(1, scorer.MaskedPasses);

        var table = VariantScorer.ToDataFrame(scores, scorer.Layers);
        Assert.Equal(alleles.Count, table.Rows.Count);
        Assert.Equal("too_close_to_edge", table["status"][7]);
    }

    [Fact]
    public void Score_VariantsSharingAToken_ShareOnePass_AndBatch()
    {
        // Positions 6001-6006 are one token (0-based 6000-6005); 6007 starts the next one.
        var alleles = Enumerable.Range(6001, 7).SelectMany(p => "ACGT".Where(c => c != fixture.Sequence[p - 1]).Select(c => Snv(p, c))).ToList();
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [1] });
        var scores = scorer.Score(fixture.Reference, alleles);
        Assert.All(scores, s => Assert.Equal(VariantStatus.Ok, s.Status));
        Assert.Equal(2, scorer.MaskedPasses);
        Assert.Equal(1, scorer.ForwardCalls);
        Assert.All(scores, s => Assert.True(s.EmbeddingCosine![0] >= -1e-9));
    }

    [Fact]
    public void DefaultLayers_ScaleThePapersLayers()
    {
        Assert.Equal([11, 21, 31, 40], VariantScorer.DefaultLayers(40));
        Assert.Equal([1, 2], VariantScorer.DefaultLayers(2));
        Assert.Equal([1, 2], new VariantScorer(fixture.Model).Layers);
    }

    [Fact]
    public async Task Mutagenesis_RunsAboutOnePassPerToken_WritesTableAndHeatmap()
    {
        const int length = 60;
        var ism = new SaturationMutagenesis(fixture.Model, Window);
        var result = ism.Run(fixture.Reference, new GenomeRegion(Chrom, 20_001, 20_000 + length));
        Assert.Equal(3 * length, result.Scores.Count);
        Assert.All(result.Scores, s => Assert.Equal(VariantStatus.Ok, s.Status));
        Assert.InRange(ism.Scorer.MaskedPasses, length / 6, length / 6 + 1);

        byte[] png = result.RenderHeatmap();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        using var folder = new TemporaryFolder();
        VariantTableWriter.Write(result.ToDataFrame(), folder.File("ism.tsv"));
        var lines = File.ReadAllLines(folder.File("ism.tsv"));
        Assert.Equal("chrom\tpos\tid\tref\talt\tstatus\tllr", lines[0]);
        Assert.Equal(3 * length + 1, lines.Length);

        VariantTableWriter.Write(result.ToDataFrame(), folder.File("ism.parquet"));
        await using var stream = File.OpenRead(folder.File("ism.parquet"));
        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(3 * length, reader.Metadata!.NumRows);
        Assert.Contains("llr", reader.Schema.GetDataFields().Select(f => f.Name));
    }
}
