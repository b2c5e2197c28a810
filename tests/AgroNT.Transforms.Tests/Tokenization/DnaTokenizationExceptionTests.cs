using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class DnaTokenizationExceptionTests
{
    [Fact]
    public void Constructor_AllDetails_AreExposed()
    {
        var error = new DnaTokenizationException(DnaTokenizationError.TooManyTokens, "too long", "chr2", position: null, character: null, tokenCount: 2000, maxTokens: 1024);

        Assert.Equal(DnaTokenizationError.TooManyTokens, error.Error);
        Assert.Equal("too long", error.Message);
        Assert.Equal("chr2", error.SequenceName);
        Assert.Null(error.Position);
        Assert.Null(error.Character);
        Assert.Equal(2000, error.TokenCount);
        Assert.Equal(1024, error.MaxTokens);
    }

    [Fact]
    public void Constructor_MessageAndInner_KeepsBoth()
    {
        var inner = new InvalidOperationException("cause");

        var error = new DnaTokenizationException("wrapped", inner);

        Assert.Same(inner, error.InnerException);
        Assert.Equal("wrapped", new DnaTokenizationException("wrapped").Message);
    }
}
