using System.Text.Json.Nodes;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using TorchSharp;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTEmbedderTests
{
    private static readonly JsonNode s_index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;

    private static AgroNTModel Tiny(LengthPolicy policy = LengthPolicy.Error, TokenizerMode mode = TokenizerMode.Hf, Precision precision = Precision.Float32) =>
        AgroNTModel.Load(SharedData.TinyModel, new AgroNTModelOptions
        {
            Precision = precision,
            Tokenizer = KmerTokenizerOptions.Default with { Mode = mode, LengthPolicy = policy },
        });

    private static (string Text, NpyArray Last, NpyArray? Hidden) Fixture(string name)
    {
        var run = s_index["fixtures"]!["tokenization"]!.AsArray().First(r => (string)r!["name"]! == name)!;
        var files = s_index["fixtures"]!["single"]![name]!["files"]!;
        return ((string)run["text"]!,
            Npy.Read(Path.Combine(SharedData.HfReference, (string)files["last_hidden_state"]!)),
            files["hidden_states"] is { } states ? Npy.Read(Path.Combine(SharedData.HfReference, (string)states!)) : null);
    }

    // Mean over positions 1..T-1 of a [.., T, H] fixture slice starting at `offset`: an independent pooling of HF's numbers.
    private static double[] MeanAfterCls(double[] values, int offset, int tokens, int hidden)
    {
        var mean = new double[hidden];
        for (int t = 1; t < tokens; t++)
        {
            for (int h = 0; h < hidden; h++)
            {
                mean[h] += values[offset + t * hidden + h] / (tokens - 1);
            }
        }
        return mean;
    }

    [Theory]
    [InlineData("card_1")]
    [InlineData("nt_card_54bp")]
    [InlineData("random_97_N")]
    [InlineData("lowercase")]
    public void Embed_MeanPooling_EqualsMeanOfHuggingFaceLastHiddenState(string name)
    {
        using var model = Tiny();
        var (text, last, _) = Fixture(name);
        int tokens = last.Shape[1], hidden = last.Shape[2];
        float[] actual = new AgroNTEmbedder(model).Embed(text);
        double[] expected = MeanAfterCls(last.Doubles, 0, tokens, hidden);
        Assert.Equal(hidden, actual.Length);
        for (int h = 0; h < hidden; h++)
        {
            Assert.Equal(expected[h], actual[h], 1e-4);
        }
    }

    [Fact]
    public void Embed_ClsPoolingAtLayerOne_EqualsHiddenStateOneAtPositionZero()
    {
        using var model = Tiny();
        var (text, last, hiddenStates) = Fixture("card_3");
        var states = hiddenStates!;
        int tokens = last.Shape[1], hidden = last.Shape[2];
        float[] actual = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = 1, Pooling = Pooling.Cls }).Embed(text);
        for (int h = 0; h < hidden; h++)
        {
            Assert.Equal(states.Doubles[1 * tokens * hidden + h], actual[h], 1e-4);
        }
        float[] layerOneMean = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = 1 }).Embed(text);
        double[] expected = MeanAfterCls(states.Doubles, tokens * hidden, tokens, hidden);
        for (int h = 0; h < hidden; h++)
        {
            Assert.Equal(expected[h], layerOneMean[h], 1e-4);
        }
    }

    [Fact]
    public void Embed_SequenceInMixedLengthBatch_EqualsItsEmbeddingAlone()
    {
        using var model = Tiny(mode: TokenizerMode.Normalize);
        var records = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa")).Take(12).ToList();
        // Mixed lengths: cut each 402 bp record differently.
        var sequences = records.Select((r, i) => r.Sequence[..(30 + (i * 31 % 372))]).ToList();
        var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 5 });
        var together = embedder.Embed(sequences);
        for (int i = 0; i < sequences.Count; i++)
        {
            float[] alone = embedder.Embed(sequences[i]);
            for (int h = 0; h < alone.Length; h++)
            {
                Assert.Equal(alone[h], together[i][h], 1e-5);
            }
        }
    }

    [Fact]
    public void Embed_WindowsPolicy_IsTokenWeightedMeanOfWindowEmbeddings()
    {
        using var model = Tiny(LengthPolicy.Windows, TokenizerMode.Normalize);
        string bac = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa")).Single().Sequence[..20000];
        var embedder = new AgroNTEmbedder(model);
        float[] combined = embedder.Embed(bac);

        // Second code path: embed each window's ids and combine by hand.
        var windows = model.Tokenizer.EncodeWindows(bac);
        Assert.True(windows.Count >= 4);
        Assert.All(windows, w => Assert.True(w.Ids.Length <= 1024));
        var parts = embedder.EmbedTokenIds(windows.Select(w => w.Ids).ToList());
        double totalTokens = windows.Sum(w => w.TokenCount);
        for (int h = 0; h < combined.Length; h++)
        {
            double expected = windows.Select((w, i) => parts[i][h] * w.TokenCount).Sum() / totalTokens;
            Assert.Equal(expected, combined[h], 1e-5);
        }
    }

    [Fact]
    public void Embed_OverLongWithErrorPolicy_ThrowsNamingTheRecord()
    {
        using var model = Tiny(LengthPolicy.Error, TokenizerMode.Normalize);
        var error = Assert.Throws<DnaTokenizationException>(() => new AgroNTEmbedder(model).Embed(new string('A', 7000), "chr9"));
        Assert.Contains("chr9", error.Message);
    }

    [Fact]
    public void Embed_TruncatePolicy_EqualsEmbeddingOfTheFirst1023Tokens()
    {
        using var model = Tiny(LengthPolicy.Truncate, TokenizerMode.Normalize);
        string bac = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa")).Single().Sequence[..8000];
        var embedder = new AgroNTEmbedder(model);
        float[] truncated = embedder.Embed(bac);
        float[] prefix = embedder.Embed(bac[..(1023 * 6)]);
        Assert.Equal(prefix, truncated);
    }

    [Fact]
    public void Embed_PerNucleotide_RepeatsEachTokenVectorPerBase()
    {
        using var model = Tiny(mode: TokenizerMode.Normalize);
        string sequence = "ACGTACGTNNA"; // ACGTAC | G T N N A -> 6 + 5 single-letter tokens = 11 bases
        var tokens = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Pooling = Pooling.Tokens }).Embed(sequence);
        var perBase = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Pooling = Pooling.PerNucleotide }).Embed(sequence);
        int hidden = model.Config.HiddenSize;
        Assert.Equal(6 * hidden, tokens.Length);
        Assert.Equal(11 * hidden, perBase.Length);
        for (int b = 0; b < 11; b++)
        {
            int token = b < 6 ? 0 : b - 5;
            Assert.Equal(tokens.AsSpan(token * hidden, hidden).ToArray(), perBase.AsSpan(b * hidden, hidden).ToArray());
        }
    }

    [Fact]
    public void Embed_BFloat16_StaysCloseToFloat32()
    {
        string sequence = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa")).First().Sequence;
        using var fp32 = Tiny(mode: TokenizerMode.Normalize);
        using var bf16 = Tiny(mode: TokenizerMode.Normalize, precision: Precision.BFloat16);
        float[] reference = new AgroNTEmbedder(fp32).Embed(sequence);
        float[] reduced = new AgroNTEmbedder(bf16).Embed(sequence);
        double norm = Math.Sqrt(reference.Sum(v => (double)v * v));
        double error = Math.Sqrt(reference.Zip(reduced, (a, b) => (double)(a - b) * (a - b)).Sum());
        Assert.InRange(error / norm, 0, 0.05);
        Assert.NotEqual(reference, reduced);
    }

    [Fact]
    public void Embed_TwoThreadsAtOnce_GiveTheSerialResults()
    {
        using var model = Tiny(mode: TokenizerMode.Normalize);
        var sequences = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "validation.fa")).Take(16).Select(r => r.Sequence).ToList();
        var embedder = new AgroNTEmbedder(model);
        var serial = embedder.Embed(sequences);
        var results = new IReadOnlyList<float[]>[2];
        Parallel.For(0, 2, i => results[i] = embedder.Embed(sequences));
        Assert.Equal(serial, results[0]);
        Assert.Equal(serial, results[1]);
    }

    [Fact]
    public void Embed_ManyBatches_LeaveNoLiveTensors()
    {
        using var model = Tiny(mode: TokenizerMode.Normalize);
        var sequences = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa")).Take(40).Select(r => r.Sequence).ToList();
        var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 4 });
        embedder.Embed(sequences.Take(4).ToList()); // warm-up
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        embedder.Embed(sequences);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Constructor_LayerAboveDepth_ThrowsWithTheDepth()
    {
        using var model = Tiny();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = 3 }));
        Assert.Contains("2 layers", error.Message);
    }
}
