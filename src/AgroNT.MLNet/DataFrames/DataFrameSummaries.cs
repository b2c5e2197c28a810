using AgroNT.Transforms.Benchmarks;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.DataFrames;

/// <summary>Per-group summaries of analysis tables: row counts, means of the numeric columns and ranking metrics per group.</summary>
public static class DataFrameSummaries
{
    /// <summary>
    /// One row per distinct value of <paramref name="groupColumnName"/> (in order of first appearance; null values form
    /// their own group): the group value, <c>count</c>, <c>mean_X</c> for every other numeric column X (nulls skipped,
    /// null when a group has none), and when <paramref name="labelColumnName"/> and <paramref name="scoreColumnName"/>
    /// are given, the group's <c>positives</c>, <c>auroc</c> and <c>auprc</c> (NaN when the group holds one class only).
    /// </summary>
    /// <param name="frame">The table, such as predictions joined with metadata.</param>
    /// <param name="groupColumnName">The column to group by (any type).</param>
    /// <param name="labelColumnName">A Boolean label column for per-group AUROC/AUPRC, or <see langword="null"/>.</param>
    /// <param name="scoreColumnName">A Single or Double score column, higher meaning positive; required with a label.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, only one of label and score is given, or a label or score is null.</exception>
    public static DataFrame GroupSummary(DataFrame frame, string groupColumnName, string? labelColumnName = null, string? scoreColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var group = Column(frame, groupColumnName, nameof(groupColumnName));
        if ((labelColumnName is null) != (scoreColumnName is null))
        {
            throw new ArgumentException("Per-group AUROC needs both a label column and a score column; pass both or neither.", nameof(scoreColumnName));
        }
        BooleanDataFrameColumn? labels = null;
        DataFrameColumn? scores = null;
        if (labelColumnName is not null)
        {
            labels = Column(frame, labelColumnName, nameof(labelColumnName)) as BooleanDataFrameColumn
                ?? throw new ArgumentException($"The label column '{labelColumnName}' is {frame.Columns[labelColumnName].DataType.Name}; per-group AUROC needs Boolean labels.", nameof(labelColumnName));
            scores = Column(frame, scoreColumnName!, nameof(scoreColumnName));
            if (scores.DataType != typeof(float) && scores.DataType != typeof(double))
            {
                throw new ArgumentException($"The score column '{scoreColumnName}' is {scores.DataType.Name}; use a Single or Double column.", nameof(scoreColumnName));
            }
        }

        // Rows of each group, groups in order of first appearance; a sentinel stands for the null group.
        var sentinel = new object();
        var rowsByGroup = new Dictionary<object, List<long>>();
        var order = new List<object>();
        for (long row = 0; row < frame.Rows.Count; row++)
        {
            object key = group[row] ?? sentinel;
            if (!rowsByGroup.TryGetValue(key, out var rows))
            {
                rowsByGroup[key] = rows = [];
                order.Add(key);
            }
            rows.Add(row);
        }

        var output = new List<DataFrameColumn>
        {
            DataFrameJoins.Take(group, [.. order.Select(k => (long?)rowsByGroup[k][0])]),
            new Int64DataFrameColumn("count", order.Select(k => (long)rowsByGroup[k].Count)),
        };
        foreach (var column in frame.Columns.Where(c => c != group && c != labels && c.IsNumericColumn()))
        {
            output.Add(new DoubleDataFrameColumn("mean_" + column.Name, order.Select(k => Mean(column, rowsByGroup[k]))));
        }
        if (labels is not null)
        {
            var positives = new Int64DataFrameColumn("positives");
            var auroc = new DoubleDataFrameColumn("auroc");
            var auprc = new DoubleDataFrameColumn("auprc");
            foreach (object key in order)
            {
                var rows = rowsByGroup[key];
                var y = new bool[rows.Count];
                var s = new float[rows.Count];
                for (int i = 0; i < rows.Count; i++)
                {
                    y[i] = labels[rows[i]] ?? throw new ArgumentException($"Row {rows[i]} has no label in '{labelColumnName}'; drop unlabelled rows first.", nameof(labelColumnName));
                    s[i] = Convert.ToSingle(scores![rows[i]] ?? throw new ArgumentException($"Row {rows[i]} has no score in '{scoreColumnName}'; drop unscored rows first.", nameof(scoreColumnName)),
                        System.Globalization.CultureInfo.InvariantCulture);
                }
                int positive = y.Count(v => v);
                positives.Append(positive);
                bool bothClasses = positive > 0 && positive < y.Length;
                auroc.Append(bothClasses ? BenchmarkMetrics.Auroc(y, s) : double.NaN);
                auprc.Append(bothClasses ? BenchmarkMetrics.AveragePrecision(y, s) : double.NaN);
            }
            output.AddRange([positives, auroc, auprc]);
        }
        return new DataFrame(output);
    }

    private static double? Mean(DataFrameColumn column, List<long> rows)
    {
        double sum = 0;
        long count = 0;
        foreach (long row in rows)
        {
            if (column[row] is { } value)
            {
                sum += Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                count++;
            }
        }
        return count == 0 ? null : sum / count;
    }

    private static DataFrameColumn Column(DataFrame frame, string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        int index = frame.Columns.IndexOf(name);
        return index >= 0 ? frame.Columns[index]
            : throw new ArgumentException($"The table has no column '{name}'; its columns are {string.Join(", ", frame.Columns.Select(c => $"'{c.Name}'"))}.", parameter);
    }
}
