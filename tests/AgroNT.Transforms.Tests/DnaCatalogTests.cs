using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;

namespace AgroNT.Transforms.Tests;

public sealed class DnaCatalogTests
{
    [Fact]
    public void TokenizeDna_ShortOverload_UsesDefaultsAndTheFolder()
    {
        var context = new MLContext(seed: 1);

        KmerTokenizingEstimator estimator = context.Transforms.TokenizeDna("Ids", "Dna", SharedData.TinyModel);

        Assert.Equal("Ids", estimator.Options.OutputColumnName);
        Assert.Equal("Dna", estimator.Options.InputColumnName);
        Assert.Equal(KmerTokenizingDefaults.AttentionMaskColumnName, estimator.Options.AttentionMaskColumnName);
        Assert.Null(estimator.Options.FixedLength);
        Assert.Equal(TokenizerMode.Normalize, estimator.Tokenizer.Options.Mode);
        Assert.Equal(4105, estimator.Tokenizer.Vocabulary.Count);
    }

    [Fact]
    public void TokenizeDna_OptionsOverload_KeepsTheOptions()
    {
        var context = new MLContext(seed: 1);
        var options = new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, FixedLength = 16, AttentionMaskColumnName = null };

        KmerTokenizingEstimator estimator = context.Transforms.TokenizeDna(options);

        Assert.Same(options, estimator.Options);
        Assert.Same(TestDna.Tokenizer, estimator.Tokenizer);
    }

    [Fact]
    public void TokenizeDna_MissingModelFolder_FailsAtOnce()
    {
        var context = new MLContext(seed: 1);

        Assert.Throws<DirectoryNotFoundException>(() => context.Transforms.TokenizeDna("Ids", "Dna", Path.Combine(Path.GetTempPath(), "nope-" + Guid.NewGuid())));
    }
}
