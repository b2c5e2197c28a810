using AgroNT.MLNet.DataFrames;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.MLNet.Tests.EmbeddingFiles;
using Microsoft.Data.Analysis;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class EmbeddingDataFramesTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ToDataFrame_FixedLengthRows_MakesAnIdColumnAndOneFloatColumnPerDimension()
    {
        var frame = EmbeddingDataFrames.ToDataFrame([("a", [1f, 2f, 3f]), ("b,\"c\"", [4f, 5f, 6f])]);

        Assert.Equal(["Id", "e0", "e1", "e2"], frame.Columns.Select(c => c.Name));
        Assert.IsType<StringDataFrameColumn>(frame.Columns["Id"]);
        Assert.All(frame.Columns.Skip(1), c => Assert.IsType<SingleDataFrameColumn>(c));
        Assert.Equal(2, frame.Rows.Count);
        Assert.Equal("b,\"c\"", frame["Id"][1]);
        Assert.Equal(6f, frame["e2"][1]);
    }

    [Fact]
    public void ToDataFrame_CustomNames_AreUsed()
    {
        var frame = EmbeddingDataFrames.ToDataFrame([("a", [1f, 2f])], idColumn: "sequence", prefix: "dim_");

        Assert.Equal(["sequence", "dim_0", "dim_1"], frame.Columns.Select(c => c.Name));
    }

    [Fact]
    public void ToDataFrame_IdColumnNamedLikeADimension_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => EmbeddingDataFrames.ToDataFrame([("a", [1f, 2f])], idColumn: "e1"));

        Assert.Equal("idColumn", error.ParamName);
    }

    [Fact]
    public void ToDataFrame_VariableLengthRows_ThrowsNamingTheRowAndTheFix()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddingDataFrames.ToDataFrame([("a", [1f, 2f]), ("b", [1f])]));

        Assert.Contains("Row 1 (id 'b') has 1 values, but the earlier rows have 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("mean or cls", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDataFrame_NoRows_HasTheIdColumnAlone()
    {
        var frame = EmbeddingDataFrames.ToDataFrame([]);

        Assert.Equal(["Id"], frame.Columns.Select(c => c.Name));
        Assert.Equal(0, frame.Rows.Count);
    }

    [Theory]
    [InlineData("out.parquet")]
    [InlineData("out.csv")]
    [InlineData("out.jsonl")]
    [InlineData("out.npy")]
    public void ToDataFrame_EmbeddingFile_ReadsItsRows(string name)
    {
        string path = _folder.File(name);
        var rows = EmbeddingRows.Fixed(25, 6, finiteOnly: true, idsWithLineBreaks: false);
        using (var writer = EmbeddingFileWriter.Create(path))
        {
            foreach (var (id, embedding) in rows)
            {
                writer.Write(id, embedding);
            }
            writer.Complete();
        }

        var frame = EmbeddingDataFrames.ToDataFrame(path);

        Assert.Equal(25, frame.Rows.Count);
        Assert.Equal(7, frame.Columns.Count);
        Assert.Equal(rows.Select(r => r.Id), frame["Id"].Cast<string>());
        Assert.Equal(rows.Select(r => r.Embedding[5]), frame["e5"].Cast<float?>().Select(v => v!.Value));
    }
}
