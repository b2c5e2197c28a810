using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;
using Microsoft.ML;

namespace AgroNT.MLNet.Tests.Training;

public sealed class MaskedLanguageModelTrainerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-mlm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed record Row(string Name, string Sequence);

    private sealed record NumberRow(float Sequence);

    [Fact]
    public void Fit_DataViewOfSequences_ReturnsTheTrainedModelLoadedFromItsFolder()
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

        using var model = trainer.Fit(data);

        Assert.Equal(Path.GetFullPath(Path.Combine(_folder, "fit")), Path.GetFullPath(model.Folder!));
        Assert.Equal(TinyTraining.Config.HiddenSize, model.Config.HiddenSize);
        Assert.Equal(TinyTraining.Config.HiddenSize, new AgroNTEmbedder(model).Embed(rows[0].Sequence[..200]).Length);
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

        using var model = trainer.Fit(train, validation);

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
