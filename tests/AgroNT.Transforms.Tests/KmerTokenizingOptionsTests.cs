namespace AgroNT.Transforms.Tests;

public sealed class KmerTokenizingOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedColumnNames()
    {
        var options = new KmerTokenizingOptions();

        Assert.Equal("Sequence", options.InputColumnName);
        Assert.Equal("TokenIds", options.OutputColumnName);
        Assert.Equal("AttentionMask", options.AttentionMaskColumnName);
        Assert.Null(options.ModelFolder);
        Assert.Null(options.Tokenizer);
        Assert.Null(options.TokenizerOptions);
        Assert.Null(options.FixedLength);
    }

    [Fact]
    public void With_ChangedProperty_LeavesTheOriginal()
    {
        var options = new KmerTokenizingOptions();

        KmerTokenizingOptions fixedLength = options with { FixedLength = 512 };

        Assert.Null(options.FixedLength);
        Assert.Equal(512, fixedLength.FixedLength);
    }
}
