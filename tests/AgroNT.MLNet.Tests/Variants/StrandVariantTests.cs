using AgroNT.MLNet.Variants;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;

namespace AgroNT.MLNet.Tests.Variants;

public sealed class StrandVariantTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Window = 300;

    private static char Complement(char c) => c switch { 'A' => 'T', 'C' => 'G', 'G' => 'C', 'T' => 'A', _ => c };

    // 1,500 bp of the chloroplast as contig "seg", and its reverse complement written as a contig of its own, "seg_rc".
    private sealed class Strands : IDisposable
    {
        private readonly TemporaryFolder _folder = new();

        public Strands(string sequence)
        {
            Segment = sequence.Substring(40_000, 1_500);
            string fasta = _folder.File("strands.fa");
            File.WriteAllText(fasta, $">seg\n{Segment}\n>seg_rc\n{Dna.ReverseComplement(Segment)}\n");
            Reference = FastaReference.Open(fasta, writeIndex: false);
        }

        public string Segment { get; }

        public FastaReference Reference { get; }

        public void Dispose()
        {
            Reference.Dispose();
            _folder.Dispose();
        }
    }

    private static List<VariantAllele> Alleles(string segment) =>
        [.. new long[] { 1, 3, 200, 733, 734, 1_000, 1_497, 1_500 }
            .SelectMany(p => "ACGT".Where(c => c != segment[(int)p - 1]).Take(2).Select(c => new VariantAllele("seg", p, ".", segment[(int)p - 1].ToString(), c.ToString())))];

    // The allele as it reads on the other strand: position L - p + 1 of the reverse complement, complemented bases.
    private static VariantAllele OnReverseContig(VariantAllele a, int length) =>
        a with { Chrom = "seg_rc", Pos = length - a.Pos + 1, Ref = Complement(a.Ref[0]).ToString(), Alt = Complement(a.Alt[0]).ToString() };

    private VariantScorer Scorer(Strand strand) =>
        new(fixture.Model, new VariantScoringOptions { WindowBases = Window, Layers = [1, 2], Strand = strand });

    [Fact]
    public void Reverse_EqualsForwardScoresOfTheComplementedAlleleOnTheReverseComplementedContig()
    {
        using var strands = new Strands(fixture.Sequence);
        var alleles = Alleles(strands.Segment);
        var reverse = Scorer(Strand.Reverse).Score(strands.Reference, alleles);
        var direct = Scorer(Strand.Forward).Score(strands.Reference, alleles.Select(a => OnReverseContig(a, strands.Segment.Length)));
        Assert.Equal(alleles.Count, reverse.Count);
        for (int i = 0; i < alleles.Count; i++)
        {
            Assert.Equal(alleles[i], reverse[i].Allele);
            Assert.Equal(VariantStatus.Ok, reverse[i].Status);
            Assert.Equal(direct[i].Llr!.Value, reverse[i].Llr!.Value, 1e-6);
            for (int l = 0; l < 2; l++)
            {
                Assert.Equal(direct[i].EmbeddingCosine![l], reverse[i].EmbeddingCosine![l], 1e-6);
                Assert.Equal(direct[i].EmbeddingDot![l], reverse[i].EmbeddingDot![l], 1e-3);
            }
        }
    }

    [Fact]
    public void Both_IsTheMeanOfForwardAndTheDirectReverseComputation()
    {
        using var strands = new Strands(fixture.Sequence);
        var alleles = Alleles(strands.Segment);
        var both = Scorer(Strand.Both).Score(strands.Reference, alleles);
        var forward = Scorer(Strand.Forward).Score(strands.Reference, alleles);
        var direct = Scorer(Strand.Forward).Score(strands.Reference, alleles.Select(a => OnReverseContig(a, strands.Segment.Length)));
        for (int i = 0; i < alleles.Count; i++)
        {
            Assert.Equal((forward[i].Llr!.Value + direct[i].Llr!.Value) / 2, both[i].Llr!.Value, 1e-6);
            Assert.Equal((forward[i].EmbeddingCosine![1] + direct[i].EmbeddingCosine![1]) / 2, both[i].EmbeddingCosine![1], 1e-6);
            // The strands really disagree, so the mean is not just one of them.
        }
        Assert.Contains(Enumerable.Range(0, alleles.Count), i => Math.Abs(forward[i].Llr!.Value - direct[i].Llr!.Value) > 1e-3);
    }

    [Fact]
    public void Both_UnscorableAllelesKeepTheirStatus()
    {
        using var strands = new Strands(fixture.Sequence);
        char base1 = strands.Segment[9];
        var alleles = new List<VariantAllele>
        {
            new("seg", 10, ".", base1 == 'A' ? "C" : "A", "G"),
            new("seg", 1_501, ".", "A", "C"),
            new("nowhere", 5, ".", "A", "C"),
        };
        var both = Scorer(Strand.Both).Score(strands.Reference, alleles);
        Assert.Equal([VariantStatus.RefMismatch, VariantStatus.OutsideContig, VariantStatus.MissingContig], both.Select(s => s.Status));
        Assert.All(both, s => Assert.Null(s.Llr));
        Assert.Equal(alleles, both.Select(s => s.Allele));
    }

    [Fact]
    public void Mutagenesis_Both_IsTheMeanOfTheTwoStrandsInForwardCoordinates()
    {
        using var strands = new Strands(fixture.Sequence);
        var region = GenomeRegion.Parse("seg:1480-1500");
        var both = new SaturationMutagenesis(fixture.Model, Window, strand: Strand.Both).Run(strands.Reference, region);
        var forward = new SaturationMutagenesis(fixture.Model, Window).Run(strands.Reference, region);
        var reverse = new SaturationMutagenesis(fixture.Model, Window, strand: Strand.Reverse).Run(strands.Reference, region);
        Assert.Equal(forward.Scores.Select(s => s.Allele), both.Scores.Select(s => s.Allele));
        for (int i = 0; i < both.Scores.Count; i++)
        {
            Assert.Equal((forward.Scores[i].Llr!.Value + reverse.Scores[i].Llr!.Value) / 2, both.Scores[i].Llr!.Value, 1e-6);
        }
    }
}
