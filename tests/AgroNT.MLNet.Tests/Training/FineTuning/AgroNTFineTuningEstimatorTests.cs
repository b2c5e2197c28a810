using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

public sealed class AgroNTFineTuningEstimatorTests
{
    private static readonly FineTuningOptions s_quick = new() { BatchSize = 8, Epochs = 3, LearningRate = 1e-2, HeadLearningRate = 1e-2 };

    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void BinaryTrainer_OutputWorksWithBinaryClassificationEvaluate()
    {
        var examples = ToyTasks.GcRich(24);
        var data = _ml.Data.LoadFromEnumerable(examples.Select(e => new BinaryInput { Sequence = e.Sequence, Label = e.Labels[0] == 1 }));

        using var transformer = _ml.BinaryClassification.Trainers.AgroNT(new AgroNTTrainerOptions { ModelFolder = SharedData.TinyModel, FineTuning = s_quick, PredictionBatchSize = 5 }).Fit(data);
        var scored = transformer.Transform(data);
        var metrics = _ml.BinaryClassification.Evaluate(scored);

        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        var probabilities = transformer.Model.Predict([.. examples.Select(e => e.Sequence)]).Select(p => p[0]).ToArray();
        double auroc = BenchmarkMetrics.Auroc([.. examples.Select(e => e.Labels[0] == 1)], probabilities);
        Assert.Equal(auroc, metrics.AreaUnderRocCurve, 6);
        var rows = _ml.Data.CreateEnumerable<BinaryOutput>(scored, reuseRowObject: false).ToList();
        Assert.Equal(probabilities, rows.Select(r => r.Probability), new FloatTolerance(1e-6f));
        Assert.All(rows, r => Assert.Equal(r.Score > 0, r.PredictedLabel));
        Assert.All(rows, r => Assert.Equal(1 / (1 + MathF.Exp(-r.Score)), r.Probability, 1e-6f));
    }

    [Fact]
    public void RegressionTrainer_OutputWorksWithRegressionEvaluate()
    {
        var examples = ToyTasks.GcFraction(24);
        var data = _ml.Data.LoadFromEnumerable(examples.Select(e => new RegressionInput { Sequence = e.Sequence, Label = e.Labels[0] }));

        using var transformer = _ml.Regression.Trainers.AgroNT(new AgroNTTrainerOptions { ModelFolder = SharedData.TinyModel, FineTuning = s_quick }).Fit(data);
        var metrics = _ml.Regression.Evaluate(transformer.Transform(data));

        var predictions = transformer.Model.Predict([.. examples.Select(e => e.Sequence)]).Select(p => p[0]).ToArray();
        Assert.Equal(BenchmarkMetrics.R2([.. examples.Select(e => e.Labels[0])], predictions), metrics.RSquared, 4);
        Assert.Equal(["Sequence", "Label", "Score"], transformer.GetOutputSchema(data.Schema).Select(c => c.Name));
    }

    [Fact]
    public void PredictionEngine_MatchesTheBatchedTransform()
    {
        var examples = ToyTasks.GcRich(16);
        var data = _ml.Data.LoadFromEnumerable(examples.Select(e => new BinaryInput { Sequence = e.Sequence, Label = e.Labels[0] == 1 }));
        using var transformer = _ml.BinaryClassification.Trainers.AgroNT(SharedData.TinyModel, epochs: 1).Fit(data);

        var engine = _ml.Model.CreatePredictionEngine<BinaryInput, BinaryOutput>(transformer);
        var batched = _ml.Data.CreateEnumerable<BinaryOutput>(transformer.Transform(data), reuseRowObject: false).ToList();

        for (int i = 0; i < 4; i++)
        {
            var single = engine.Predict(new BinaryInput { Sequence = examples[i].Sequence });
            Assert.Equal(batched[i].Probability, single.Probability, 1e-6f);
            Assert.Equal(batched[i].PredictedLabel, single.PredictedLabel);
        }
    }

    [Fact]
    public void Fit_BenchmarkViewWithValidation_AndSaveLoadKeepsScores()
    {
        string task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding");
        var test = BenchmarkDataView.Open(Path.Combine(task, "test.fa"), ProblemType.BinaryClassification);
        var validation = _ml.Data.TakeRows(BenchmarkDataView.Open(Path.Combine(task, "validation.fa"), ProblemType.BinaryClassification), 8);
        var train = _ml.Data.TakeRows(BenchmarkDataView.Open(Path.Combine(task, "train.fa"), ProblemType.BinaryClassification), 16);
        var options = new AgroNTTrainerOptions
        {
            ModelFolder = SharedData.TinyModel,
            FineTuning = s_quick with { Epochs = 1, BatchSize = 8 },
            ValidationData = validation,
        };

        using var transformer = _ml.BinaryClassification.Trainers.AgroNT(options).Fit(train);
        var firstRows = _ml.Data.TakeRows(test, 6);
        float[] scores = [.. _ml.Data.CreateEnumerable<BinaryOutput>(transformer.Transform(firstRows), false).Select(r => r.Score)];
        string folder = Directory.CreateTempSubdirectory("agront-mlnet-ft-").FullName;
        try
        {
            transformer.Save(folder);
            using var loaded = AgroNTPredictionTransformer.Load(folder);
            float[] reloaded = [.. _ml.Data.CreateEnumerable<BinaryOutput>(loaded.Transform(firstRows), false).Select(r => r.Score)];

            Assert.Equal(scores, reloaded);
            Assert.NotNull(transformer.Model.History.BestValidationLoss);
            Assert.Throws<NotSupportedException>(() => _ml.Model.Save(loaded, firstRows.Schema, Path.Combine(folder, "model.zip")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void GetOutputSchema_AddsScoreColumns_AndNamesMissingOrWrongColumns()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new BinaryInput { Sequence = "ACGT", Label = true } });
        var estimator = _ml.BinaryClassification.Trainers.AgroNT(SharedData.TinyModel);

        var shape = estimator.GetOutputSchema(Shape(data.Schema));

        Assert.Equal(["Sequence", "Label", "Score", "Probability", "PredictedLabel"], shape.Select(c => c.Name));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.AgroNT(SharedData.TinyModel, sequenceColumnName: "Dna").GetOutputSchema(Shape(data.Schema)));
        Assert.Contains("'Dna'", missing.Message);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.AgroNT(SharedData.TinyModel).GetOutputSchema(Shape(data.Schema)));
        Assert.Contains("expected a scalar Single column", wrongType.Message);
    }

    /// <summary>ML.NET's internal SchemaShape.Create, the shape of a real schema (no public factory exists).</summary>
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    private sealed class BinaryInput
    {
        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }

    private sealed class RegressionInput
    {
        public string Sequence { get; set; } = "";

        public float Label { get; set; }
    }

    private sealed class BinaryOutput
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
