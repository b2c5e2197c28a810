using System.Reflection;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Training;

public sealed class MaskedLanguageModelTrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-mlm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record Row(string Name, string Sequence);

    private sealed record NumberRow(float Sequence);

    // ML.NET's DataViewSchema -> SchemaShape conversion is internal; tests reach it by reflection, the product never does.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static, [typeof(DataViewSchema)])!.Invoke(null, [schema])!;

    private sealed record LabelledRow(string Sequence, bool Label);

    [Fact]
    public void Fit_DataViewOfSequences_ReturnsAFeaturizerOverTheTrainedModel()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = TinyTraining.Records(count: 4, length: 1500).Select(r => new Row(r.Name, r.Sequence)).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel(new MaskedLanguageModelTrainerOptions
        {
            NameColumnName = "Name",
            Split = ValidationSplit.ByRecord("chr4"),
            Windowing = TinyTraining.Windowing,
            Training = TinyTraining.Options(Path.Combine(_folder, "fit"), maxSteps: 2),
        });

        var expected = trainer.GetOutputSchema(Shape(data.Schema));
        using var featurizer = trainer.Fit(data);
        var features = featurizer.Transform(data);

        // The featurizer embeds with the weights written to the output folder: a second code path (the embedder over
        // the reloaded folder) gives the same vectors.
        Assert.Equal(Path.GetFullPath(Path.Combine(_folder, "fit")), Path.GetFullPath(featurizer.Model.Folder!));
        var column = Assert.Single(expected, c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        var vectors = features.GetColumn<float[]>("Features").ToList();
        using var reloaded = AgroNTModel.Load(Path.Combine(_folder, "fit"));
        var embedder = new AgroNTEmbedder(reloaded);
        Assert.Equal(rows.Count, vectors.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            float[] reference = embedder.Embed(rows[i].Sequence);
            Assert.Equal(TinyTraining.Config.HiddenSize, vectors[i].Length);
            for (int d = 0; d < reference.Length; d++)
            {
                Assert.Equal(reference[d], vectors[i][d], 1e-5f);
            }
        }
    }

    [Fact]
    public void Fit_ComposesWithADownstreamEstimator()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = TinyTraining.Records(count: 6, length: 700).Select((r, i) => new LabelledRow(r.Sequence, i % 2 == 0)).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var pipeline = mlContext.AgroNT().Trainers.MaskedLanguageModel(new MaskedLanguageModelTrainerOptions
            {
                Windowing = TinyTraining.Windowing,
                Training = TinyTraining.Options(Path.Combine(_folder, "chain"), maxSteps: 1),
            })
            .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 5));

        using var chain = pipeline.Fit(data);
        var scored = chain.Transform(data);

        Assert.Equal(rows.Count, scored.GetColumn<float>("Probability").Count(p => p is >= 0f and <= 1f));
        ((IDisposable)chain.First()).Dispose();
    }

    [Fact]
    public void Train_ReturnsTheTrainedModelLoadedFromItsFolder()
    {
        var mlContext = new MLContext(seed: 1);
        var rows = TinyTraining.Records(count: 3, length: 1500).Select(r => new Row(r.Name, r.Sequence)).ToList();
        var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel(new MaskedLanguageModelTrainerOptions
        {
            Windowing = TinyTraining.Windowing,
            Training = TinyTraining.Options(Path.Combine(_folder, "train"), maxSteps: 1),
        });

        using var model = trainer.Train(mlContext.Data.LoadFromEnumerable(rows));

        Assert.Equal(Path.GetFullPath(Path.Combine(_folder, "train")), Path.GetFullPath(model.Folder!));
        Assert.Equal(TinyTraining.Config.HiddenSize, new AgroNTEmbedder(model).Embed(rows[0].Sequence[..200]).Length);
    }

    [Fact]
    public void GetOutputSchema_MissingOrNonTextColumn_Throws()
    {
        var mlContext = new MLContext(seed: 1);
        var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel(Path.Combine(_folder, "s"), TinyTraining.Config, "Dna", maxSteps: 1);
        var schema = Shape(mlContext.Data.LoadFromEnumerable([new NumberRow(1f)]).Schema);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(schema));
        Assert.Contains("'Dna'", missing.Message, StringComparison.Ordinal);
        var wrong = mlContext.AgroNT().Trainers.MaskedLanguageModel(Path.Combine(_folder, "t"), TinyTraining.Config, maxSteps: 1);
        var type = Assert.Throws<ArgumentOutOfRangeException>(() => wrong.GetOutputSchema(schema));
        Assert.Contains("Single", type.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_SeparateValidationData_Trains()
    {
        var mlContext = new MLContext(seed: 1);
        var train = mlContext.Data.LoadFromEnumerable(TinyTraining.Records(2, 1500).Select(r => new Row(r.Name, r.Sequence)));
        var validation = mlContext.Data.LoadFromEnumerable(TinyTraining.Records(1, 900, seed: 50).Select(r => new Row(r.Name, r.Sequence)));
        var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel(new MaskedLanguageModelTrainerOptions
        {
            Windowing = TinyTraining.Windowing,
            Training = TinyTraining.Options(Path.Combine(_folder, "v"), maxSteps: 2),
        });

        using var featurizer = trainer.Fit(train, validation);

        Assert.True(File.Exists(Path.Combine(_folder, "v", "metrics.csv")));
        Assert.Contains(File.ReadLines(Path.Combine(_folder, "v", "metrics.csv")).Skip(1), l => l.Split(',')[4].Length > 0);
    }

    [Fact]
    public void Fit_ColumnMissingOrNotText_NamesTheColumnAndTypes()
    {
        var mlContext = new MLContext(seed: 1);
        var trainer = mlContext.AgroNT().Trainers.MaskedLanguageModel(Path.Combine(_folder, "x"), TinyTraining.Config, "Dna", maxSteps: 1);

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(mlContext.Data.LoadFromEnumerable([new Row("a", "ACGT")])));
        Assert.Contains("'Dna'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'Sequence'", missing.Message, StringComparison.Ordinal);

        var numbers = mlContext.AgroNT().Trainers.MaskedLanguageModel(Path.Combine(_folder, "y"), TinyTraining.Config, maxSteps: 1);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => numbers.Fit(mlContext.Data.LoadFromEnumerable([new NumberRow(1f)])));
        Assert.Contains("'Sequence'", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("Text", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("Single", wrongType.Message, StringComparison.Ordinal);
    }
}
