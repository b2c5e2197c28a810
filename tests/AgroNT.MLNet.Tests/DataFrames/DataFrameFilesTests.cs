using AgroNT.MLNet.DataFrames;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class DataFrameFilesTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static DataFrame Table() => new(
        new StringDataFrameColumn("Name", ["a,1", "b \"q\"", null]),
        new BooleanDataFrameColumn("Label", [true, null, false]),
        new SingleDataFrameColumn("Score", [0.1f, 1e-8f, null]),
        new DoubleDataFrameColumn("Auroc", [Math.PI, null, -2.5]),
        new Int32DataFrameColumn("Length", [402, null, 7]),
        new Int64DataFrameColumn("Start", [5_000_000_000L, 2, null]));

    [Fact]
    public void Parquet_RoundTrip_KeepsTypesValuesAndNulls()
    {
        var table = Table();

        DataFrameFiles.Save(table, _folder.File("t.parquet"));
        var loaded = DataFrameFiles.Load(_folder.File("t.parquet"));

        Assert.Equal(["t.parquet"], _folder.FileNames());
        AssertSame(table, loaded);
    }

    [Fact]
    public void Csv_RoundTripWithTypes_KeepsValuesAndNulls()
    {
        var table = Table();

        DataFrameFiles.Save(table, _folder.File("t.csv"));
        var loaded = DataFrameFiles.LoadCsv(_folder.File("t.csv"), [typeof(string), typeof(bool), typeof(float), typeof(double), typeof(int), typeof(long)]);

        Assert.Equal(["t.csv"], _folder.FileNames());
        Assert.Equal("Name,Label,Score,Auroc,Length,Start", File.ReadLines(_folder.File("t.csv")).First());
        Assert.Equal(table["Score"][1], loaded["Score"][1]);
        Assert.Equal(table["Auroc"][0], loaded["Auroc"][0]);
        Assert.Equal(table["Start"][0], loaded["Start"][0]);
        Assert.Equal("a,1", loaded["Name"][0]);
        Assert.Equal("b \"q\"", loaded["Name"][1]);
        Assert.Null(loaded["Length"][1]);
    }

    [Fact]
    public void Load_MissingFileOrUnknownExtension_SaysSo()
    {
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => DataFrameFiles.Load(_folder.File("no.parquet"))).Message);
        Assert.Contains(".csv or .parquet", Assert.Throws<ArgumentException>(() => DataFrameFiles.Save(Table(), _folder.File("t.xlsx"))).Message);
    }

    [Fact]
    public void Save_VectorColumn_AsksToExpandAndWritesNothing()
    {
        var frame = EmbeddingDataFrames.ToVectorDataFrame([("a", [1f, 2f])]);

        var error = Assert.Throws<ArgumentException>(() => DataFrameFiles.SaveParquet(frame, _folder.File("v.parquet")));

        Assert.Contains("ExpandVectorColumn", error.Message);
        Assert.Empty(_folder.FileNames());
    }

    private static void AssertSame(DataFrame expected, DataFrame actual)
    {
        Assert.Equal(expected.Columns.Select(c => (c.Name, c.DataType)), actual.Columns.Select(c => (c.Name, c.DataType)));
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (int c = 0; c < expected.Columns.Count; c++)
        {
            for (long r = 0; r < expected.Rows.Count; r++)
            {
                Assert.Equal(expected.Columns[c][r], actual.Columns[c][r]);
            }
        }
    }
}
