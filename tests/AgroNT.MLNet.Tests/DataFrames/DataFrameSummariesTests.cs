using AgroNT.MLNet.DataFrames;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class DataFrameSummariesTests
{
    private static DataFrame Table() => new(
        new StringDataFrameColumn("Group", ["g1", "g1", "g2", "g2", "g2", "g3"]),
        new BooleanDataFrameColumn("Label", [true, false, true, false, true, true]),
        new SingleDataFrameColumn("Score", [0.9f, 0.1f, 0.8f, 0.4f, 0.3f, 0.5f]),
        new Int32DataFrameColumn("Length", [10, 20, 30, 40, 50, null]));

    [Fact]
    public void GroupSummary_CountsAndMeans_HandComputed()
    {
        var summary = DataFrameSummaries.GroupSummary(Table(), "Group");

        Assert.Equal(["Group", "count", "mean_Score", "mean_Length"], summary.Columns.Select(c => c.Name));
        Assert.Equal(["g1", "g2", "g3"], ((StringDataFrameColumn)summary["Group"]).Cast<string>());
        Assert.Equal([2L, 3L, 1L], ((Int64DataFrameColumn)summary["count"]).Select(v => v!.Value));
        Assert.Equal(0.5, (double)summary["mean_Score"][0]!, 6);
        Assert.Equal(0.5, (double)summary["mean_Score"][1]!, 6);
        Assert.Equal(15.0, summary["mean_Length"][0]);
        Assert.Equal(40.0, summary["mean_Length"][1]);
        Assert.Null(summary["mean_Length"][2]);
    }

    [Fact]
    public void GroupSummary_LabelAndScore_AurocPerGroup()
    {
        var summary = DataFrameSummaries.GroupSummary(Table(), "Group", "Label", "Score");

        // g1: the positive 0.9 beats the negative 0.1. g2: positives 0.8 and 0.3 against the negative 0.4 -> 1 of 2 pairs;
        // its average precision: recall 1/2 at precision 1 (0.8), then recall 1 at precision 2/3 (0.3) -> 1/2 + 1/3.
        Assert.Equal(1.0, summary["auroc"][0]);
        Assert.Equal(0.5, summary["auroc"][1]);
        Assert.Equal(0.5 + 1.0 / 3, (double)summary["auprc"][1]!, 12);
        Assert.True(double.IsNaN((double)summary["auroc"][2]!), "one class only: AUROC is undefined");
        Assert.Equal([1L, 2L, 1L], ((Int64DataFrameColumn)summary["positives"]).Select(v => v!.Value));
    }

    [Fact]
    public void GroupSummary_MissingColumn_ListsTheColumns()
    {
        var error = Assert.Throws<ArgumentException>(() => DataFrameSummaries.GroupSummary(Table(), "Species"));

        Assert.Contains("no column 'Species'", error.Message);
        Assert.Contains("'Group'", error.Message);
    }

    [Fact]
    public void GroupSummary_LabelWithoutScore_IsAnError()
    {
        Assert.Throws<ArgumentException>(() => DataFrameSummaries.GroupSummary(Table(), "Group", labelColumnName: "Label"));
        var error = Assert.Throws<ArgumentException>(() => DataFrameSummaries.GroupSummary(Table(), "Group", "Score", "Score"));
        Assert.Contains("Boolean labels", error.Message);
    }
}
