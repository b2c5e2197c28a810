using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class TokenWindowTests
{
    [Fact]
    public void Counts_FromRanges_AreDifferences()
    {
        var window = new TokenWindow(1, [3, 726], 10, 11, 60, 66);

        Assert.Equal(1, window.TokenCount);
        Assert.Equal(6, window.BaseCount);
    }
}
