namespace AgroNT.Transforms.Tests;

public sealed class ThrowHelperTests
{
    [Theory]
    [InlineData('-', "'-' (U+002D)")]
    [InlineData(' ', "U+0020")]
    [InlineData('\n', "U+000A")]
    [InlineData('\uD800', "U+D800")]
    public void DescribeChar_Character_ShowsGlyphOnlyWhenPrintable(char c, string expected)
    {
        Assert.Equal(expected, ThrowHelper.DescribeChar(c));
    }

    [Fact]
    public void ThrowTooManyTokens_WindowsPolicy_PointsToEncodeWindows()
    {
        var error = Assert.Throws<AgroNT.Transforms.Tokenization.DnaTokenizationException>(
            () => ThrowHelper.ThrowTooManyTokens("r", 2000, 1024, clsCounted: true, AgroNT.Transforms.Tokenization.LengthPolicy.Windows));

        Assert.Contains("EncodeWindows", error.Message, StringComparison.Ordinal);
        Assert.Contains("(counting <cls>)", error.Message, StringComparison.Ordinal);
    }
}
