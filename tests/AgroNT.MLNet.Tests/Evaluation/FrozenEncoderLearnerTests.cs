using AgroNT.MLNet.Evaluation;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AgroNT.MLNet.Tests.Evaluation;

public sealed class FrozenEncoderLearnerTests
{
    private static List<TaskExample> Split(string split) =>
        [.. BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", split + ".fa"), ProblemType.BinaryClassification).ReadExamples()];

    [Fact]
    public void Fit_SixMerFrequenciesOnChloroplastCoding_EqualsLightGbmFittedDirectlyAndSeparatesTheClasses()
    {
        // Every third training window (401 of 1,204) keeps the test quick; the AUROC below is what this subset gives.
        var train = Split("train").Where((_, i) => i % 3 == 0).ToList();
        var test = Split("test");

        var learner = FrozenEncoderLearner.Fit(SequenceFeaturizer.SixMerFrequencies, ProblemType.BinaryClassification, 1, train, seed: 7, CancellationToken.None);
        float[] scores = [.. learner.Predict(SequenceFeaturizer.SixMerFrequencies, test, CancellationToken.None).Select(p => p[0])];

        // A second path to the same numbers: ML.NET's LightGBM with the documented settings on the same features.
        var ml = new MLContext(7);
        int width = KmerCounts.FeatureCount(6);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        IDataView View(List<TaskExample> examples) => ml.Data.LoadFromEnumerable(
            examples.Select(e => new Row { Features = KmerCounts.Frequencies(e.Sequence), Label = e.Labels[0] == 1f }), definition);
        var direct = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            NumberOfLeaves = 31,
            MinimumExampleCountPerLeaf = Math.Clamp(train.Count / 50, 1, 20),
            NumberOfIterations = 200,
            LearningRate = 0.05,
            Seed = 7,
            Silent = true,
        }).Fit(View(train));
        float[] expected = [.. direct.Transform(View(test)).GetColumn<float>("Probability")];

        Assert.Equal(expected, scores);
        bool[] labels = [.. test.Select(e => e.Labels[0] == 1f)];
        // 6-mer frequencies carry part of the coding signal (codon usage): on all 1,204 training windows the baseline
        // reaches test AUROC 0.714; on this third it must still clearly beat chance.
        Assert.InRange(BenchmarkMetrics.Auroc(labels, scores), 0.62, 1.0);
        Assert.Empty(learner.Notes);
    }

    [Fact]
    public void Fit_OneClassInTraining_PredictsThatClassAsAConstantAndSaysSo()
    {
        var train = Split("train").Where(e => e.Labels[0] == 0f).Take(40).ToList();

        var learner = FrozenEncoderLearner.Fit(SequenceFeaturizer.SixMerFrequencies, ProblemType.BinaryClassification, 1, train, seed: 1, CancellationToken.None);

        var predictions = learner.Predict(SequenceFeaturizer.SixMerFrequencies, Split("test").Take(5).ToList(), CancellationToken.None);
        Assert.All(predictions, p => Assert.Equal(0f, p[0]));
        Assert.Contains("one class", Assert.Single(learner.Notes), StringComparison.Ordinal);
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
