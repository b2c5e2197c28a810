using AgroNT.MLNet.DataFrames;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class DataFrameJoinsTests
{
    private static DataFrame Predictions() => new(
        new StringDataFrameColumn("Name", ["a", "b", "c", "a"]),
        new SingleDataFrameColumn("Score", [0.9f, 0.2f, 0.5f, 0.8f]));

    private static DataFrame Metadata(params string[] names) => new(
        new StringDataFrameColumn("Name", names),
        new StringDataFrameColumn("Region", names.Select((n, i) => $"{n}-region{i}")),
        new Int32DataFrameColumn("Length", names.Select((_, i) => 100 * (i + 1))));

    [Fact]
    public void Join_Left_KeepsEveryRowInOrderAndNullsTheUnmatched()
    {
        var joined = DataFrameJoins.Join(Predictions(), Metadata("b", "a", "d"), "Name");

        Assert.Equal(["Name", "Score", "Region", "Length"], joined.Columns.Select(c => c.Name));
        Assert.Equal(["a", "b", "c", "a"], ((StringDataFrameColumn)joined["Name"]).Cast<string>());
        Assert.Equal(["a-region1", "b-region0", null, "a-region1"], ((StringDataFrameColumn)joined["Region"]).Cast<string?>());
        Assert.Equal([200, 100, null, 200], ((Int32DataFrameColumn)joined["Length"]).Select(v => v));
        Assert.Equal([0.9f, 0.2f, 0.5f, 0.8f], ((SingleDataFrameColumn)joined["Score"]).Select(v => v!.Value));
    }

    [Fact]
    public void Join_Inner_DropsUnmatchedRows()
    {
        var joined = DataFrameJoins.Join(Predictions(), Metadata("b", "a"), "Name", kind: JoinKind.Inner);

        Assert.Equal(["a", "b", "a"], ((StringDataFrameColumn)joined["Name"]).Cast<string>());
        Assert.Equal([200, 100, 200], ((Int32DataFrameColumn)joined["Length"]).Select(v => v));
    }

    [Fact]
    public void Join_DuplicateKeys_ErrorByDefault_FirstOrLastOnRequest()
    {
        var metadata = Metadata("a", "b", "a");

        var error = Assert.Throws<ArgumentException>(() => DataFrameJoins.Join(Predictions(), metadata, "Name"));
        Assert.Contains("'a' is on rows 0 and 2", error.Message);
        Assert.Contains("KeepFirst", error.Message);

        Assert.Equal(100, DataFrameJoins.Join(Predictions(), metadata, "Name", duplicates: DuplicateKeyPolicy.KeepFirst)["Length"][0]);
        Assert.Equal(300, DataFrameJoins.Join(Predictions(), metadata, "Name", duplicates: DuplicateKeyPolicy.KeepLast)["Length"][0]);
    }

    [Fact]
    public void Join_MissingKeyColumn_NamesTheSideAndTheColumns()
    {
        var error = Assert.Throws<ArgumentException>(() => DataFrameJoins.Join(Predictions(), Metadata("a"), "Name", rightKeyColumnName: "Sequence"));

        Assert.Contains("right table has no key column 'Sequence'", error.Message);
        Assert.Contains("'Region'", error.Message);
    }

    [Fact]
    public void Join_DifferentKeyName_UsesTheRightKeyAndDropsIt()
    {
        var metadata = Metadata("a", "b");
        metadata.Columns["Name"].SetName("id");

        var joined = DataFrameJoins.Join(Predictions(), metadata, "Name", rightKeyColumnName: "id");

        Assert.Equal(["Name", "Score", "Region", "Length"], joined.Columns.Select(c => c.Name));
        Assert.Equal("b-region1", joined["Region"][1]);
    }

    [Fact]
    public void Join_ColumnOnBothSides_IsAnError()
    {
        var metadata = Metadata("a");
        metadata.Columns.Add(new SingleDataFrameColumn("Score", [1f]));

        var error = Assert.Throws<ArgumentException>(() => DataFrameJoins.Join(Predictions(), metadata, "Name"));

        Assert.Contains("'Score'", error.Message);
    }

    [Fact]
    public void Join_KeyTypesDiffer_IsAnError()
    {
        var metadata = new DataFrame(new Int32DataFrameColumn("Name", [1]), new Int32DataFrameColumn("Length", [5]));

        var error = Assert.Throws<ArgumentException>(() => DataFrameJoins.Join(Predictions(), metadata, "Name"));

        Assert.Contains("different types", error.Message);
    }
}
