using System.Globalization;

namespace AgroNT.Transforms.Benchmarks;

/// <summary>Binary classification metrics, as <see cref="BenchmarkMetrics.Binary"/> computes them.</summary>
/// <param name="Auroc">Area under the ROC curve (tied scores count one half); NaN when only one class is present.</param>
/// <param name="Auprc">Average precision (step-wise area under the precision-recall curve, ties grouped); NaN without positives.</param>
/// <param name="Mcc">Matthews correlation coefficient at <paramref name="Threshold"/>; 0 when a confusion-matrix margin is empty.</param>
/// <param name="F1">F1 score of the positive class at <paramref name="Threshold"/>; 0 when there are no positives and none predicted.</param>
/// <param name="Accuracy">Share of correct predictions at <paramref name="Threshold"/>.</param>
/// <param name="Positives">Examples labelled positive.</param>
/// <param name="Negatives">Examples labelled negative.</param>
/// <param name="Threshold">Scores at or above it are predicted positive.</param>
public sealed record BinaryTaskMetrics(double Auroc, double Auprc, double Mcc, double F1, double Accuracy, int Positives, int Negatives, double Threshold)
{
    /// <summary>The metrics by their conventional names: <c>auroc</c>, <c>auprc</c>, <c>mcc</c>, <c>f1</c>, <c>accuracy</c>.</summary>
    /// <returns>A new dictionary in that order.</returns>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["auroc"] = Auroc, ["auprc"] = Auprc, ["mcc"] = Mcc, ["f1"] = F1, ["accuracy"] = Accuracy,
    };
}

/// <summary>One label's ranking metrics in a multi-label task.</summary>
/// <param name="Index">The label's 0-based position in the header (<c>l1</c> is 0).</param>
/// <param name="Positives">Examples with the label set.</param>
/// <param name="Negatives">Examples without it.</param>
/// <param name="Auroc">The label's AUROC, or <see langword="null"/> when it was skipped (one class only).</param>
/// <param name="Auprc">The label's average precision, or <see langword="null"/> when it was skipped.</param>
public sealed record LabelMetrics(int Index, int Positives, int Negatives, double? Auroc, double? Auprc)
{
    /// <summary>Whether the label was left out of the averages because the data holds only one of its classes.</summary>
    public bool Skipped => Auroc is null;
}

/// <summary>Multi-label classification metrics, as <see cref="BenchmarkMetrics.MultiLabel"/> computes them.</summary>
/// <param name="PerLabel">Every label in header order, evaluated or skipped.</param>
/// <param name="MacroAuroc">Mean AUROC over the evaluated labels; NaN when every label was skipped.</param>
/// <param name="MacroAuprc">Mean average precision over the evaluated labels; NaN when every label was skipped.</param>
public sealed record MultiLabelTaskMetrics(IReadOnlyList<LabelMetrics> PerLabel, double MacroAuroc, double MacroAuprc)
{
    /// <summary>The 0-based indices of the labels left out because only one class is present.</summary>
    public IReadOnlyList<int> SkippedLabels => [.. PerLabel.Where(l => l.Skipped).Select(l => l.Index)];

    /// <summary>One sentence per skipped label, saying why (for logs and reports).</summary>
    public IReadOnlyList<string> Notes => [.. PerLabel.Where(l => l.Skipped).Select(l => string.Create(CultureInfo.InvariantCulture,
        $"label l{l.Index + 1} skipped: it has {(l.Positives == 0 ? "no positives" : "no negatives")} in these {l.Positives + l.Negatives} examples, so AUROC and AUPRC are undefined"))];

    /// <summary>
    /// The metrics by name: <c>macro_auroc</c>, <c>macro_auprc</c>, then <c>auroc_l1</c>, <c>auprc_l1</c>, ... for each
    /// evaluated label (labels numbered from 1, as in <c>name|l1|...|lK</c>).
    /// </summary>
    /// <returns>A new dictionary in that order.</returns>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double> { ["macro_auroc"] = MacroAuroc, ["macro_auprc"] = MacroAuprc };
        foreach (LabelMetrics label in PerLabel.Where(l => !l.Skipped))
        {
            result[string.Create(CultureInfo.InvariantCulture, $"auroc_l{label.Index + 1}")] = label.Auroc!.Value;
            result[string.Create(CultureInfo.InvariantCulture, $"auprc_l{label.Index + 1}")] = label.Auprc!.Value;
        }
        return result;
    }
}

/// <summary>Regression metrics, as <see cref="BenchmarkMetrics.Regression"/> computes them.</summary>
/// <param name="R2">Coefficient of determination <c>1 - SS_res / SS_tot</c>; NaN when the labels are constant.</param>
/// <param name="Pearson">Pearson correlation; NaN when labels or predictions are constant.</param>
/// <param name="Spearman">Spearman rank correlation, tied values sharing their average rank; NaN when either side is constant.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Count">Examples evaluated.</param>
public sealed record RegressionTaskMetrics(double R2, double Pearson, double Spearman, double Rmse, int Count)
{
    /// <summary>The metrics by name: <c>r2</c>, <c>pearson</c>, <c>spearman</c>, <c>rmse</c>.</summary>
    /// <returns>A new dictionary in that order.</returns>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["r2"] = R2, ["pearson"] = Pearson, ["spearman"] = Spearman, ["rmse"] = Rmse,
    };
}

/// <summary>Multi-output regression metrics, as <see cref="BenchmarkMetrics.MultiOutputRegression"/> computes them.</summary>
/// <param name="PerOutput">Each output's metrics, in header order.</param>
/// <param name="MeanR2">Mean R2 over the outputs whose R2 is defined (non-constant labels); NaN when none is.</param>
/// <param name="MeanPearson">Mean Pearson correlation over the outputs where it is defined.</param>
public sealed record MultiOutputRegressionTaskMetrics(IReadOnlyList<RegressionTaskMetrics> PerOutput, double MeanR2, double MeanPearson)
{
    /// <summary>The metrics by name: <c>mean_r2</c>, <c>mean_pearson</c>, then <c>r2_o1</c>, <c>pearson_o1</c>, ... (outputs numbered from 1).</summary>
    /// <returns>A new dictionary in that order.</returns>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var result = new Dictionary<string, double> { ["mean_r2"] = MeanR2, ["mean_pearson"] = MeanPearson };
        for (int i = 0; i < PerOutput.Count; i++)
        {
            result[string.Create(CultureInfo.InvariantCulture, $"r2_o{i + 1}")] = PerOutput[i].R2;
            result[string.Create(CultureInfo.InvariantCulture, $"pearson_o{i + 1}")] = PerOutput[i].Pearson;
        }
        return result;
    }
}

/// <summary>A task's metrics with its headline one, from <see cref="BenchmarkMetrics.Evaluate"/>.</summary>
/// <param name="HeadlineName">The headline metric's name (<c>auroc</c>, <c>macro_auroc</c>, <c>r2</c> or <c>mean_r2</c>).</param>
/// <param name="Headline">Its value.</param>
/// <param name="All">Every metric of the problem type by name, the headline included.</param>
/// <param name="Notes">What a reader should know (labels with one class, which leave their AUROC undefined).</param>
public sealed record TaskEvaluation(string HeadlineName, double Headline, IReadOnlyDictionary<string, double> All, IReadOnlyList<string> Notes);
