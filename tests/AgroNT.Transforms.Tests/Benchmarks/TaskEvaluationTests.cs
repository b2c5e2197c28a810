using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Transforms.Tests.Benchmarks;

public sealed class TaskEvaluationTests
{
    [Fact]
    public void Evaluate_Binary_HeadlineIsAurocComputedByHand()
    {
        // Pairs (positive, negative) ordered correctly: (0.9>0.1) (0.9>0.4) (0.35<0.4) (0.35>0.1) -> 3 of 4.
        float[] labels = [1, 0, 1, 0];
        float[] scores = [0.9f, 0.1f, 0.35f, 0.4f];

        var evaluation = BenchmarkMetrics.Evaluate(ProblemType.BinaryClassification, labels, scores, 1);

        Assert.Equal("auroc", evaluation.HeadlineName);
        Assert.Equal(0.75, evaluation.Headline, 12);
        Assert.Equal(evaluation.Headline, evaluation.All["auroc"]);
    }

    [Fact]
    public void Evaluate_Regression_HeadlineIsR2ComputedByHand()
    {
        float[] labels = [1, 2, 3, 4];
        float[] predictions = [1, 2, 3, 5];

        var evaluation = BenchmarkMetrics.Evaluate(ProblemType.Regression, labels, predictions, 1);

        // SS_res = 1, SS_tot = 5: R2 = 1 - 1/5.
        Assert.Equal("r2", evaluation.HeadlineName);
        Assert.Equal(0.8, evaluation.Headline, 6);
    }

    [Fact]
    public void Evaluate_MultiLabel_MacroAurocSkipsAOneClassLabelAndSaysSo()
    {
        // Two labels per example: label 1 perfectly ranked (AUROC 1), label 2 always 0 (undefined, skipped).
        float[] labels = [1, 0, 0, 0, 1, 0, 0, 0];
        float[] scores = [0.8f, 0.2f, 0.1f, 0.3f, 0.7f, 0.9f, 0.3f, 0.1f];

        var evaluation = BenchmarkMetrics.Evaluate(ProblemType.MultiLabelClassification, labels, scores, 2);

        Assert.Equal("macro_auroc", evaluation.HeadlineName);
        Assert.Equal(1.0, evaluation.Headline, 12);
        Assert.NotEmpty(evaluation.Notes);
    }

    [Fact]
    public void Evaluate_MultiOutputRegression_HeadlineIsTheMeanOfEachOutputsR2()
    {
        // Output 1 exact (R2 1); output 2 = the regression case above (R2 0.8).
        float[] labels = [1, 1, 2, 2, 3, 3, 4, 4];
        float[] predictions = [1, 1, 2, 2, 3, 3, 4, 5];

        var evaluation = BenchmarkMetrics.Evaluate(ProblemType.MultiOutputRegression, labels, predictions, 2);

        Assert.Equal("mean_r2", evaluation.HeadlineName);
        Assert.Equal(0.9, evaluation.Headline, 6);
    }
}
