using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTCatalogTests
{
    /// <summary>A labelled Plant Genomic Benchmark record.</summary>
    public sealed class LabelledDna
    {
        public string Sequence { get; set; } = string.Empty;

        public bool Label { get; set; }
    }

    /// <summary>The same record with its embedding computed outside ML.NET.</summary>
    public sealed class LabelledFeatures
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    [Fact]
    public void FeaturizeAgroNT_ShortOverload_SetsColumnsPoolingAndLayer()
    {
        var context = new MLContext(seed: 1);

        AgroNTFeaturizingEstimator estimator = context.Transforms.FeaturizeAgroNT("Embedding", "Dna", SharedData.TinyModel, Pooling.Cls, layer: 1);

        Assert.Equal("Embedding", estimator.Options.OutputColumnName);
        Assert.Equal("Dna", estimator.Options.InputColumnName);
        Assert.Equal(SharedData.TinyModel, estimator.Options.ModelFolder);
        Assert.Equal(new AgroNTEmbeddingOptions { Pooling = Pooling.Cls, Layer = 1 }, estimator.Options.Embedding);
        Assert.Null(estimator.Options.ReadAheadRows);
    }

    [Fact]
    public void FeaturizeAgroNT_OptionsOverload_KeepsTheOptions()
    {
        var context = new MLContext(seed: 1);
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        var options = new AgroNTFeaturizingOptions { Model = model };

        AgroNTFeaturizingEstimator estimator = context.Transforms.FeaturizeAgroNT(options);

        Assert.Same(options, estimator.Options);
        Assert.Equal(AgroNTFeaturizingDefaults.InputColumnName, estimator.Options.InputColumnName);
        Assert.Equal("Features", estimator.Options.OutputColumnName);
        Assert.Equal(Pooling.Mean, estimator.Options.Embedding.Pooling);
    }

    [Fact]
    public void FeaturizeAgroNT_MissingModelFolder_FailsAtOnce()
    {
        var context = new MLContext(seed: 1);

        Assert.Throws<DirectoryNotFoundException>(() => context.Transforms.FeaturizeAgroNT("Features", "Sequence", Path.Combine(Path.GetTempPath(), "nope-" + Guid.NewGuid())));
    }

    /// <summary>
    /// The tiny model has random weights, so accuracy means nothing here. What must hold: LightGBM trained through the
    /// featurizer sees exactly the features the library computes, row-aligned with their labels, so it scores the test
    /// set exactly like the same learner trained on embeddings computed outside ML.NET.
    /// </summary>
    [Fact]
    public void FeaturizeAgroNT_ThenLightGbm_TrainsAndScoresLikeTheLearnerOnPrecomputedEmbeddings()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        LabelledDna[] train = [.. Read("train.fa").Where((_, i) => i % 4 == 0)];
        LabelledDna[] test = Read("test.fa");
        Assert.InRange(train.Length, 290, 310);
        Assert.Contains(train, r => r.Label);
        Assert.Contains(train, r => !r.Label);

        var context = new MLContext(seed: 1);
        var pipeline = context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { Model = model })
            .Append(context.BinaryClassification.Trainers.LightGbm(LightGbmOptions()));
        var fitted = pipeline.Fit(context.Data.LoadFromEnumerable(train));
        IDataView scored = fitted.Transform(context.Data.LoadFromEnumerable(test));
        CalibratedBinaryClassificationMetrics metrics = context.BinaryClassification.Evaluate(scored);

        var embedder = new AgroNTEmbedder(model);
        var reference = new MLContext(seed: 1);
        var learner = reference.BinaryClassification.Trainers.LightGbm(LightGbmOptions()).Fit(reference.Data.LoadFromEnumerable(Precompute(embedder, train)));
        IDataView referenceScored = learner.Transform(reference.Data.LoadFromEnumerable(Precompute(embedder, test)));
        CalibratedBinaryClassificationMetrics expected = reference.BinaryClassification.Evaluate(referenceScored);

        // ML.NET's AUROC and accuracy against a rank-sum AUROC and a count of correct predictions, both by hand.
        double[] scores = [.. scored.GetColumn<float>("Score").Select(x => (double)x)];
        bool[] predicted = [.. scored.GetColumn<bool>("PredictedLabel")];
        Assert.Equal(RankAuroc.Compute([.. test.Select(r => r.Label)], scores), metrics.AreaUnderRocCurve, 9);
        Assert.Equal(test.Where((r, i) => r.Label == predicted[i]).Count() / (double)test.Length, metrics.Accuracy, 12);
        Assert.True(double.IsFinite(metrics.LogLoss));
        Assert.Equal(expected.AreaUnderRocCurve, metrics.AreaUnderRocCurve);
        Assert.Equal(expected.LogLoss, metrics.LogLoss);
        Assert.Equal(referenceScored.GetColumn<float>("Score"), scored.GetColumn<float>("Score"));
    }

    private static LightGbmBinaryTrainer.Options LightGbmOptions() => new()
    {
        NumberOfIterations = 30,
        NumberOfLeaves = 8,
        MinimumExampleCountPerLeaf = 5,
        NumberOfThreads = 1,
        Seed = 7,
    };

    private static LabelledDna[] Read(string file) =>
        [.. SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", file))
            .Select(record => new LabelledDna { Sequence = record.Sequence, Label = BenchmarkHeader.Parse(record.Name).Labels[0] == 1 })];

    private static List<LabelledFeatures> Precompute(AgroNTEmbedder embedder, LabelledDna[] rows)
    {
        // The featurizer embeds 64-row blocks (8 x the default batch size); embedding the same blocks gives the same floats.
        var features = FeaturizingTestData.EmbedInBlocks(embedder, [.. rows.Select(r => r.Sequence)], AgroNTFeaturizingDefaults.ReadAheadBatches * embedder.Options.BatchSize);
        return [.. rows.Select((r, i) => new LabelledFeatures { Features = features[i], Label = r.Label })];
    }
}
