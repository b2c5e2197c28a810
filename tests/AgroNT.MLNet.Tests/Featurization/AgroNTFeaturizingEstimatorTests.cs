using System.Reflection;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTFeaturizingEstimatorTests
{
    private static readonly MLContext s_context = new(seed: 1);

    // ML.NET's own DataViewSchema -> SchemaShape conversion is internal; tests reach it by reflection, the product never does.
    private static readonly MethodInfo s_createShape = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static, [typeof(DataViewSchema)])!;

    private static SchemaShape InputShape(IDataView data) => (SchemaShape)s_createShape.Invoke(null, [data.Schema])!;

    private static IDataView Dna() => FeaturizingTestData.Load(s_context, ["ACGTACGT", "TTGACA"]);

    private static AgroNTFeaturizingEstimator Estimator(string input, Pooling pooling = Pooling.Mean) =>
        new(new AgroNTFeaturizingOptions { ModelFolder = SharedData.TinyModel, InputColumnName = input, Embedding = new AgroNTEmbeddingOptions { Pooling = pooling } });

    [Theory]
    [InlineData(Pooling.Mean, SchemaShape.Column.VectorKind.Vector)]
    [InlineData(Pooling.Cls, SchemaShape.Column.VectorKind.Vector)]
    [InlineData(Pooling.Tokens, SchemaShape.Column.VectorKind.VariableVector)]
    [InlineData(Pooling.PerNucleotide, SchemaShape.Column.VectorKind.VariableVector)]
    public void GetOutputSchema_TextInput_AddsASingleVectorColumn(Pooling pooling, SchemaShape.Column.VectorKind kind)
    {
        SchemaShape output = Estimator("Sequence", pooling).GetOutputSchema(InputShape(Dna()));

        SchemaShape.Column features = output.Single(c => c.Name == "Features");
        Assert.Equal(kind, features.Kind);
        Assert.Equal(NumberDataViewType.Single, features.ItemType);
        Assert.Contains(output, c => c.Name == "Sequence");
        Assert.Contains(output, c => c.Name == "Label");
    }

    [Fact]
    public void GetOutputSchema_TokenIdsAfterTokenizeDna_IsAccepted()
    {
        var pipeline = s_context.Transforms.TokenizeDna("TokenIds", "Sequence", SharedData.TinyModel)
            .Append(Estimator("TokenIds"));

        SchemaShape output = pipeline.GetOutputSchema(InputShape(Dna()));

        Assert.Equal(SchemaShape.Column.VectorKind.Vector, output.Single(c => c.Name == "Features").Kind);
    }

    [Fact]
    public void GetOutputSchema_MissingColumn_NamesItAndListsTheInput()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Dna").GetOutputSchema(InputShape(Dna())));

        Assert.Contains("'Dna'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Sequence', 'Label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_MissingColumn_NamesItAndListsTheInput()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Dna").Fit(Dna()));

        Assert.Contains("'Dna'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Sequence', 'Label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetOutputSchema_FloatScalar_NamesColumnExpectedAndActualType()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Label").GetOutputSchema(InputShape(Dna())));

        Assert.Contains("'Label' has type Single", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected Text", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int32/Int64 token ids", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_FloatScalar_NamesColumnExpectedAndActualType()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Label").Fit(Dna()));

        Assert.Contains("'Label' has type Single", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected Text", error.Message, StringComparison.Ordinal);
        Assert.Contains("Int32/Int64 token ids", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitAndGetOutputSchema_FloatVector_NameTheVectorType()
    {
        IDataView data = s_context.Transforms.Concatenate("Floats", "Label", "Label").Fit(Dna()).Transform(Dna());

        var fromShape = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Floats").GetOutputSchema(InputShape(data)));
        var fromFit = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Floats").Fit(data));

        Assert.Contains("'Floats' has type Vector<Single", fromShape.Message, StringComparison.Ordinal);
        Assert.Contains("'Floats' has type Vector<Single", fromFit.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InconsistentOptions_Throw()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        Assert.Throws<ArgumentException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions()));
        Assert.Throws<ArgumentException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, ModelFolder = SharedData.TinyModel }));
        Assert.Throws<ArgumentException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, ModelOptions = new AgroNTModelOptions() }));
        Assert.Throws<ArgumentException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, OutputColumnName = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, ReadAheadRows = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, Embedding = new AgroNTEmbeddingOptions { BatchSize = 0 } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions { Model = model, Embedding = new AgroNTEmbeddingOptions { Layer = 3 } }));
        Assert.Throws<ArgumentException>(() => new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions
        {
            ModelFolder = SharedData.TinyModel,
            ModelOptions = new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { AddClsToken = false } },
            Embedding = new AgroNTEmbeddingOptions { Pooling = Pooling.Cls },
        }));
    }

    [Fact]
    public void Constructor_LayerAboveTheFolderModelsDepth_FailsBeforeLoadingWeights()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTFeaturizingEstimator(
            new AgroNTFeaturizingOptions { ModelFolder = SharedData.TinyModel, Embedding = new AgroNTEmbeddingOptions { Layer = 5 } }));

        Assert.Contains("2 layers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ModelFolder_LoadsWithTheModelOptions()
    {
        var estimator = new AgroNTFeaturizingEstimator(new AgroNTFeaturizingOptions
        {
            ModelFolder = SharedData.TinyModel,
            ModelOptions = new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf, LengthPolicy = LengthPolicy.Truncate } },
            Embedding = new AgroNTEmbeddingOptions { Layer = 1, BatchSize = 3 },
        });

        using AgroNTFeaturizingTransformer transformer = estimator.Fit(Dna());

        Assert.Equal(TokenizerMode.Hf, transformer.Model.Tokenizer.Options.Mode);
        Assert.Equal(LengthPolicy.Truncate, transformer.Model.Tokenizer.Options.LengthPolicy);
        Assert.Equal(1, transformer.Embedder.Layer);
        Assert.Equal(24, transformer.ReadAheadRows);
        Assert.Equal(Path.GetFullPath(SharedData.TinyModel), transformer.ModelFolder);
    }
}
