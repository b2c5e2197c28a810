using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class StrandEmbeddingTests
{
    private static AgroNTModel Tiny() =>
        AgroNTModel.Load(SharedData.TinyModel, new AgroNTModelOptions
        {
            Tokenizer = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Normalize },
        });

    // Real chloroplast DNA cut to mixed lengths (some not a multiple of 6, so single-letter tokens end the forward strand).
    private static List<string> RealDna(int count = 8) =>
        [.. SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa"))
            .Take(count).Select((r, i) => r.Sequence[..(40 + (i * 53 % 350))])];

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int j = 0; j < expected.Length; j++)
        {
            max = Math.Max(max, Math.Abs(expected[j] - actual[j]));
        }
        Assert.True(max <= tolerance, $"max difference {max} > {tolerance}");
    }

    private static AgroNTEmbedder Embedder(AgroNTModel model, Strand strand, Pooling pooling) =>
        new(model, new AgroNTEmbeddingOptions { Strand = strand, Pooling = pooling, BatchSize = 4 });

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.Cls)]
    [InlineData(Pooling.Tokens)]
    [InlineData(Pooling.PerNucleotide)]
    public void Reverse_EqualsForwardOfReverseComplement(Pooling pooling)
    {
        using var model = Tiny();
        var sequences = RealDna();
        var reverseComplements = sequences.Select(s => Dna.ReverseComplement(s)).ToList();
        var reverse = Embedder(model, Strand.Reverse, pooling).Embed(sequences);
        var forwardOfRc = Embedder(model, Strand.Forward, pooling).Embed(reverseComplements);
        for (int i = 0; i < sequences.Count; i++)
        {
            AssertClose(forwardOfRc[i], reverse[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.PerNucleotide)]
    public void Both_IsMeanOfForwardAndFlippedReverse_ComputedIndependently(Pooling pooling)
    {
        using var model = Tiny();
        var sequences = RealDna();
        int hidden = model.Config.HiddenSize;
        var forward = Embedder(model, Strand.Forward, pooling).Embed(sequences);
        var forwardOfRc = Embedder(model, Strand.Forward, pooling).Embed(sequences.Select(s => Dna.ReverseComplement(s)).ToList());
        var both = Embedder(model, Strand.Both, pooling).Embed(sequences);
        for (int i = 0; i < sequences.Count; i++)
        {
            float[] expected = new float[forward[i].Length];
            if (pooling == Pooling.PerNucleotide)
            {
                Assert.Equal(sequences[i].Length * hidden, expected.Length);
                for (int b = 0; b < sequences[i].Length; b++)
                {
                    int mirrored = sequences[i].Length - 1 - b;
                    for (int h = 0; h < hidden; h++)
                    {
                        expected[b * hidden + h] = (forward[i][b * hidden + h] + forwardOfRc[i][mirrored * hidden + h]) / 2;
                    }
                }
            }
            else
            {
                for (int j = 0; j < expected.Length; j++)
                {
                    expected[j] = (forward[i][j] + forwardOfRc[i][j]) / 2;
                }
            }
            // Both embeds forward and reverse strands in shared batches; padding is masked, so only float rounding differs.
            AssertClose(expected, both[i], 1e-5);
        }
    }

    [Fact]
    public void Both_IsTheSameForASequenceAndItsReverseComplement()
    {
        using var model = Tiny();
        var sequences = RealDna();
        var reverseComplements = sequences.Select(s => Dna.ReverseComplement(s)).ToList();
        var embedder = Embedder(model, Strand.Both, Pooling.Mean);
        var both = embedder.Embed(sequences);
        var bothOfRc = embedder.Embed(reverseComplements);
        for (int i = 0; i < sequences.Count; i++)
        {
            AssertClose(both[i], bothOfRc[i], 1e-5);
        }
        // And it is not the forward embedding: the strands really differ.
        var forward = Embedder(model, Strand.Forward, Pooling.Mean).Embed(sequences);
        Assert.True(forward[0].Zip(both[0]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void Both_PerNucleotide_FlippedIsTheSameForTheReverseComplement()
    {
        using var model = Tiny();
        string sequence = RealDna(3)[2];
        int hidden = model.Config.HiddenSize, n = sequence.Length;
        var embedder = Embedder(model, Strand.Both, Pooling.PerNucleotide);
        float[] both = embedder.Embed(sequence);
        float[] bothOfRc = embedder.Embed(Dna.ReverseComplement(sequence));
        float[] flipped = new float[both.Length];
        for (int b = 0; b < n; b++)
        {
            Array.Copy(bothOfRc, (n - 1 - b) * hidden, flipped, b * hidden, hidden);
        }
        AssertClose(both, flipped, 1e-5);
    }

    [Fact]
    public void Both_WithTokenPooling_IsRefusedWithAClearMessage()
    {
        using var model = Tiny();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Embedder(model, Strand.Both, Pooling.Tokens));
        Assert.Contains("Pooling.Tokens", error.Message);
        Assert.Contains("PerNucleotide", error.Message);
    }

    [Fact]
    public void Reverse_OfSoftMaskedIupacRna_EqualsForwardOfCleanDnaReverseComplement()
    {
        using var model = Tiny();
        string clean = RealDna(1)[0];
        // Soft-mask a stretch, write RNA in another and put ambiguity codes in a third: normalize mode reads them as DNA and N.
        char[] messy = clean.ToCharArray();
        for (int i = 5; i < 20; i++)
        {
            messy[i] = char.ToLowerInvariant(messy[i]);
        }
        for (int i = 20; i < 30; i++)
        {
            messy[i] = messy[i] == 'T' ? 'U' : messy[i];
        }
        messy[31] = 'R';
        messy[33] = 'y';
        string normalized = string.Concat(clean.Select((c, i) => i is 31 or 33 ? 'N' : c));
        var embedder = Embedder(model, Strand.Reverse, Pooling.Mean);
        float[] reverse = embedder.Embed(new string(messy));
        float[] expected = Embedder(model, Strand.Forward, Pooling.Mean).Embed(Dna.ReverseComplement(normalized));
        AssertClose(expected, reverse, 1e-6);
    }
}
