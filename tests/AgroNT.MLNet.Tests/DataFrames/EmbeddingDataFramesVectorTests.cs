using AgroNT.MLNet.DataFrames;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.DataFrames;

public sealed class EmbeddingDataFramesVectorTests
{
    private static readonly (string, float[])[] s_rows = [("a", [1f, 2f, 3f]), ("b", [4f, 5f, 6f])];

    [Fact]
    public void ToVectorDataFrame_ExpandVectorColumn_EqualsThePerDimensionForm()
    {
        var vectors = EmbeddingDataFrames.ToVectorDataFrame(s_rows);
        var expanded = EmbeddingDataFrames.ExpandVectorColumn(vectors);
        var direct = EmbeddingDataFrames.ToDataFrame(s_rows);

        Assert.Equal(["Id", "Embedding"], vectors.Columns.Select(c => c.Name));
        Assert.Equal([4f, 5f, 6f], ((VBufferDataFrameColumn<float>)vectors["Embedding"])[1].DenseValues());
        Assert.Equal(direct.Columns.Select(c => c.Name), expanded.Columns.Select(c => c.Name));
        Assert.Equal(direct["e2"][1], expanded["e2"][1]);
        Assert.Equal(direct["Id"][0], expanded["Id"][0]);
    }

    [Fact]
    public void CollapseToVectorColumn_PerDimensionForm_GivesTheVectors()
    {
        var frame = EmbeddingDataFrames.ToDataFrame(s_rows);
        frame.Columns.Add(new BooleanDataFrameColumn("Label", [true, false]));

        var collapsed = EmbeddingDataFrames.CollapseToVectorColumn(frame);

        Assert.Equal(["Id", "Embedding", "Label"], collapsed.Columns.Select(c => c.Name));
        Assert.Equal([1f, 2f, 3f], ((VBufferDataFrameColumn<float>)collapsed["Embedding"])[0].DenseValues());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ToDataView_EitherForm_GivesAFixedSizeFeatureVectorATrainerAccepts(bool vectorForm)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 20).Select(i => ($"s{i}", new[] { i % 2 == 0 ? 1f : -1f, i * 0.1f, 0.5f })).ToList();
        var frame = vectorForm ? EmbeddingDataFrames.ToVectorDataFrame(rows) : EmbeddingDataFrames.ToDataFrame(rows);
        frame.Columns.Add(new BooleanDataFrameColumn("Label", rows.Select((_, i) => i % 2 == 0)));

        var view = EmbeddingDataFrames.ToDataView(ml, frame, vectorColumn: vectorForm ? "Embedding" : null);

        var features = view.Schema["Features"].Type as VectorDataViewType;
        Assert.NotNull(features);
        Assert.Equal(3, features.Size);
        Assert.Equal(["Id", "Label", "Features"], view.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        var firstRow = view.GetColumn<VBuffer<float>>("Features").First().DenseValues().ToArray();
        Assert.Equal([1f, 0f, 0.5f], firstRow);
        var model = ml.BinaryClassification.Trainers.LbfgsLogisticRegression().Fit(view);
        Assert.Equal(1.0, ml.BinaryClassification.Evaluate(model.Transform(view)).AreaUnderRocCurve);
    }

    [Fact]
    public void ToDataView_NoDimensions_NamesTheExpectedColumns()
    {
        var frame = new DataFrame(new StringDataFrameColumn("Id", ["a"]));

        var error = Assert.Throws<ArgumentException>(() => EmbeddingDataFrames.ToDataView(new MLContext(1), frame));

        Assert.Contains("no embedding column 'e0'", error.Message);
    }
}
