using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;

namespace AgroNT.Transforms.Tests.Onnx;

public sealed class OnnxStrandTests
{
    private static AgroNTOnnxEmbedder Tiny(Strand strand, Pooling pooling) =>
        new(TinyOnnxModel.Folder, new AgroNTOnnxEmbedderOptions { Strand = strand, Pooling = pooling, IntraOpThreads = 1 });

    private static List<string> RealDna() =>
        [.. SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "validation.fa"))
            .Take(6).Select((r, i) => r.Sequence[..(50 + (i * 61 % 300))])];

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.PerNucleotide)]
    public void Reverse_EqualsForwardOfReverseComplement_AndBothIsTheirMean(Pooling pooling)
    {
        var sequences = RealDna();
        var reverseComplements = sequences.Select(s => Dna.ReverseComplement(s)).ToList();
        using var forward = Tiny(Strand.Forward, pooling);
        using var reverse = Tiny(Strand.Reverse, pooling);
        using var both = Tiny(Strand.Both, pooling);
        var f = forward.Embed(sequences);
        var fOfRc = forward.Embed(reverseComplements);
        var r = reverse.Embed(sequences);
        var b = both.Embed(sequences);
        int hidden = forward.HiddenSize;
        for (int i = 0; i < sequences.Count; i++)
        {
            Assert.Equal(fOfRc[i].Length, r[i].Length);
            Assert.True(fOfRc[i].Zip(r[i]).All(p => Math.Abs(p.First - p.Second) <= 1e-6));
            int n = sequences[i].Length;
            for (int j = 0; j < b[i].Length; j++)
            {
                int mirrored = pooling == Pooling.PerNucleotide ? (n - 1 - j / hidden) * hidden + j % hidden : j;
                Assert.Equal((f[i][j] + fOfRc[i][mirrored]) / 2, b[i][j], 1e-5);
            }
        }
    }

    [Fact]
    public void Featurizer_StrandBoth_EqualsTheEmbedder()
    {
        var sequences = RealDna();
        var context = new Microsoft.ML.MLContext(seed: 1);
        var data = TestDna.Load(context, [.. sequences]);
        var options = new AgroNTOnnxEmbedderOptions { Strand = Strand.Both, IntraOpThreads = 1 };
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, options);
        var expected = embedder.Embed(sequences);
        using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions
        {
            ModelFolder = TinyOnnxModel.Folder,
            EmbedderOptions = options,
            RowsPerBlock = 16,
        }).Fit(data);
        var rows = context.Data.CreateEnumerable<EmbeddedRow>(transformer.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(sequences.Count, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expected[i], rows[i].Embedding);
        }
    }
}
