using System.Globalization;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary><c>mlContext.AgroNT().Trainers.MultiLabel</c> and <c>.MultiOutputRegression</c> on real chloroplast DNA.</summary>
public sealed class AgroNTMultiOutputTrainersTests : IDisposable
{
    private static readonly FineTuningOptions s_quick = new() { BatchSize = 8, Epochs = 3, LearningRate = 1e-2, HeadLearningRate = 1e-2 };
    private readonly MLContext _ml = new(seed: 1);
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-multi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Features(string split) => Path.Combine(SharedData.Data, "tasks", "chloroplast_features", $"{split}.fa");

    [Fact]
    public void MultiLabel_ChloroplastFeatures_ScoresAreProbabilitiesPerLabel_MetricsAndSaveLoadAgree()
    {
        var train = _ml.Data.TakeRows(BenchmarkDataView.Open(Features("train"), ProblemType.MultiLabelClassification), 24);
        var test = _ml.Data.TakeRows(BenchmarkDataView.Open(Features("test"), ProblemType.MultiLabelClassification), 20);
        var estimator = _ml.AgroNT().Trainers.MultiLabel(new AgroNTTrainerOptions
        {
            ModelFolder = SharedData.TinyModel, LabelColumnName = "Labels", FineTuning = s_quick with { Epochs = 1 }, PredictionBatchSize = 7,
        });

        using var transformer = estimator.Fit(train);
        var scored = transformer.Transform(test);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 4), scored.Schema["Score"].Type);
        Assert.Equal(new VectorDataViewType(BooleanDataViewType.Instance, 4), scored.Schema["PredictedLabels"].Type);
        Assert.Equal(["Name", "Sequence", "Labels", "Score", "PredictedLabels"], estimator.GetOutputSchema(SchemaShape(test.Schema)).Select(c => c.Name));
        var rows = _ml.Data.CreateEnumerable<MultiOutput>(scored, reuseRowObject: false).ToList();
        var sequences = BenchmarkDataView.Open(Features("test"), ProblemType.MultiLabelClassification).ReadExamples().Take(20).Select(e => e.Sequence).ToList();
        var direct = transformer.Model.Predict(sequences);
        Assert.Equal(20, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(sequences[i], rows[i].Sequence);
            Assert.Equal(direct[i], rows[i].Score, new FloatTolerance(1e-6f));
            Assert.Equal(rows[i].Score.Select(p => p > 0.5f), rows[i].PredictedLabels);
            Assert.All(rows[i].Score, p => Assert.InRange(p, 0f, 1f));
        }
        var metrics = BenchmarkMetrics.MultiLabel([.. rows.SelectMany(r => r.Labels)], [.. rows.SelectMany(r => r.Score)], 4);
        Assert.Equal(4, metrics.PerLabel.Count);
        Assert.True(metrics.PerLabel.Count(l => !l.Skipped) >= 1, "at least one label has both classes in the first 20 test windows");
        // Macro AUROC is the mean of the labels with both classes, each recomputed here by rank sums.
        double[] perLabel = [.. Enumerable.Range(0, 4).Select(j => RankAuroc.Compute([.. rows.Select(r => r.Labels[j] == 1f)], [.. rows.Select(r => (double)r.Score[j])]))];
        Assert.Equal(perLabel.Where(double.IsFinite).Average(), metrics.MacroAuroc, 12);

        string saved = Path.Combine(_folder, "multilabel");
        transformer.Save(saved);
        using var loaded = AgroNTPredictionTransformer.Load(saved);
        var reloaded = _ml.Data.CreateEnumerable<MultiOutput>(loaded.Transform(test), reuseRowObject: false).ToList();
        Assert.Equal(rows.SelectMany(r => r.Score), reloaded.SelectMany(r => r.Score));
        var engine = _ml.Model.CreatePredictionEngine<MultiInput, MultiOutput>(loaded);
        Assert.Equal(rows[3].Score, engine.Predict(new MultiInput { Sequence = sequences[3], Labels = new float[4] }).Score, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void MultiLabel_LearnableToyLabels_SeparatesTheTrainingSet()
    {
        var examples = ToyTasks.TwoLabels(32);
        var data = _ml.Data.LoadFromEnumerable(examples.Select(e => new BoolLabels { Sequence = e.Sequence, Labels = [.. e.Labels.Select(l => l == 1)] }),
            SchemaDefinition.Create(typeof(BoolLabels)).With(s => s["Labels"].ColumnType = new VectorDataViewType(BooleanDataViewType.Instance, 2)));

        using var transformer = _ml.AgroNT().Trainers.MultiLabel(new AgroNTTrainerOptions { ModelFolder = SharedData.TinyModel, LabelColumnName = "Labels", FineTuning = s_quick with { Epochs = 4 } }).Fit(data);
        var rows = _ml.Data.CreateEnumerable<ScoreOnly>(transformer.Transform(data), reuseRowObject: false).ToList();

        var metrics = BenchmarkMetrics.MultiLabel([.. examples.SelectMany(e => e.Labels)], [.. rows.SelectMany(r => r.Score)], 2);
        Assert.True(metrics.MacroAuroc > 0.95, $"training macro AUROC {metrics.MacroAuroc}");
    }

    [Fact]
    public void MultiOutputRegression_DerivedCompositionTask_PredictsInLabelUnits_AndSavesAndLoads()
    {
        // Two targets computed from real chloroplast windows: percent GC (about 30-45) and 1000 x the CpG fraction.
        string path = Path.Combine(_folder, "composition_train.fa");
        var source = BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa"), ProblemType.BinaryClassification)
            .ReadExamples().Take(24).ToList();
        File.WriteAllLines(path, source.SelectMany(e => new[] { $">{e.Name}|{Format(GcPercent(e.Sequence))}|{Format(CpgPerMille(e.Sequence))}", e.Sequence }));
        var data = BenchmarkDataView.Open(path, ProblemType.MultiOutputRegression);
        Assert.Equal(2, data.LabelCount);

        using var transformer = _ml.AgroNT().Trainers.MultiOutputRegression(new AgroNTTrainerOptions
        {
            ModelFolder = SharedData.TinyModel, LabelColumnName = "Labels", FineTuning = s_quick with { Epochs = 6 },
        }).Fit(data);
        var rows = _ml.Data.CreateEnumerable<RegressionOutput>(transformer.Transform(data), reuseRowObject: false).ToList();

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), transformer.GetOutputSchema(data.Schema)["Score"].Type);
        var metrics = BenchmarkMetrics.MultiOutputRegression([.. rows.SelectMany(r => r.Labels)], [.. rows.SelectMany(r => r.Score)], 2);
        Assert.Equal(2, metrics.PerOutput.Count);
        // Predictions come back in label units: their mean is near the labels' mean (targets are standardized inside).
        double labelMean = rows.Average(r => r.Labels[0]), predictionMean = rows.Average(r => r.Score[0]);
        Assert.InRange(predictionMean, labelMean - 3, labelMean + 3);
        // GC content is what mean-pooled 6-mer states carry even with random weights: the fit must explain most of it (0.74 measured).
        Assert.True(metrics.PerOutput[0].R2 > 0.4, $"GC R2 on the training windows {metrics.PerOutput[0].R2}");
        Assert.Equal((metrics.PerOutput[0].R2 + metrics.PerOutput[1].R2) / 2, metrics.MeanR2, 12);

        string saved = Path.Combine(_folder, "multiregression");
        transformer.Save(saved);
        using var loaded = AgroNTPredictionTransformer.Load(saved);
        var reloaded = _ml.Data.CreateEnumerable<RegressionOutput>(loaded.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(rows.SelectMany(r => r.Score), reloaded.SelectMany(r => r.Score));
    }

    [Fact]
    public void MultiOutputTrainers_ScalarLabelColumn_IsRefusedNamingTheExpectedVector()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new ScalarLabel { Sequence = "ACGTAC", Label = 1 } });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.AgroNT().Trainers.MultiLabel(SharedData.TinyModel, labelColumnName: "Label").Fit(data));

        Assert.Contains("'Label' has type Single; expected a vector of Single (0/1) or Boolean, one per label", error.Message);
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.AgroNT().Trainers.MultiOutputRegression(SharedData.TinyModel, labelColumnName: "Label").GetOutputSchema(SchemaShape(data.Schema)));
        Assert.Contains("expected a vector of Single, one per output", shapeError.Message);
    }

    private static double GcPercent(string sequence) => 100.0 * sequence.Count(c => c is 'G' or 'C') / sequence.Length;

    private static double CpgPerMille(string sequence) =>
        1000.0 * Enumerable.Range(0, sequence.Length - 1).Count(i => sequence[i] == 'C' && sequence[i + 1] == 'G') / (sequence.Length - 1);

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static SchemaShape SchemaShape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    private sealed class MultiOutput
    {
        public string Sequence { get; set; } = "";

        [VectorType]
        public float[] Labels { get; set; } = [];

        [VectorType]
        public float[] Score { get; set; } = [];

        [VectorType]
        public bool[] PredictedLabels { get; set; } = [];
    }

    private sealed class MultiInput
    {
        public string Sequence { get; set; } = "";

        [VectorType(4)]
        public float[] Labels { get; set; } = [];
    }

    private sealed class RegressionOutput
    {
        [VectorType]
        public float[] Labels { get; set; } = [];

        [VectorType]
        public float[] Score { get; set; } = [];
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    private sealed class ScoreOnly
    {
        [VectorType]
        public float[] Score { get; set; } = [];
    }

    private sealed class BoolLabels
    {
        public string Sequence { get; set; } = "";

        public bool[] Labels { get; set; } = [];
    }

    private sealed class ScalarLabel
    {
        public string Sequence { get; set; } = "";

        public float Label { get; set; }
    }
}

internal static class SchemaDefinitionExtensions
{
    public static SchemaDefinition With(this SchemaDefinition definition, Action<SchemaDefinition> change)
    {
        change(definition);
        return definition;
    }
}
