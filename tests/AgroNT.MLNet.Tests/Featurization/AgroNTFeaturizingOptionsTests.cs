using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Embeddings;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTFeaturizingOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreTheDocumentedOnes()
    {
        var options = new AgroNTFeaturizingOptions();

        Assert.Equal("Sequence", options.InputColumnName);
        Assert.Equal("Features", options.OutputColumnName);
        Assert.Null(options.ModelFolder);
        Assert.Null(options.Model);
        Assert.Null(options.ModelOptions);
        Assert.Null(options.ReadAheadRows);
        Assert.Equal(new AgroNTEmbeddingOptions(), options.Embedding);
        Assert.Equal(Pooling.Mean, AgroNTFeaturizingDefaults.Pooling);
        Assert.Equal(8, AgroNTFeaturizingDefaults.ReadAheadBatches);
    }

    [Fact]
    public void ReadAheadRows_Unset_IsEightBatchesOfTheBatchSize()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        var context = new Microsoft.ML.MLContext(seed: 1);

        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(context, model, new AgroNTEmbeddingOptions { BatchSize = 5 })
            .Fit(FeaturizingTestData.Load(context, ["ACGTAC"]));

        Assert.Equal(40, transformer.ReadAheadRows);
    }
}
