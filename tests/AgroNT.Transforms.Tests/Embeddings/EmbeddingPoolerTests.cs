using AgroNT.Transforms.Embeddings;

namespace AgroNT.Transforms.Tests.Embeddings;

public sealed class EmbeddingPoolerTests
{
    // 3 positions (cls + 2 tokens) x hidden 2.
    private static readonly float[] s_hidden = [100, 200, 1, 2, 3, 6];

    [Fact]
    public void Pool_Mean_AveragesTokensAfterCls()
    {
        var result = new float[2];
        EmbeddingPooler.Pool(Pooling.Mean, s_hidden, 3, 2, hasCls: true, result);
        Assert.Equal(new float[] { 2, 4 }, result);
    }

    [Fact]
    public void Pool_MeanWithoutCls_AveragesEveryPosition()
    {
        var result = new float[2];
        EmbeddingPooler.Pool(Pooling.Mean, s_hidden, 3, 2, hasCls: false, result);
        Assert.Equal(new float[] { 104f / 3, 208f / 3 }, result);
    }

    [Fact]
    public void Pool_MeanOfEmptySequence_IsZero()
    {
        var result = new float[] { 9, 9 };
        EmbeddingPooler.Pool(Pooling.Mean, s_hidden, 1, 2, hasCls: true, result);
        Assert.Equal(new float[] { 0, 0 }, result);
    }

    [Fact]
    public void Pool_Cls_TakesPositionZero()
    {
        var result = new float[2];
        EmbeddingPooler.Pool(Pooling.Cls, s_hidden, 3, 2, hasCls: true, result);
        Assert.Equal(new float[] { 100, 200 }, result);
    }

    [Fact]
    public void Pool_Tokens_ConcatenatesRealTokens()
    {
        Assert.Equal(4, EmbeddingPooler.OutputLength(Pooling.Tokens, 3, 2, true));
        var result = new float[4];
        EmbeddingPooler.Pool(Pooling.Tokens, s_hidden, 3, 2, hasCls: true, result);
        Assert.Equal(new float[] { 1, 2, 3, 6 }, result);
    }

    [Fact]
    public void Pool_PerNucleotide_RepeatsEachTokenPerBase()
    {
        int[] bases = [0, 6, 1];
        Assert.Equal(14, EmbeddingPooler.OutputLength(Pooling.PerNucleotide, 3, 2, true, bases));
        var result = new float[14];
        EmbeddingPooler.Pool(Pooling.PerNucleotide, s_hidden, 3, 2, hasCls: true, result, bases);
        Assert.Equal(new float[] { 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 3, 6 }, result);
    }

    [Fact]
    public void CombineWindows_TokenWeightedMean_WeighsByRealTokens()
    {
        var combined = EmbeddingPooler.CombineWindows(Pooling.Mean, WindowAggregation.TokenWeightedMean,
            [[1f, 0f], [4f, 3f]], [1, 2]);
        Assert.Equal(new float[] { 3, 2 }, combined);
    }

    [Fact]
    public void CombineWindows_Tokens_Concatenates()
    {
        var combined = EmbeddingPooler.CombineWindows(Pooling.Tokens, WindowAggregation.Mean, [[1f], [2f, 3f]], [1, 2]);
        Assert.Equal(new float[] { 1, 2, 3 }, combined);
    }
}
