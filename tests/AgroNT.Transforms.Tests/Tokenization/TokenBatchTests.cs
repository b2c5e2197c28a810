using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class TokenBatchTests
{
    private static readonly TokenBatch s_batch = new(2, 3, [3, 4100, 1, 3, 4101, 4102], [1, 1, 0, 1, 1, 1], [2, 3]);

    [Fact]
    public void GetInputIds_Row_ReturnsThatRowWithPadding()
    {
        Assert.Equal([3, 4100, 1], s_batch.GetInputIds(0).ToArray());
        Assert.Equal([3, 4101, 4102], s_batch.GetInputIds(1).ToArray());
        Assert.Equal([1, 1, 0], s_batch.GetAttentionMask(0).ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void GetInputIds_RowOutOfRange_Throws(int row)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => s_batch.GetInputIds(row).ToArray());
    }
}
