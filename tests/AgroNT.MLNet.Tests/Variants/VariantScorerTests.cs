using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using Parquet;
using TorchSharp;
using AgroNT.MLNet.FillMask;
using AgroNT.MLNet.Variants;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Variants;

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
            $"{Chrom}\t{length + 1}\tpast\tA\tC",
        ]).ToList();
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [] });
        var scores = scorer.Score(fixture.Reference, alleles);
        Assert.Equal(alleles.Count, scores.Count);
        Assert.Equal(
            [VariantStatus.Ok, VariantStatus.Ok, VariantStatus.Indel, VariantStatus.RefMismatch, VariantStatus.MissingContig, VariantStatus.NonAcgt,
             VariantStatus.Mnv, VariantStatus.Ok, VariantStatus.Ok, VariantStatus.Malformed, VariantStatus.Indel, VariantStatus.OutsideContig],
            scores.Select(s => s.Status));
        Assert.All(scores.Where(s => s.Status != VariantStatus.Ok), s => Assert.Null(s.Llr));
        Assert.Equal(3, scorer.MaskedPasses);

        // Position 100 is scored in the window [0, 600) and the contig's last base in [153882, 154478).
        Assert.Equal(DirectLlr(fixture.Sequence[..Window], 99, OtherBase(at100)), scores[7].Llr!.Value, 1e-5);
        Assert.Equal(DirectLlr(fixture.Sequence[153_882..], (int)length - 1 - 153_882, OtherBase(fixture.Sequence[^1])), scores[8].Llr!.Value, 1e-5);

        var table = VariantScorer.ToDataFrame(scores, scorer.Layers);
        Assert.Equal(alleles.Count, table.Rows.Count);
        Assert.Equal("ok", table["status"][7]);
        Assert.Equal("outside_contig", table["status"][11]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(600)]
    public void Score_ContigShorterThanTheWindow_EverySnvScored_LlrEqualsTheModelOnTheWholeContig(int? window)
    {
        // 97 bp of the chloroplast as its own contig: 16 six-mers and one single base, from the contig's first base.
        string contig = fixture.Sequence.Substring(20_000, 97);
        using var folder = new TemporaryFolder();
        string fasta = folder.File("short.fa");
        File.WriteAllText(fasta, $">short97 cut from NC_000932.1\n{contig[..60]}\n{contig[60..]}\n>tiny5\n{contig[..5]}\n");
        using var reference = FastaReference.Open(fasta, writeIndex: false);
        var alleles = Enumerable.Range(1, 97)
            .SelectMany(p => "ACGT".Where(c => c != contig[p - 1]).Select(c => new VariantAllele("short97", p, ".", contig[p - 1].ToString(), c.ToString())))
            .Append(new VariantAllele("short97", 98, ".", "A", "C"))
            .Append(new VariantAllele("tiny5", 3, ".", contig[2].ToString(), OtherBase(contig[2]).ToString()))
            .ToList();

        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = window, Layers = [] });
        var scores = scorer.Score(reference, alleles);

        Assert.All(scores.Take(3 * 97), s => Assert.Equal(VariantStatus.Ok, s.Status));
        Assert.Equal(VariantStatus.OutsideContig, scores[3 * 97].Status);
        Assert.Equal(VariantStatus.TooCloseToEdge, scores[3 * 97 + 1].Status);
        Assert.Equal(17, scorer.MaskedPasses);
        foreach (var score in scores.Take(3 * 97))
        {
            Assert.Equal(DirectLlr(contig, (int)score.Allele.Pos - 1, score.Allele.Alt[0]), score.Llr!.Value, 1e-5);
        }
    }

    [Fact]
    public void Score_NearBothEndsOfALongContig_WindowShiftedInward_LlrEqualsTheModelOnThatWindow()
    {
        long length = fixture.Sequence.Length;
        Assert.Equal(154_478, length);
        var positions = Enumerable.Range(1, 9).Select(p => (long)p).Concat(Enumerable.Range(0, 9).Select(k => length - k)).ToList();
        var alleles = positions.Select(p => Snv(p, OtherBase(fixture.Sequence[(int)p - 1]))).ToList();

        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [] });
        var scores = scorer.Score(fixture.Reference, alleles);

        // The first window is [0, 600); the last starts at 153,882, the first multiple of 6 from which it reaches the
        // contig's end (598 bp later, at least 154,478 - 600): 99 six-mers, then the contig's last two bases as single tokens.
        foreach (var score in scores)
        {
            Assert.Equal(VariantStatus.Ok, score.Status);
            long pos0 = score.Allele.Pos - 1;
            int start = pos0 < Window ? 0 : 153_882;
            string window = pos0 < Window ? fixture.Sequence[..Window] : fixture.Sequence[start..];
            Assert.Equal(DirectLlr(window, (int)pos0 - start, score.Allele.Alt[0]), score.Llr!.Value, 1e-5);
        }
        Assert.Equal(2 + 2 + 2, scorer.MaskedPasses); // six-mers 0-5 and 6-11; the two last bases; the two six-mers before them
    }

    [Fact]
    public void Score_LastBaseOfALongContig_EmbeddingDistancesUseTheShiftedWindow()
    {
        char alt = OtherBase(fixture.Sequence[^1]);
        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [2] });
        var score = Assert.Single(scorer.Score(fixture.Reference, [Snv(fixture.Sequence.Length, alt)]));

        string window = fixture.Sequence[153_882..];
        var embedder = new AgroNTEmbedder(fixture.Model, new AgroNTEmbeddingOptions { Layer = 2 });
        float[] r = embedder.Embed(window), a = embedder.Embed(window[..^1] + alt);
        double dot = 0, rr = 0, aa = 0;
        for (int d = 0; d < r.Length; d++)
        {
            dot += (double)r[d] * a[d];
            rr += (double)r[d] * r[d];
            aa += (double)a[d] * a[d];
        }
        Assert.Equal(dot, score.EmbeddingDot![0], 1e-6 * Math.Abs(dot));
        Assert.Equal(1 - dot / Math.Sqrt(rr * aa), score.EmbeddingCosine![0], 1e-6);
        Assert.True(score.EmbeddingCosine[0] > 0);
    }

    [Fact]
    public void Mutagenesis_AtTheContigsEnd_UsesTheSameShiftedWindow()
    {
        long length = fixture.Sequence.Length;
        var ism = new SaturationMutagenesis(fixture.Model, Window);
        var result = ism.Run(fixture.Reference, new GenomeRegion(Chrom, length - 9, length));
        Assert.Equal(30, result.Scores.Count);
        foreach (var score in result.Scores)
        {
            Assert.Equal(VariantStatus.Ok, score.Status);
            Assert.Equal(DirectLlr(fixture.Sequence[153_882..], (int)(score.Allele.Pos - 1 - 153_882), score.Allele.Alt[0]), score.Llr!.Value, 1e-5);
        }
    }

    [Theory]
    [InlineData(154_478, 5_000, 600, 4_704, 5_304)] // (600 - 6) / 2 / 6 x 6 = 294 bp before the variant's six-mer at 4,998
    [InlineData(154_478, 100, 600, 0, 600)]
    [InlineData(154_478, 154_477, 600, 153_882, 154_478)]
    [InlineData(154_478, 153_882 + 294 + 5, 600, 153_882, 154_478)] // the first six-mer whose full window would pass the end: clipped there
    [InlineData(154_478, 153_876 + 294, 600, 153_876, 154_476)] // the six-mer before it, whose full window still fits
    [InlineData(97, 50, 600, 0, 97)]
    [InlineData(97, 50, 6138, 0, 97)]
    public void Window_Placement(long contigLength, long position, int windowBases, long start, long end)
    {
        Assert.Equal((start, end), VariantWindow.Place(contigLength, position, windowBases));
    }

    [Theory]
    [InlineData(6_136, 24, 6_137)] // whole, 6,137 bp are 1,022 six-mers + 5 bases: 4 six-mers too many, dropped before the variant
    [InlineData(3, 0, 6_113)] // ...or after it, 6 bp at a time: the last run ends in 5 single bases again
    public void Window_FitToTokens_ShrinksTheFartherSide(long position, long start, long end)
    {
        string contig = fixture.Sequence[..6_137];
        var placed = VariantWindow.Place(contig.Length, position, 6_138);
        Assert.Equal((0L, 6_137L), placed);
        Assert.Equal((start, end), VariantWindow.FitToTokens(placed, position, 1_023, (s, e) => Tokens(contig[(int)s..(int)e]).Count));
    }

    [Fact]
    public void Score_WindowHoldingARunOfNs_IsShrunkToFit_AndScored()
    {
        // 300 Ns make 300 tokens: the full window around position 3,500 would hold 428 + 300 + 545 = 1,273 tokens. Trimming
        // 6 bp alternately from the end and the start (each a six-mer, one token) 250 times leaves [1182, 5820).
        string contig = fixture.Sequence[..3_000] + new string('N', 300) + fixture.Sequence[3_300..8_000];
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("gap.fa"), $">gap\n{contig}\n");
        using var reference = FastaReference.Open(folder.File("gap.fa"), writeIndex: false);
        Assert.Equal((432L, 6_570L), VariantWindow.Place(contig.Length, 3_499, 6_138));
        Assert.Equal((1_182L, 5_820L), VariantWindow.FitToTokens((432, 6_570), 3_499, 1_023, (s, e) => Tokens(contig[(int)s..(int)e]).Count));

        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { Layers = [] });
        var score = Assert.Single(scorer.Score(reference, [new VariantAllele("gap", 3_500, ".", contig[3_499].ToString(), OtherBase(contig[3_499]).ToString())]));

        Assert.Equal(VariantStatus.Ok, score.Status);
        Assert.Equal(DirectLlr(contig[1_182..5_820], 3_499 - 1_182, OtherBase(contig[3_499])), score.Llr!.Value, 1e-5);
    }

    [Theory]
    [InlineData(2_994)] // the first of the five single bases that end the run before the Ns
    [InlineData(2_998)]
    [InlineData(3_297)] // the Ns restart the grid: the six-mers after them start at 3,297, not on the genome's grid
    [InlineData(3_299)]
    [InlineData(3_300)]
    public void Score_NextToARunOfNs_MasksTheTokenThatHoldsTheVariant(int position)
    {
        string contig = fixture.Sequence[..2_999] + new string('N', 298) + fixture.Sequence[3_297..8_000];
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("gap.fa"), $">gap\n{contig}\n");
        using var reference = FastaReference.Open(folder.File("gap.fa"), writeIndex: false);
        var alleles = "ACGT".Where(c => c != contig[position]).Select(c => new VariantAllele("gap", position + 1, ".", contig[position].ToString(), c.ToString())).ToList();

        var scorer = new VariantScorer(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [] });
        var scores = scorer.Score(reference, alleles);

        var (start, end) = VariantWindow.Place(contig.Length, position, Window);
        foreach (var score in scores)
        {
            Assert.Equal(VariantStatus.Ok, score.Status);
            Assert.Equal(DirectLlr(contig[(int)start..(int)end], position - (int)start, score.Allele.Alt[0]), score.Llr!.Value, 1e-5);
        }
        Assert.Equal(1, scorer.MaskedPasses);
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

    /// <summary>
    /// The llr computed here from scratch: the window is cut into 6-mers from its first base, then single bases; the
    /// token holding <paramref name="position"/> is replaced by &lt;mask&gt;; the model runs on &lt;cls&gt; and those
    /// tokens; llr = log-softmax at the mask, alt token minus ref token.
    /// </summary>
    private double DirectLlr(string window, int position, char alt)
    {
        var vocabulary = fixture.Model.Tokenizer.Vocabulary;
        var tokens = Tokens(window);
        int index = tokens.FindIndex(t => position >= t.Start && position < t.Start + t.Text.Length);
        string refToken = tokens[index].Text;
        char[] altToken = refToken.ToCharArray();
        altToken[position - tokens[index].Start] = alt;
        long[] ids = [vocabulary.ClsId, .. tokens.Select((token, t) => (long)(t == index ? vocabulary.MaskId : vocabulary.GetId(token.Text)))];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = fixture.Model.Network.Forward(tensor(ids, [1, ids.Length], device: fixture.Model.Device)).Logits;
        float[] logProbabilities = logits[0, index + 1].to(ScalarType.Float32).log_softmax(0).cpu().data<float>().ToArray();
        return logProbabilities[vocabulary.GetId(new string(altToken))] - logProbabilities[vocabulary.GetId(refToken)];
    }

    /// <summary>AgroNT's split, written out here: each run of A/C/G/T is cut into 6-mers from its start, then single bases; an N is a token.</summary>
    private static List<(int Start, string Text)> Tokens(string bases)
    {
        var tokens = new List<(int Start, string Text)>();
        for (int i = 0; i < bases.Length;)
        {
            if (bases[i] == 'N')
            {
                tokens.Add((i, "N"));
                i++;
                continue;
            }
            int runEnd = bases.IndexOf('N', i) is var n and >= 0 ? n : bases.Length;
            for (; i + 6 <= runEnd; i += 6)
            {
                tokens.Add((i, bases.Substring(i, 6)));
            }
            for (; i < runEnd; i++)
            {
                tokens.Add((i, bases[i].ToString()));
            }
        }
        return tokens;
    }
}
