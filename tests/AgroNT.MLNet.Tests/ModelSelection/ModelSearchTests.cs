using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.ModelSelection;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.ModelSelection;

public sealed class ModelSearchTests
{
    private readonly MLContext _ml = new(seed: 3);

    [Fact]
    public void BinarySearch_SeparableData_LeaderboardSortedAndBestModelScores()
    {
        var random = new Random(4);
        var rows = Enumerable.Range(0, 80).Select(i =>
        {
            bool label = i % 2 == 0;
            return new Row { Label = label, Features = [.. Enumerable.Range(0, 6).Select(j => (float)(random.NextDouble() + (label && j < 2 ? 1.5 : 0)))] };
        }).ToList();
        var data = _ml.Data.LoadFromEnumerable(rows);
        var trials = new List<ModelSearchTrial>();

        var result = _ml.ModelSearch().CreateBinaryClassificationSearch(new ModelSearchOptions { Folds = 3, MaxTrials = 6, MaxTime = TimeSpan.FromMinutes(2), NumberOfThreads = 1 })
            .Execute(data, progress: new Collector(trials));

        Assert.Equal("auroc", result.MetricName);
        Assert.Equal(6, result.Leaderboard.Count);
        Assert.Equal(6, trials.Count);
        // Round robin: the first five trials are five different trainer families.
        Assert.Equal(["LightGbm", "FastTree", "FastForest", "Sdca", "Lbfgs"], trials.Take(5).Select(t => t.TrainerName));
        Assert.Equal(result.Leaderboard.Select(t => t.Metric).OrderDescending(), result.Leaderboard.Select(t => t.Metric));
        Assert.Same(result.Leaderboard[0], result.BestRun);
        Assert.True(result.BestRun.Metric > 0.9, result.BestRun.Description);
        var metrics = _ml.BinaryClassification.EvaluateNonCalibrated(result.Model.Transform(data));
        Assert.True(metrics.AreaUnderRocCurve > 0.9);
    }

    [Fact]
    public void RegressionSearch_LinearTarget_RanksByR2()
    {
        var random = new Random(5);
        var rows = Enumerable.Range(0, 60).Select(_ =>
        {
            float[] x = [.. Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble())];
            return new RegressionRow { Features = x, Label = 3 * x[0] - 2 * x[1] + 0.05f * (float)random.NextDouble() };
        }).ToList();

        var result = _ml.ModelSearch().CreateRegressionSearch(new ModelSearchOptions { Folds = 3, MaxTrials = 3, Trainers = ["Sdca", "LightGbm"], NumberOfThreads = 1 })
            .Execute(_ml.Data.LoadFromEnumerable(rows));

        Assert.Equal("r2", result.MetricName);
        Assert.Equal(3, result.Leaderboard.Count);
        Assert.All(result.Leaderboard, t => Assert.Contains(t.TrainerName, new[] { "Sdca", "LightGbm" }));
        Assert.Equal("Sdca", result.BestRun.TrainerName);
        Assert.True(result.BestRun.Metric > 0.9);
    }

    [Fact]
    public void Search_OnFrozenAgroNTEmbeddings_OfTheChloroplastTask()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var examples = BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa"), ProblemType.BinaryClassification)
            .ReadExamples().Take(60).ToList();
        var embeddings = new AgroNTEmbedder(model).Embed([.. examples.Select(e => e.Sequence)]);
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, model.Config.HiddenSize);
        var data = _ml.Data.LoadFromEnumerable(examples.Select((e, i) => new Row { Label = e.Labels[0] == 1, Features = embeddings[i] }), definition);

        var result = _ml.ModelSearch().CreateBinaryClassificationSearch(new ModelSearchOptions { Folds = 3, MaxTrials = 2, NumberOfThreads = 1 }).Execute(data);

        Assert.Equal(2, result.Leaderboard.Count);
        // The best run is the leaderboard's highest cross-validated AUROC.
        Assert.Equal(result.Leaderboard.Where(t => t.Error is null).Max(t => t.Metric), result.BestRun.Metric);
    }

    [Fact]
    public void Execute_WrongColumns_ThrowNamingThem()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new RegressionRow { Features = [1, 2, 3, 4], Label = 1 } });
        var search = _ml.ModelSearch().CreateBinaryClassificationSearch();

        Assert.Contains("expected Boolean", Assert.Throws<ArgumentOutOfRangeException>(() => search.Execute(data)).Message);
        Assert.Contains("'Target'", Assert.Throws<ArgumentOutOfRangeException>(() => search.Execute(data, labelColumnName: "Target")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.ModelSearch().CreateRegressionSearch(new ModelSearchOptions { Folds = 1 }));
    }

    private sealed class Row
    {
        public bool Label { get; set; }

        [VectorType(6)]
        public float[] Features { get; set; } = [];
    }

    private sealed class RegressionRow
    {
        public float Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }

    private sealed class Collector(List<ModelSearchTrial> trials) : IProgress<ModelSearchTrial>
    {
        public void Report(ModelSearchTrial value) => trials.Add(value);
    }
}
