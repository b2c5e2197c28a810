using AgroNT.Transforms.Embeddings;

namespace AgroNT.Transforms.Tests.Embeddings;

public sealed class LengthBucketsTests
{
    [Fact]
    public void Plan_MixedLengths_SortsAndCoversEveryInputOnce()
    {
        int[] lengths = [10, 3, 10, 7, 3, 9];
        var batches = LengthBuckets.Plan(lengths, batchSize: 2, maxBatchTokens: null, maxPaddingFraction: 0.99);
        Assert.Equal([1, 4, 3, 5, 0, 2], batches.SelectMany(b => b));
        Assert.All(batches, b => Assert.True(b.Length <= 2));
    }

    [Fact]
    public void Plan_ZeroPaddingFraction_GroupsOnlyEqualLengths()
    {
        var batches = LengthBuckets.Plan([5, 6, 5, 6, 7], batchSize: 8, maxBatchTokens: null, maxPaddingFraction: 0);
        Assert.Equal(3, batches.Count);
        Assert.Equal([0, 2], batches[0]);
        Assert.Equal([1, 3], batches[1]);
        Assert.Equal([4], batches[2]);
    }

    [Fact]
    public void Plan_TokenBudget_ClosesBatchButKeepsOversizedInput()
    {
        var batches = LengthBuckets.Plan([100, 100, 100, 500], batchSize: 8, maxBatchTokens: 200, maxPaddingFraction: 0.5);
        Assert.Equal([[0, 1], [2], [3]], batches);
    }

    [Theory]
    [InlineData(0, null, 0.05)]
    [InlineData(4, 0, 0.05)]
    [InlineData(4, null, 1.0)]
    [InlineData(4, null, -0.1)]
    public void Plan_BadBounds_Throw(int batchSize, int? maxTokens, double fraction) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => LengthBuckets.Plan([1], batchSize, maxTokens, fraction));

    [Fact]
    public void PlanPacked_CutsSortedInputsByTokenTotalAndRowCount()
    {
        // Sorted: 3 (1), 3 (4), 7 (3), 9 (5), 10 (0), 10 (2). Budget 20 tokens in all, at most 3 rows.
        var batches = LengthBuckets.PlanPacked([10, 3, 10, 7, 3, 9], batchSize: 3, maxBatchTokens: 20);
        Assert.Equal([[1, 4, 3], [5, 0], [2]], batches);
        Assert.All(batches, b => Assert.True(b.Sum(i => new[] { 10, 3, 10, 7, 3, 9 }[i]) <= 20));
    }

    [Fact]
    public void PlanPacked_MixesLengthsThatThePaddedPlanSeparates()
    {
        // No padding is computed, so 5 and 500 tokens share a batch where the padded plan (5% padding) splits them.
        int[] lengths = [5, 500, 250];
        Assert.Equal([[0, 2, 1]], LengthBuckets.PlanPacked(lengths, batchSize: 8, maxBatchTokens: null));
        Assert.Equal(3, LengthBuckets.Plan(lengths, batchSize: 8, maxBatchTokens: null, maxPaddingFraction: 0.05).Count);
        // An input over the budget still gets a batch of its own.
        Assert.Equal([[0], [2], [1]], LengthBuckets.PlanPacked(lengths, batchSize: 8, maxBatchTokens: 200));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(4, 0)]
    public void PlanPacked_BadBounds_Throw(int batchSize, int? maxTokens) =>
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => LengthBuckets.PlanPacked([1], batchSize, maxTokens));
}
