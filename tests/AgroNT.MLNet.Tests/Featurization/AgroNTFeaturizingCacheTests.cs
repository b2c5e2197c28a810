using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Featurization;

/// <summary>The README's pipeline, <c>FeaturizeAgroNT(...).Append(LightGbm())</c>, embeds each training row once.</summary>
public sealed class AgroNTFeaturizingCacheTests
{
    private sealed class Row
    {
        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }

    private readonly MLContext _ml = new(seed: 1);

    private IDataView Chloroplast(string split, int step) =>
        _ml.Data.LoadFromEnumerable(BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", split + ".fa"), ProblemType.BinaryClassification)
            .ReadExamples()
            .Where((_, i) => i % step == 0)
            .Select(e => new Row { Sequence = e.Sequence, Label = e.Labels[0] == 1 })
            .ToList());

    /// <summary>Fits featurizer + LightGBM and returns the tokens the encoder embedded during the fit, and the test scores.</summary>
    private (long FitTokens, float[] Scores) FitLightGbm(IDataView train, IDataView test, long cacheBytes)
    {
        var pipeline = _ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { ModelFolder = SharedData.TinyModel, EmbeddingCacheBytes = cacheBytes })
            .Append(_ml.BinaryClassification.Trainers.LightGbm(numberOfLeaves: 4, minimumExampleCountPerLeaf: 5, numberOfIterations: 10));
        using var model = pipeline.Fit(train);
        var featurizer = Assert.IsType<AgroNTFeaturizingTransformer>(model.First());
        long fitTokens = featurizer.Embedder.RealTokens;
        return (fitTokens, [.. model.Transform(test).GetColumn<float>("Score")]);
    }

    [Fact]
    public void Fit_LightGbmOverFeaturizedView_EmbedsEachRowOnceAndScoresAsWithoutTheCache()
    {
        IDataView train = Chloroplast("train", step: 12);
        IDataView test = Chloroplast("test", step: 3);
        long onePass;
        using (var featurizer = _ml.Transforms.FeaturizeAgroNT("Features", "Sequence", SharedData.TinyModel).Fit(train))
        {
            _ = FeaturizingTestData.ReadFeatures(featurizer.Transform(train));
            onePass = featurizer.Embedder.RealTokens;
        }

        (long cachedTokens, float[] cachedScores) = FitLightGbm(train, test, AgroNTFeaturizingDefaults.EmbeddingCacheBytes);
        (long uncachedTokens, float[] uncachedScores) = FitLightGbm(train, test, cacheBytes: 0);

        Assert.True(onePass > 0);
        Assert.Equal(onePass, cachedTokens);
        Assert.True(uncachedTokens >= 2 * onePass, $"Without the cache LightGBM should read the featurized view more than once: {uncachedTokens} tokens vs {onePass} per pass.");
        Assert.Equal(uncachedScores, cachedScores);
    }

    [Fact]
    public void Estimator_NegativeCacheBudget_IsRefusedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { ModelFolder = SharedData.TinyModel, EmbeddingCacheBytes = -1 }));

        Assert.Contains("EmbeddingCacheBytes", error.Message, StringComparison.Ordinal);
    }
}
