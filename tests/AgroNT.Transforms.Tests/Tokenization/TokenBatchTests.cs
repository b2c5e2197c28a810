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

    [Fact]
    public void Pad_RowsOfDifferentLengths_PadsOnTheRightToTheLongestWithPadIdAndMaskZero()
    {
        TokenBatch batch = TokenBatch.Pad([[3, 10, 11], [3], [3, 12]], padId: 1);

        Assert.Equal(3, batch.Count);
        Assert.Equal(3, batch.SequenceLength);
        Assert.Equal([3, 10, 11, 3, 1, 1, 3, 12, 1], batch.InputIds);
        Assert.Equal([1, 1, 1, 1, 0, 0, 1, 1, 0], batch.AttentionMask);
        Assert.Equal([3, 1, 2], batch.Lengths);
        Assert.Equal(6, batch.RealTokens);
        Assert.Equal(9, batch.ComputedTokens);
    }

    [Fact]
    public void Pad_PadIdInsideARow_IsARealTokenWithMaskOne()
    {
        // As Hugging Face's tokenizer: a literal <pad> typed in the text is attended to; only the padding is masked.
        TokenBatch batch = TokenBatch.Pad([[0, 1, 7], [0]], padId: 1);

        Assert.Equal([0, 1, 7, 0, 1, 1], batch.InputIds);
        Assert.Equal([1, 1, 1, 1, 0, 0], batch.AttentionMask);
    }

    [Fact]
    public void Pad_FixedLength_PadsEveryRowToItEvenWhenLongerThanTheLongestRow()
    {
        TokenBatch batch = TokenBatch.Pad([[3, 4], [3, 4, 5]], padId: 9, fixedLength: 5);

        Assert.Equal(5, batch.SequenceLength);
        Assert.Equal([3, 4, 9, 9, 9, 3, 4, 5, 9, 9], batch.InputIds);
        Assert.Equal([1, 1, 0, 0, 0, 1, 1, 1, 0, 0], batch.AttentionMask);
        Assert.Equal([2, 3], batch.Lengths);
    }

    [Fact]
    public void Pad_RowLongerThanFixedLength_ThrowsNamingBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => TokenBatch.Pad([[3, 4, 5, 6]], padId: 1, fixedLength: 3));

        Assert.Contains("4 tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("fixed length 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pad_NoRows_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => TokenBatch.Pad([], padId: 1));

        Assert.Equal("rows", error.ParamName);
        Assert.Throws<ArgumentException>(() => TokenBatch.Pad([], padId: 1, fixedLength: 4));
        Assert.Throws<ArgumentException>(() => TokenBatch.Pad([[3]], ReadOnlySpan<int>.Empty, padId: 1));
    }

    [Fact]
    public void Pad_NullRow_ThrowsNamingItsIndex()
    {
        var error = Assert.Throws<ArgumentNullException>(() => TokenBatch.Pad([[3], null!], padId: 1));

        Assert.Equal("rows[1]", error.ParamName);
    }

    [Fact]
    public void Pad_EmptyRow_IsAllPaddingWithLengthZero()
    {
        TokenBatch batch = TokenBatch.Pad([[], [3, 4]], padId: 1);

        Assert.Equal([1, 1, 3, 4], batch.InputIds);
        Assert.Equal([0, 0, 1, 1], batch.AttentionMask);
        Assert.Equal([0, 2], batch.Lengths);
    }

    [Fact]
    public void Pad_Selection_TakesTheRowsInSelectionOrderAndCopiesThem()
    {
        int[][] inputs = [[3, 10], [3, 11, 12, 13], [3]];

        TokenBatch batch = TokenBatch.Pad(inputs, [2, 0], padId: 1);
        inputs[0][1] = 99;

        Assert.Equal(2, batch.SequenceLength);
        Assert.Equal([3, 1, 3, 10], batch.InputIds);
        Assert.Equal([1, 0, 1, 1], batch.AttentionMask);
    }
}
