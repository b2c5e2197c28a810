using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class KmerTokenizerOptionsTests
{
    [Fact]
    public void Default_Values_AreTheDocumentedSafeDefaults()
    {
        KmerTokenizerOptions options = KmerTokenizerOptions.Default;

        Assert.Equal(TokenizerMode.Normalize, options.Mode);
        Assert.Equal(CharacterHandling.Drop, options.Whitespace);
        Assert.Equal(CharacterHandling.Reject, options.Digits);
        Assert.Equal(LengthPolicy.Error, options.LengthPolicy);
        Assert.Null(options.MaxTokens);
        Assert.Null(options.WindowStride);
        Assert.True(options.AddClsToken);
        Assert.Equal(options, new KmerTokenizerOptions());
    }

    [Fact]
    public void Enums_DefaultValue_IsTheSafeChoice()
    {
        Assert.Equal(TokenizerMode.Normalize, default(TokenizerMode));
        Assert.Equal(LengthPolicy.Error, default(LengthPolicy));
        Assert.Equal(CharacterHandling.Drop, default(CharacterHandling));
    }

    [Fact]
    public void With_ChangedProperty_IsADifferentValue()
    {
        KmerTokenizerOptions hf = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf };

        Assert.NotEqual(KmerTokenizerOptions.Default, hf);
        Assert.Equal(TokenizerMode.Normalize, KmerTokenizerOptions.Default.Mode);
        Assert.Equal(hf, KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf });
    }
}
