using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Performance;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Performance;

public sealed class EncoderFlopsTests
{
    private static readonly EsmConfig Tiny = EsmConfig.FromFile(SharedData.TinyModel); // 2 layers, hidden 64, 4 heads, FFN 128

    [Fact]
    public void Forward_TinyModelOnTenTokens_EqualsTheCountByHand()
    {
        // One layer on 10 tokens, by hand: query, key, value, output 4 x 2x10x64x64 = 327,680; FFN up and down
        // 2 x 2x10x64x128 = 327,680; scores and weighted sum, 4 heads of 16: 2 x 4 x 2x10x16x10 = 25,600.
        const double layer = 327_680 + 327_680 + 25_600;
        Assert.Equal(2 * layer, EncoderFlops.Forward(Tiny, [10]));
        Assert.Equal(2 * layer + EncoderFlops.Forward(Tiny, [3]), EncoderFlops.Forward(Tiny, [10, 3]));
        Assert.Equal(0, EncoderFlops.Forward(Tiny, []));
    }

    [Fact]
    public void Attention_IsTheScoresAndWeightedSumOfEveryLayer()
    {
        // Ten tokens, by hand: 2 x 4 x 2x10x16x10 = 25,600 per layer (see above), two layers; and the attention GEMMs of LayerGemms.
        Assert.Equal(2 * 25_600, EncoderFlops.Attention(Tiny, [10]));
        var attentionGemms = EncoderFlops.LayerGemms(EsmConfig.AgroNT1B, 1024).Where(g => g.Name.StartsWith("attention ", StringComparison.Ordinal) && g.Name != "attention output");
        Assert.Equal(40 * attentionGemms.Sum(g => g.Flops), EncoderFlops.Attention(EsmConfig.AgroNT1B, [1024]), 1.0);
    }

    [Fact]
    public void AttentionCeiling_IsOneAtThePeakAndTheTimeWeightedShareOtherwise()
    {
        int[] tokens = [1024, 1024];
        Assert.Equal(1.0, AttentionRate.Ceiling(EsmConfig.AgroNT1B, tokens, 400e9, 400e9), 12);
        // By hand: weights w and attention a of the operations; attention at half the peak takes twice its share of time.
        double total = EncoderFlops.Forward(EsmConfig.AgroNT1B, tokens), a = EncoderFlops.Attention(EsmConfig.AgroNT1B, tokens);
        double expected = total / ((total - a) + 2 * a);
        Assert.Equal(expected, AttentionRate.Ceiling(EsmConfig.AgroNT1B, tokens, 400e9, 200e9), 12);
        Assert.InRange(a / total, 0.10, 0.12); // a 1,024-token window of AgroNT-1B: 11% of its operations are attention
    }

    [Fact]
    public void AttentionRate_Measure_TimesTheShapeAskedForAtLeastTheMinimumTimes()
    {
        var measured = AttentionRate.Measure(Tiny, Precision.Float32, repeats: 1, tokens: 64, sequences: 3);
        Assert.Equal((3, 64L, AttentionRate.MinimumRepeats), (measured.Sequences, measured.Tokens, measured.Repeats));
        Assert.True(double.IsFinite(measured.FlopsPerSecond) && measured.FlopsPerSecond > 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1024)]
    public void Forward_EqualsTheSumOfEveryLayerGemm(int tokens)
    {
        foreach (var config in new[] { Tiny, EsmConfig.AgroNT1B })
        {
            var gemms = EncoderFlops.LayerGemms(config, tokens);
            double summed = config.NumHiddenLayers * gemms.Sum(g => g.Flops);
            Assert.Equal(summed, EncoderFlops.Forward(config, [tokens]), summed * 1e-12);
        }
    }

    [Fact]
    public void LinearParameters_EqualsTheLayersWeightMatrices()
    {
        using var network = new EsmModel(Tiny);
        // Every 2-D weight of the layers (projections, FFN); embeddings are lookups, not products.
        long counted = network.named_parameters()
            .Where(p => p.name.StartsWith("encoder.layer.", StringComparison.Ordinal) && p.parameter.dim() == 2)
            .Sum(p => p.parameter.numel());
        Assert.Equal(counted, EncoderFlops.LinearParameters(Tiny));
    }

    [Fact]
    public void PretrainingUpdate_TinyModel_EqualsTheCountByHand()
    {
        // Per token: 2 x 65,536 linear weights + 4 x 2 layers x 64 x 1,024 = 655,360; head on 15% of tokens:
        // 2 x (64x64 + 64x4,105) x 0.15 = 80,044.8; three passes over 2,048 tokens.
        Assert.Equal(3 * (655_360 + 80_044.8) * 2048, EncoderFlops.PretrainingUpdate(Tiny, 2048, 1024, 0.15), 1e-3);
    }

    [Fact]
    public void WeightGemmShapes_AreTheProjectionAndFeedForwardProductsOfAWindow()
    {
        var shapes = EncoderFlops.WeightGemmShapes(EsmConfig.AgroNT1B);
        Assert.Equal([(1024L, 1500L, 1500L), (1024L, 1500L, 5120L), (1024L, 5120L, 1500L)], shapes.Select(s => (s.M, s.K, s.N)));
        // Together they are one window's linear work in one layer.
        Assert.Equal(2 * 1024 * EncoderFlops.LinearParameters(EsmConfig.AgroNT1B) / 40, shapes.Sum(s => s.Flops), 1.0);
    }
}
