using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class BenchmarkLabelTests
{
    [Fact]
    public void Equals_SameNameAndLabelValuesInDifferentArrays_AreEqualWithEqualHashes()
    {
        var first = new BenchmarkLabel("a", [0f, 1f, 0.5f]);
        var second = new BenchmarkLabel("a", [0f, 1f, 0.5f]);

        Assert.Equal(first, second);
        Assert.True(first == second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
    }

    [Theory]
    [InlineData("b", new[] { 0f, 1f })]
    [InlineData("a", new[] { 1f, 0f })]
    [InlineData("a", new[] { 0f })]
    public void Equals_DifferentNameOrLabels_AreNotEqual(string name, float[] labels)
    {
        Assert.NotEqual(new BenchmarkLabel("a", [0f, 1f]), new BenchmarkLabel(name, labels));
    }

    [Fact]
    public void ToString_Labels_PrintsTheValues()
    {
        Assert.Equal("BenchmarkLabel { Name = w1, Labels = [0, 1.5] }", new BenchmarkLabel("w1", [0f, 1.5f]).ToString());
    }
}
