using AgroNT.MLNet.DataFrames;
using AgroNT.Transforms.Benchmarks;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class PredictionDataFramesTests
{
    [Fact]
    public void FromPredictions_ScoredRows_CopiesIdLabelAndPredictionColumnsInOrder()
    {
        var ml = new MLContext(seed: 1);
        var scored = ml.Data.LoadFromEnumerable(new[]
        {
            new ScoredRow { Name = "s1", Label = true, Score = 2f, Probability = 0.88f, PredictedLabel = true, Other = 7 },
            new ScoredRow { Name = "s2", Label = false, Score = -1f, Probability = 0.27f, PredictedLabel = false, Other = 8 },
        });

        var frame = PredictionDataFrames.FromPredictions(scored);

        Assert.Equal(["Name", "Label", "Score", "Probability", "PredictedLabel"], frame.Columns.Select(c => c.Name));
        Assert.Equal(["s1", "s2"], ((StringDataFrameColumn)frame["Name"]).Cast<string>());
        Assert.Equal([true, false], ((BooleanDataFrameColumn)frame["Label"]).Select(v => v!.Value));
        Assert.Equal([2f, -1f], ((SingleDataFrameColumn)frame["Score"]).Select(v => v!.Value));
        Assert.Equal(0.27f, frame["Probability"][1]);
    }

    [Fact]
    public void FromPredictions_VectorScores_BecomeOneColumnPerLabelNumberedFromOne()
    {
        var ml = new MLContext(seed: 1);
        var scored = ml.Data.LoadFromEnumerable(new[]
        {
            new MultiLabelRow { Name = "a", Label = [1, 0, 1], Score = [0.9f, 0.2f, 0.7f] },
            new MultiLabelRow { Name = "b", Label = [0, 0, 1], Score = [0.1f, 0.3f, 0.6f] },
        });

        var frame = PredictionDataFrames.FromPredictions(scored);

        Assert.Equal(["Name", "Label_1", "Label_2", "Label_3", "Score_1", "Score_2", "Score_3"], frame.Columns.Select(c => c.Name));
        Assert.Equal(0.3f, frame["Score_2"][1]);
        Assert.Equal(1f, frame["Label_3"][0]);
    }

    [Fact]
    public void FromPredictions_TrainedModel_FrameAurocEqualsMlNetEvaluate()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => new FeatureRow
        {
            Name = $"r{i}", Label = i % 2 == 0, Features = [i % 2 == 0 ? 1f + (i % 7) * 0.3f : 1.8f - (i % 5) * 0.3f, i * 0.01f],
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(data);
        var scored = model.Transform(data);

        var frame = PredictionDataFrames.FromPredictions(scored);

        var labels = ((BooleanDataFrameColumn)frame["Label"]).Select(v => v!.Value).ToArray();
        var probabilities = ((SingleDataFrameColumn)frame["Probability"]).Select(v => v!.Value).ToArray();
        var predicted = ((BooleanDataFrameColumn)frame["PredictedLabel"]).Select(v => v!.Value).ToArray();
        Assert.Equal(40, frame.Rows.Count);
        Assert.Equal(probabilities.Select(p => p > 0.5f), predicted);
        Assert.Equal(ml.BinaryClassification.Evaluate(scored).AreaUnderRocCurve, BenchmarkMetrics.Auroc(labels, probabilities), 6);
    }

    [Fact]
    public void FromPredictions_Unscored_SaysWhatToPass()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new FeatureRow { Name = "a", Features = [1f, 2f] } });

        var error = Assert.Throws<ArgumentException>(() => PredictionDataFrames.FromPredictions(data));

        Assert.Contains("no 'Score' column", error.Message);
        Assert.Contains("'Features'", error.Message);
    }

    private sealed class ScoredRow
    {
        public string Name { get; set; } = "";

        public bool Label { get; set; }

        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }

        public int Other { get; set; }
    }

    private sealed class MultiLabelRow
    {
        public string Name { get; set; } = "";

        [VectorType(3)]
        public float[] Label { get; set; } = [];

        [VectorType(3)]
        public float[] Score { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        public string Name { get; set; } = "";

        public bool Label { get; set; }

        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }
}
