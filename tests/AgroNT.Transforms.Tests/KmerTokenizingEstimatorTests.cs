using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

public sealed class KmerTokenizingEstimatorTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static SchemaShape InputShape(IDataView data)
    {
        // The public route to an input shape: an ML.NET estimator that passes columns through.
        return s_context.Transforms.CopyColumns("Copy", "Label").GetOutputSchema(
            new SchemaShape(data.Schema.Select(c => SchemaShapeColumns.Create(c.Name, SchemaShape.Column.VectorKind.Scalar, (PrimitiveDataViewType)c.Type))));
    }

    [Theory]
    [InlineData(null, SchemaShape.Column.VectorKind.VariableVector)]
    [InlineData(32, SchemaShape.Column.VectorKind.Vector)]
    public void GetOutputSchema_TextInput_AddsIntVectorColumns(int? fixedLength, SchemaShape.Column.VectorKind kind)
    {
        var estimator = new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, FixedLength = fixedLength });

        SchemaShape output = estimator.GetOutputSchema(InputShape(TestDna.Load(s_context)));

        foreach (string name in new[] { "TokenIds", "AttentionMask" })
        {
            SchemaShape.Column column = output.Single(c => c.Name == name);
            Assert.Equal(kind, column.Kind);
            Assert.Equal(NumberDataViewType.Int32, column.ItemType);
        }

        Assert.Contains(output, c => c.Name == "Sequence");
        Assert.Contains(output, c => c.Name == "Label");
    }

    [Fact]
    public void GetOutputSchema_MissingColumn_NamesItAndListsTheInput()
    {
        var estimator = new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, InputColumnName = "Dna" });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(InputShape(TestDna.Load(s_context))));

        Assert.Contains("'Dna'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Sequence', 'Label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetOutputSchema_NonTextColumn_NamesColumnExpectedAndActualType()
    {
        var estimator = new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, InputColumnName = "Label" });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(InputShape(TestDna.Load(s_context))));

        Assert.Contains("'Label'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Single", error.Message, StringComparison.Ordinal);
        Assert.Contains("Text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NonTextColumn_NamesColumnExpectedAndActualType()
    {
        var estimator = new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, InputColumnName = "Label" });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(TestDna.Load(s_context)));

        Assert.Contains("'Label' has type Single", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected Text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InconsistentOptions_Throw()
    {
        Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions()));
        Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, ModelFolder = SharedData.TinyModel }));
        Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, TokenizerOptions = KmerTokenizerOptions.Default }));
        Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, AttentionMaskColumnName = "TokenIds" }));
        Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, OutputColumnName = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, FixedLength = 1025 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KmerTokenizingEstimator(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, FixedLength = 1 }));
    }

    [Fact]
    public void Constructor_WindowsPolicy_IsRefusedWithAlternatives()
    {
        var options = new KmerTokenizingOptions { ModelFolder = SharedData.TinyModel, TokenizerOptions = new KmerTokenizerOptions { LengthPolicy = LengthPolicy.Windows } };

        var error = Assert.Throws<ArgumentException>(() => new KmerTokenizingEstimator(options));

        Assert.Contains("EncodeWindows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_DownstreamConversion_FitsAndTransforms()
    {
        IDataView data = TestDna.Load(s_context);
        EstimatorChain<Microsoft.ML.Transforms.TypeConvertingTransformer> pipeline = s_context.Transforms
            .TokenizeDna(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, FixedLength = 12 })
            .Append(s_context.Transforms.Conversion.ConvertType("Features", "TokenIds", DataKind.Single));

        SchemaShape shape = pipeline.GetOutputSchema(InputShape(data));
        IDataView output = pipeline.Fit(data).Transform(data);

        Assert.Equal(SchemaShape.Column.VectorKind.Vector, shape.Single(c => c.Name == "Features").Kind);
        Assert.Equal(12, ((VectorDataViewType)output.Schema["Features"].Type).Size);
        float[][] features = [.. output.GetColumn<float[]>("Features")];
        Assert.Equal(TestDna.Expected(TestDna.Sequences[0]).Select(i => (float)i).Append(1f), features[0].Take(9));
    }
}
