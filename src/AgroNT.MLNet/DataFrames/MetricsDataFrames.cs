using System.Globalization;
using AgroNT.Transforms.Benchmarks;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.DataFrames;

/// <summary>
/// Metric records as <see cref="DataFrame"/>s: one row per named run (a model, a method, a task) and one Double column
/// per metric, named as the records' <c>ToDictionary</c> names them (<c>auroc</c>, <c>r2</c>, ...), so runs of different
/// kinds line up in one table. Per-label and per-output breakdowns have one row per label or output.
/// </summary>
public static class MetricsDataFrames
{
    /// <summary>The default name of the column naming each run.</summary>
    public const string RunColumnName = "Run";

    /// <summary>One row per run: the run's name, then one column per metric name in first-seen order; a metric a run lacks is null.</summary>
    /// <param name="runs">The runs and their metrics by name.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    /// <exception cref="ArgumentException">A metric is named like the run column.</exception>
    public static DataFrame FromMetrics(IEnumerable<(string Run, IReadOnlyDictionary<string, double> Metrics)> runs, string runColumnName = RunColumnName)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentException.ThrowIfNullOrEmpty(runColumnName);
        var list = runs.ToList();
        var names = new StringDataFrameColumn(runColumnName);
        var metricNames = list.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
        if (metricNames.Contains(runColumnName, StringComparer.Ordinal))
        {
            throw new ArgumentException($"A metric is named '{runColumnName}', the run column's name; pass another runColumnName.", nameof(runColumnName));
        }
        var columns = metricNames.Select(m => new DoubleDataFrameColumn(m)).ToList();
        foreach (var (run, metrics) in list)
        {
            names.Append(run);
            for (int i = 0; i < metricNames.Count; i++)
            {
                columns[i].Append(metrics.TryGetValue(metricNames[i], out double value) ? value : null);
            }
        }
        return new DataFrame([names, .. columns]);
    }

    /// <summary>One row per run of binary benchmark metrics: <c>auroc</c>, <c>auprc</c>, <c>mcc</c>, <c>f1</c>, <c>accuracy</c>, <c>positives</c>, <c>negatives</c>, <c>threshold</c>.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics(IEnumerable<(string Run, BinaryTaskMetrics Metrics)> runs, string runColumnName = RunColumnName) =>
        FromMetrics(runs.Select(r => (r.Run, With(r.Metrics.ToDictionary(), ("positives", r.Metrics.Positives), ("negatives", r.Metrics.Negatives), ("threshold", r.Metrics.Threshold)))), runColumnName);

    /// <summary>One row per run of regression benchmark metrics: <c>r2</c>, <c>pearson</c>, <c>spearman</c>, <c>rmse</c>, <c>count</c>.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics(IEnumerable<(string Run, RegressionTaskMetrics Metrics)> runs, string runColumnName = RunColumnName) =>
        FromMetrics(runs.Select(r => (r.Run, With(r.Metrics.ToDictionary(), ("count", r.Metrics.Count)))), runColumnName);

    /// <summary>One row per run of multi-label benchmark metrics: <c>macro_auroc</c>, <c>macro_auprc</c>, then each evaluated label's <c>auroc_lK</c>, <c>auprc_lK</c>.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics(IEnumerable<(string Run, MultiLabelTaskMetrics Metrics)> runs, string runColumnName = RunColumnName) =>
        FromMetrics(runs.Select(r => (r.Run, r.Metrics.ToDictionary())), runColumnName);

    /// <summary>One row per run of multi-output regression metrics: <c>mean_r2</c>, <c>mean_pearson</c>, then <c>r2_oK</c>, <c>pearson_oK</c>.</summary>
    /// <param name="runs">The runs.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics(IEnumerable<(string Run, MultiOutputRegressionTaskMetrics Metrics)> runs, string runColumnName = RunColumnName) =>
        FromMetrics(runs.Select(r => (r.Run, r.Metrics.ToDictionary())), runColumnName);

    /// <summary>
    /// One row per run of ML.NET binary classification metrics (calibrated ones add <c>log_loss</c>,
    /// <c>log_loss_reduction</c>, <c>entropy</c>): <c>auroc</c>, <c>auprc</c>, <c>accuracy</c>, <c>f1</c>,
    /// <c>positive_precision</c>, <c>positive_recall</c>, <c>negative_precision</c>, <c>negative_recall</c>.
    /// </summary>
    /// <typeparam name="TMetrics"><see cref="BinaryClassificationMetrics"/> or <see cref="CalibratedBinaryClassificationMetrics"/>.</typeparam>
    /// <param name="runs">The runs, as <c>mlContext.BinaryClassification.Evaluate</c> returns them.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics<TMetrics>(IEnumerable<(string Run, TMetrics Metrics)> runs, string runColumnName = RunColumnName)
        where TMetrics : BinaryClassificationMetrics =>
        FromMetrics(runs.Select(r => (r.Run, ToDictionary(r.Metrics))), runColumnName);

    /// <summary>One row per run of ML.NET regression metrics: <c>r2</c>, <c>mae</c>, <c>mse</c>, <c>rmse</c>, <c>loss</c>.</summary>
    /// <param name="runs">The runs, as <c>mlContext.Regression.Evaluate</c> returns them.</param>
    /// <param name="runColumnName">The name of the run column.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame FromMetrics(IEnumerable<(string Run, RegressionMetrics Metrics)> runs, string runColumnName = RunColumnName) =>
        FromMetrics(runs.Select(r => (r.Run, (IReadOnlyDictionary<string, double>)new Dictionary<string, double>
        {
            ["r2"] = r.Metrics.RSquared, ["mae"] = r.Metrics.MeanAbsoluteError, ["mse"] = r.Metrics.MeanSquaredError,
            ["rmse"] = r.Metrics.RootMeanSquaredError, ["loss"] = r.Metrics.LossFunction,
        })), runColumnName);

    /// <summary>
    /// One row per label of a multi-label result: <c>label</c> (<c>l1</c> ...), <c>positives</c>, <c>negatives</c>,
    /// <c>auroc</c> and <c>auprc</c> (null for a skipped label) and <c>skipped</c>.
    /// </summary>
    /// <param name="metrics">The result of <see cref="BenchmarkMetrics.MultiLabel"/>.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame PerLabel(MultiLabelTaskMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new DataFrame(
            new StringDataFrameColumn("label", metrics.PerLabel.Select(l => string.Create(CultureInfo.InvariantCulture, $"l{l.Index + 1}"))),
            new Int32DataFrameColumn("positives", metrics.PerLabel.Select(l => l.Positives)),
            new Int32DataFrameColumn("negatives", metrics.PerLabel.Select(l => l.Negatives)),
            new DoubleDataFrameColumn("auroc", metrics.PerLabel.Select(l => l.Auroc)),
            new DoubleDataFrameColumn("auprc", metrics.PerLabel.Select(l => l.Auprc)),
            new BooleanDataFrameColumn("skipped", metrics.PerLabel.Select(l => l.Skipped)));
    }

    /// <summary>One row per output of a multi-output regression result: <c>output</c> (<c>o1</c> ...), <c>r2</c>, <c>pearson</c>, <c>spearman</c>, <c>rmse</c>, <c>count</c>.</summary>
    /// <param name="metrics">The result of <see cref="BenchmarkMetrics.MultiOutputRegression"/>.</param>
    /// <returns>The data frame.</returns>
    public static DataFrame PerOutput(MultiOutputRegressionTaskMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var outputs = metrics.PerOutput;
        return new DataFrame(
            new StringDataFrameColumn("output", outputs.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"o{i + 1}"))),
            new DoubleDataFrameColumn("r2", outputs.Select(o => o.R2)),
            new DoubleDataFrameColumn("pearson", outputs.Select(o => o.Pearson)),
            new DoubleDataFrameColumn("spearman", outputs.Select(o => o.Spearman)),
            new DoubleDataFrameColumn("rmse", outputs.Select(o => o.Rmse)),
            new Int32DataFrameColumn("count", outputs.Select(o => o.Count)));
    }

    private static IReadOnlyDictionary<string, double> ToDictionary(BinaryClassificationMetrics metrics)
    {
        var result = new Dictionary<string, double>
        {
            ["auroc"] = metrics.AreaUnderRocCurve, ["auprc"] = metrics.AreaUnderPrecisionRecallCurve, ["accuracy"] = metrics.Accuracy,
            ["f1"] = metrics.F1Score, ["positive_precision"] = metrics.PositivePrecision, ["positive_recall"] = metrics.PositiveRecall,
            ["negative_precision"] = metrics.NegativePrecision, ["negative_recall"] = metrics.NegativeRecall,
        };
        if (metrics is CalibratedBinaryClassificationMetrics calibrated)
        {
            result["log_loss"] = calibrated.LogLoss;
            result["log_loss_reduction"] = calibrated.LogLossReduction;
            result["entropy"] = calibrated.Entropy;
        }
        return result;
    }

    private static IReadOnlyDictionary<string, double> With(IReadOnlyDictionary<string, double> metrics, params (string Name, double Value)[] extra)
    {
        var result = new Dictionary<string, double>(metrics);
        foreach (var (name, value) in extra)
        {
            result[name] = value;
        }
        return result;
    }
}
