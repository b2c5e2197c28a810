using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Transforms.Tests.Benchmarks;

public sealed class MetricsTests
{
    private const double Tolerance = 1e-12;

    // Six examples with a tie across the classes at 0.8:
    //   label  1    1    0    1    0    0
    //   score  0.9  0.8  0.8  0.3  0.2  0.1
    private static readonly bool[] s_labels = [true, true, false, true, false, false];
    private static readonly float[] s_scores = [0.9f, 0.8f, 0.8f, 0.3f, 0.2f, 0.1f];

    [Fact]
    public void Binary_HandComputedExample_MatchesEveryMetric()
    {
        var metrics = BenchmarkMetrics.Binary(s_labels, s_scores);

        // AUROC: positive-negative pairs won, 9 pairs in all.
        //   0.9 beats 0.8, 0.2, 0.1 -> 3; 0.8 ties 0.8 (1/2) and beats 0.2, 0.1 -> 2.5; 0.3 beats 0.2, 0.1 -> 2.
        //   (3 + 2.5 + 2) / 9 = 7.5 / 9.
        Assert.Equal(7.5 / 9, metrics.Auroc, Tolerance);
        // AUPRC (average precision), thresholds from the top, the 0.8 pair taken together:
        //   >= 0.9: TP 1, FP 0 -> P 1,   R 1/3;  >= 0.8: TP 2, FP 1 -> P 2/3, R 2/3;
        //   >= 0.3: TP 3, FP 1 -> P 3/4, R 1;    lower thresholds add no recall.
        //   1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/4 = 29/36.
        Assert.Equal(29.0 / 36, metrics.Auprc, Tolerance);
        // Threshold 0.5: predicted positive 0.9, 0.8, 0.8 -> TP 2, FP 1, FN 1, TN 2.
        //   accuracy 4/6; F1 = 2*2 / (2*2 + 1 + 1) = 4/6; MCC = (2*2 - 1*1) / sqrt(3*3*3*3) = 3/9.
        Assert.Equal(4.0 / 6, metrics.Accuracy, Tolerance);
        Assert.Equal(4.0 / 6, metrics.F1, Tolerance);
        Assert.Equal(3.0 / 9, metrics.Mcc, Tolerance);
        Assert.Equal((3, 3), (metrics.Positives, metrics.Negatives));
        Assert.Equal(["auroc", "auprc", "mcc", "f1", "accuracy"], metrics.ToDictionary().Keys);
    }

    [Fact]
    public void Binary_ThresholdMovesTheConfusionMatrixOnly()
    {
        // Threshold 0.25: predicted positive 0.9, 0.8, 0.8, 0.3 -> TP 3, FP 1, FN 0, TN 2.
        //   accuracy 5/6; F1 = 6/7; MCC = (3*2 - 1*0) / sqrt(4*3*3*2) = 6/sqrt(72).
        var metrics = BenchmarkMetrics.Binary(s_labels, s_scores, threshold: 0.25);

        Assert.Equal(5.0 / 6, metrics.Accuracy, Tolerance);
        Assert.Equal(6.0 / 7, metrics.F1, Tolerance);
        Assert.Equal(6 / Math.Sqrt(72), metrics.Mcc, Tolerance);
        Assert.Equal(7.5 / 9, metrics.Auroc, Tolerance);
    }

    [Fact]
    public void Binary_PerfectAndReversedAndAllTied()
    {
        bool[] labels = [false, true, false, true];

        Assert.Equal(1.0, BenchmarkMetrics.Auroc(labels, [0.1f, 0.9f, 0.2f, 0.8f]));
        Assert.Equal(0.0, BenchmarkMetrics.Auroc(labels, [0.9f, 0.1f, 0.8f, 0.2f]));
        // All tied: every pair counts 1/2; one threshold holding everything: P = 2/4 at R = 1.
        Assert.Equal(0.5, BenchmarkMetrics.Auroc(labels, [0.5f, 0.5f, 0.5f, 0.5f]));
        Assert.Equal(0.5, BenchmarkMetrics.AveragePrecision(labels, [0.5f, 0.5f, 0.5f, 0.5f]));
    }

    [Fact]
    public void Binary_OneClassOnly_RankingMetricsAreNaNAndMccZero()
    {
        // All negative, all predicted negative: TP = FP = FN = 0 -> F1 0 (sklearn's zero_division), MCC 0.
        var metrics = BenchmarkMetrics.Binary([false, false], [0.1f, 0.2f]);

        Assert.True(double.IsNaN(metrics.Auroc));
        Assert.True(double.IsNaN(metrics.Auprc));
        Assert.Equal(0, metrics.Mcc);
        Assert.Equal(0, metrics.F1);
        Assert.Equal(1, metrics.Accuracy);
    }

    [Fact]
    public void Binary_BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => BenchmarkMetrics.Binary([true], [0.1f, 0.2f]));
        Assert.Throws<ArgumentException>(() => BenchmarkMetrics.Binary([], []));
        Assert.Throws<ArgumentException>(() => BenchmarkMetrics.Binary([true, false], [float.NaN, 0.2f]));
    }

    [Fact]
    public void MultiLabel_HandComputed_SkipsTheSingleClassLabelAndSaysSo()
    {
        // Rows (labels | scores), label 2 is always 0:
        //   [1, 0, 1] | [0.8, 0.1, 0.15]
        //   [0, 0, 1] | [0.4, 0.2, 0.9 ]
        //   [1, 0, 0] | [0.6, 0.3, 0.2 ]
        //   [0, 0, 0] | [0.3, 0.4, 0.1 ]
        float[] labels = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0];
        float[] scores = [0.8f, 0.1f, 0.15f, 0.4f, 0.2f, 0.9f, 0.6f, 0.3f, 0.2f, 0.3f, 0.4f, 0.1f];

        var metrics = BenchmarkMetrics.MultiLabel(labels, scores, 3);

        // l1: positives 0.8, 0.6 outrank negatives 0.4, 0.3 -> AUROC 1, AP 1.
        Assert.Equal(1.0, metrics.PerLabel[0].Auroc!.Value, Tolerance);
        Assert.Equal(1.0, metrics.PerLabel[0].Auprc!.Value, Tolerance);
        // l3: positives 0.15, 0.9; negatives 0.2, 0.1. Pairs won: 0.9 -> 2, 0.15 -> 1 (beats 0.1): 3/4.
        //   AP: >= 0.9 P 1 R 1/2; >= 0.2 P 1/2 R 1/2 (no recall gained); >= 0.15 P 2/3 R 1 -> 1/2 + 1/2 * 2/3 = 5/6.
        Assert.Equal(0.75, metrics.PerLabel[2].Auroc!.Value, Tolerance);
        Assert.Equal(5.0 / 6, metrics.PerLabel[2].Auprc!.Value, Tolerance);
        // l2 has no positives: skipped, and the macro averages are over l1 and l3 only.
        Assert.True(metrics.PerLabel[1].Skipped);
        Assert.Equal([1], metrics.SkippedLabels);
        Assert.Contains("label l2 skipped: it has no positives in these 4 examples", Assert.Single(metrics.Notes));
        Assert.Equal((1 + 0.75) / 2, metrics.MacroAuroc, Tolerance);
        Assert.Equal((1 + 5.0 / 6) / 2, metrics.MacroAuprc, Tolerance);
        Assert.Equal(["macro_auroc", "macro_auprc", "auroc_l1", "auprc_l1", "auroc_l3", "auprc_l3"], metrics.ToDictionary().Keys);
    }

    [Fact]
    public void MultiLabel_EveryLabelSingleClass_MacroIsNaN()
    {
        var metrics = BenchmarkMetrics.MultiLabel([1, 0, 1, 0], [0.5f, 0.5f, 0.5f, 0.5f], 2);

        Assert.Equal([0, 1], metrics.SkippedLabels);
        Assert.Contains("no negatives", metrics.Notes[0]);
        Assert.True(double.IsNaN(metrics.MacroAuroc));
    }

    [Fact]
    public void MultiLabel_BadLayout_Throws()
    {
        Assert.Throws<ArgumentException>(() => BenchmarkMetrics.MultiLabel([1, 0, 1], [0.1f, 0.2f, 0.3f], 2));
        Assert.Throws<ArgumentException>(() => BenchmarkMetrics.MultiLabel([1, 0.5f], [0.1f, 0.2f], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => BenchmarkMetrics.MultiLabel([1, 0], [0.1f, 0.2f], 0));
    }

    [Fact]
    public void Regression_HandComputedExample_MatchesR2PearsonSpearman()
    {
        // y = [1, 2, 3, 4], p = [2, 2, 3, 5].
        var metrics = BenchmarkMetrics.Regression([1, 2, 3, 4], [2, 2, 3, 5]);

        // mean(y) 2.5; SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5; SS_res = 1 + 0 + 0 + 1 = 2 -> R2 = 1 - 2/5 = 0.6.
        Assert.Equal(0.6, metrics.R2, Tolerance);
        // dy = [-1.5, -0.5, 0.5, 1.5], dp = [-1, -1, 0, 2] (mean 3): sum dy*dp = 5, sum dy^2 = 5, sum dp^2 = 6 -> 5/sqrt(30).
        Assert.Equal(5 / Math.Sqrt(30), metrics.Pearson, Tolerance);
        // Ranks: y [1, 2, 3, 4]; p [1.5, 1.5, 3, 4] (the tied 2s share ranks 1 and 2).
        //   d_ry = [-1.5, -0.5, 0.5, 1.5], d_rp = [-1, -1, 0.5, 1.5]: sum = 1.5 + 0.5 + 0.25 + 2.25 = 4.5;
        //   sum d_ry^2 = 5, sum d_rp^2 = 4.5 -> 4.5 / sqrt(22.5).
        Assert.Equal(4.5 / Math.Sqrt(22.5), metrics.Spearman, Tolerance);
        // RMSE = sqrt(2 / 4).
        Assert.Equal(Math.Sqrt(0.5), metrics.Rmse, Tolerance);
    }

    [Fact]
    public void Regression_WorseThanTheMean_NegativeR2_ConstantLabels_NaN()
    {
        // y = [1, 2, 3], p = [3, 2, 1]: SS_res = 4 + 0 + 4 = 8, SS_tot = 2 -> R2 = 1 - 4 = -3; r = -1.
        var reversed = BenchmarkMetrics.Regression([1, 2, 3], [3, 2, 1]);
        Assert.Equal(-3, reversed.R2, Tolerance);
        Assert.Equal(-1, reversed.Pearson, Tolerance);
        Assert.Equal(-1, reversed.Spearman, Tolerance);

        var constant = BenchmarkMetrics.Regression([2, 2, 2], [1, 2, 3]);
        Assert.True(double.IsNaN(constant.R2));
        Assert.True(double.IsNaN(constant.Pearson));
    }

    [Fact]
    public void Spearman_TiesOnBothSides_AveragesRanks()
    {
        // x = [1, 1, 2, 2] -> ranks [1.5, 1.5, 3.5, 3.5]; y = [5, 6, 6, 7] -> ranks [1, 2.5, 2.5, 4].
        //   d_rx = [-1, -1, 1, 1], d_ry = [-1.5, 0, 0, 1.5]: sum = 1.5 + 0 + 0 + 1.5 = 3; sums of squares 4 and 4.5.
        Assert.Equal(3 / Math.Sqrt(18), BenchmarkMetrics.Spearman([1, 1, 2, 2], [5, 6, 6, 7]), Tolerance);
    }

    [Fact]
    public void MultiOutputRegression_PerOutputR2AndMean()
    {
        // Output 1 is the regression example above (R2 0.6); output 2 is predicted exactly (R2 1). Rows:
        //   labels [1, 0], [2, 1], [3, 0], [4, 1]; predictions [2, 0], [2, 1], [3, 0], [5, 1].
        var metrics = BenchmarkMetrics.MultiOutputRegression([1, 0, 2, 1, 3, 0, 4, 1], [2, 0, 2, 1, 3, 0, 5, 1], 2);

        Assert.Equal(0.6, metrics.PerOutput[0].R2, Tolerance);
        Assert.Equal(1.0, metrics.PerOutput[1].R2, Tolerance);
        Assert.Equal(0.8, metrics.MeanR2, Tolerance);
        Assert.Equal((5 / Math.Sqrt(30) + 1) / 2, metrics.MeanPearson, Tolerance);
        Assert.Equal(["mean_r2", "mean_pearson", "r2_o1", "pearson_o1", "r2_o2", "pearson_o2"], metrics.ToDictionary().Keys);
    }

    [Fact]
    public void MultiOutputRegression_ConstantOutput_IsLeftOutOfTheMean()
    {
        // Output 2 is constant (R2 undefined): the mean is output 1's R2 alone.
        var metrics = BenchmarkMetrics.MultiOutputRegression([1, 7, 2, 7, 3, 7, 4, 7], [2, 7, 2, 7, 3, 7, 5, 7], 2);

        Assert.True(double.IsNaN(metrics.PerOutput[1].R2));
        Assert.Equal(0.6, metrics.MeanR2, Tolerance);
    }
}
