using AgroNT.MLNet.DataFrames;
using AgroNT.Transforms.Benchmarks;
using Microsoft.Data.Analysis;
using Microsoft.ML;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class MetricsDataFramesTests
{
    [Fact]
    public void FromMetrics_BinaryRuns_OneRowPerRunWithHandComputedValues()
    {
        // Positives score 0.9 and 0.3, negatives 0.8 and 0.1: 3 of 4 pairs ranked right; at 0.5, rows 1 and 4 are right.
        var first = BenchmarkMetrics.Binary([true, false, true, false], [0.9f, 0.8f, 0.3f, 0.1f]);
        var second = BenchmarkMetrics.Binary([true, false], [0.9f, 0.1f]);

        var frame = MetricsDataFrames.FromMetrics([("ia3", first), ("lora", second)]);

        Assert.Equal(["Run", "auroc", "auprc", "mcc", "f1", "accuracy", "positives", "negatives", "threshold"], frame.Columns.Select(c => c.Name));
        Assert.Equal(["ia3", "lora"], ((StringDataFrameColumn)frame["Run"]).Cast<string>());
        Assert.Equal(0.75, (double)frame["auroc"][0]!, 12);
        Assert.Equal(0.5, (double)frame["accuracy"][0]!, 12);
        Assert.Equal(2.0, frame["positives"][0]);
        Assert.Equal(1.0, (double)frame["auroc"][1]!, 12);
    }

    [Fact]
    public void FromMetrics_RunsWithDifferentMetrics_LeaveMissingCellsNull()
    {
        var frame = MetricsDataFrames.FromMetrics(
        [
            ("a", (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { ["auroc"] = 0.7 }),
            ("b", new Dictionary<string, double> { ["r2"] = 0.4 }),
        ]);

        Assert.Equal(["Run", "auroc", "r2"], frame.Columns.Select(c => c.Name));
        Assert.Null(frame["r2"][0]);
        Assert.Null(frame["auroc"][1]);
        Assert.Equal(0.4, frame["r2"][1]);
    }

    [Fact]
    public void FromMetrics_MlNetRegression_HandComputedValues()
    {
        // Labels 1, 2, 3 and scores 1, 2, 4: one error of 1, so MAE = MSE = 1/3; SS_res 1, SS_tot 2, R2 = 0.5.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Scored(1, 1), new Scored(2, 2), new Scored(3, 4) });
        var metrics = ml.Regression.Evaluate(data);

        var frame = MetricsDataFrames.FromMetrics([("model", metrics)]);

        Assert.Equal(0.5, (double)frame["r2"][0]!, 9);
        Assert.Equal(1.0 / 3, (double)frame["mae"][0]!, 9);
        Assert.Equal(1.0 / 3, (double)frame["mse"][0]!, 9);
        Assert.Equal(Math.Sqrt(1.0 / 3), (double)frame["rmse"][0]!, 9);
    }

    [Fact]
    public void FromMetrics_MlNetCalibratedBinary_AddsLogLoss()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Calibrated(true, 2, 0.9f, true), new Calibrated(false, -1, 0.2f, false), new Calibrated(true, 1, 0.6f, true), new Calibrated(false, 1.5f, 0.7f, true),
        });
        var metrics = ml.BinaryClassification.Evaluate(data);

        var frame = MetricsDataFrames.FromMetrics([("lgbm", metrics)]);

        Assert.Equal(0.75, (double)frame["auroc"][0]!, 9);
        // Log loss in bits: mean of -log2 p(true class) = (-log2 0.9 - log2 0.8 - log2 0.6 - log2 0.3) / 4.
        double expected = -(Math.Log2(0.9) + Math.Log2(0.8) + Math.Log2(0.6) + Math.Log2(0.3)) / 4;
        Assert.Equal(expected, (double)frame["log_loss"][0]!, 5);
    }

    [Fact]
    public void PerLabel_SkippedLabel_HasNullMetricsAndIsMarked()
    {
        // Label 1: positives score 0.9 and 0.4, the negative 0.2 -> AUROC 1. Label 2 has no positives -> skipped.
        var metrics = BenchmarkMetrics.MultiLabel([1, 0, 0, 0, 1, 0], [0.9f, 0.5f, 0.2f, 0.1f, 0.4f, 0.3f], 2);

        var frame = MetricsDataFrames.PerLabel(metrics);

        Assert.Equal(["l1", "l2"], ((StringDataFrameColumn)frame["label"]).Cast<string>());
        Assert.Equal(1.0, frame["auroc"][0]);
        Assert.Null(frame["auroc"][1]);
        Assert.Equal(true, frame["skipped"][1]);
        Assert.Equal(2, frame["positives"][0]);
        Assert.Equal(3, frame["negatives"][1]);
    }

    [Fact]
    public void PerOutput_TwoOutputs_OneRowEach()
    {
        // Output 1 predicted exactly (R2 1); output 2 labels 1, 2, 3 predicted 1, 2, 4 (R2 0.5).
        var metrics = BenchmarkMetrics.MultiOutputRegression([5, 1, 6, 2, 7, 3], [5, 1, 6, 2, 7, 4], 2);

        var frame = MetricsDataFrames.PerOutput(metrics);

        Assert.Equal(["o1", "o2"], ((StringDataFrameColumn)frame["output"]).Cast<string>());
        Assert.Equal(1.0, (double)frame["r2"][0]!, 12);
        Assert.Equal(0.5, (double)frame["r2"][1]!, 12);
        Assert.Equal(3, frame["count"][1]);
    }

    private sealed record Scored(float Label, float Score);

    private sealed record Calibrated(bool Label, float Score, float Probability, bool PredictedLabel);
}
