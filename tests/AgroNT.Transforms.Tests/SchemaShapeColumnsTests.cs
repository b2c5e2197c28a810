using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

public sealed class SchemaShapeColumnsTests
{
    [Fact]
    public void Create_VariableVector_MatchesWhatMLNetsOwnEstimatorsProduce()
    {
        var context = new MLContext(seed: 1);
        SchemaShape input = context.Transforms.Text.TokenizeIntoWords("Words", "Text").GetOutputSchema(
            new SchemaShape([SchemaShapeColumns.Create("Text", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance)]));
        SchemaShape.Column mlNet = input.Single(c => c.Name == "Words");

        SchemaShape.Column ours = SchemaShapeColumns.Create("Words", SchemaShape.Column.VectorKind.VariableVector, TextDataViewType.Instance);

        Assert.Equal(mlNet.Name, ours.Name);
        Assert.Equal(mlNet.Kind, ours.Kind);
        Assert.Equal(mlNet.ItemType, ours.ItemType);
        Assert.Equal(mlNet.IsKey, ours.IsKey);
        Assert.Empty(ours.Annotations);
    }

    [Theory]
    [InlineData(SchemaShape.Column.VectorKind.Scalar)]
    [InlineData(SchemaShape.Column.VectorKind.Vector)]
    [InlineData(SchemaShape.Column.VectorKind.VariableVector)]
    public void Create_Int32Column_IsAcceptedDownstream(SchemaShape.Column.VectorKind kind)
    {
        var context = new MLContext(seed: 1);
        var shape = new SchemaShape([SchemaShapeColumns.Create("Ids", kind, NumberDataViewType.Int32)]);

        SchemaShape converted = context.Transforms.Conversion.ConvertType("Floats", "Ids", DataKind.Single).GetOutputSchema(shape);

        SchemaShape.Column floats = converted.Single(c => c.Name == "Floats");
        Assert.Equal(kind, floats.Kind);
        Assert.Equal(NumberDataViewType.Single, floats.ItemType);
    }
}
