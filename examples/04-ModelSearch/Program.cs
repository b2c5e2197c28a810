// Automatic model search on frozen AgroNT embeddings: embed each sequence once (TokenizeDna -> FeaturizeAgroNT),
// then let the search cross-validate ML.NET trainers (LightGBM, FastTree, FastForest, SDCA, L-BFGS) and their main
// hyperparameters within a time budget, print the leaderboard, and score the refitted best pipeline on the test split.
// Usage: dotnet run --project examples/04-ModelSearch -- MODEL_DIR TASK_DIR [SECONDS [TRAIN_EXAMPLES]]
//        (TASK_DIR holds train.fa and test.fa; defaults: a 15 s budget, 300 training sequences spread over the file)
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.Transforms;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;

using AgroNT.MLNet.ModelSelection;
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: 04-ModelSearch MODEL_DIR TASK_DIR [SECONDS]");
    return 2;
}
string modelFolder = args[0], taskFolder = args[1];
int seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
int trainExamples = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;

static List<DnaRow> Load(string path, int count = int.MaxValue)
{
    var rows = SequenceReader.ReadFile(path).Select(record =>
    {
        var header = BenchmarkHeader.Parse(record.Name);
        return new DnaRow { Name = header.Name, Sequence = record.Sequence, Label = header.Labels[0] > 0.5f };
    }).ToList();
    // Every k-th record: the files are in genome order, so a prefix would cover one region only.
    int keep = Math.Min(count, rows.Count);
    return [.. Enumerable.Range(0, keep).Select(i => rows[(int)((long)i * rows.Count / keep)])];
}

var ml = new MLContext(seed: 1);
var trainRows = Load(Path.Combine(taskFolder, "train.fa"), trainExamples);
var featurizer = ml.Transforms.TokenizeDna("TokenIds", "Sequence", modelFolder)
    .Append(ml.Transforms.FeaturizeAgroNT("Features", "TokenIds", modelFolder))
    .Fit(ml.Data.LoadFromEnumerable(trainRows));
// The search reads the data once per fold per candidate: embed once, up front, so the budget goes to the learners.
var featureColumn = featurizer.GetOutputSchema(ml.Data.LoadFromEnumerable(trainRows).Schema)["Features"];
IDataView Embed(List<DnaRow> rows) => ml.Data.LoadFromEnumerable(
    ml.Data.CreateEnumerable<EmbeddedRow>(featurizer.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList(),
    EmbeddedRow.Schema(featureColumn));
var train = Embed(trainRows);
var test = Embed(Load(Path.Combine(taskFolder, "test.fa")));
Console.WriteLine($"embedded {trainRows.Count} training sequences");

var experiment = ml.ModelSearch().CreateBinaryClassificationSearch(new ModelSearchOptions
{
    MaxTime = TimeSpan.FromSeconds(seconds),
    Folds = 3,
    NumberOfThreads = 2,
});
var result = experiment.Execute(train, "Label", "Features",
    new Progress<ModelSearchTrial>(t => Console.Error.WriteLine($"  trial {t.Index}: {t.Description} -> {t.Metric:F3}")));

Console.WriteLine($"leaderboard ({result.Leaderboard.Count} candidates, cross-validated {result.MetricName}, {result.Elapsed.TotalSeconds:F0} s):");
Console.WriteLine($"{"rank",4}  {result.MetricName,6}  {"+-",5}  candidate");
int rank = 1;
foreach (var trial in result.Leaderboard)
{
    Console.WriteLine($"{rank++,4}  {trial.Metric,6:F3}  {trial.MetricStdDev,5:F3}  {trial.Description}");
}
var metrics = ml.BinaryClassification.EvaluateNonCalibrated(result.Model.Transform(test), "Label");
Console.WriteLine($"best: {result.BestRun.Description}; test AUROC {metrics.AreaUnderRocCurve:F3}");
return 0;

internal sealed class EmbeddedRow
{
    public bool Label { get; set; }

    public float[] Features { get; set; } = [];

    /// <summary>The row type's schema with the feature vector's fixed size, which trainers need.</summary>
    public static Microsoft.ML.Data.SchemaDefinition Schema(Microsoft.ML.DataViewSchema.Column features)
    {
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(EmbeddedRow));
        schema["Features"].ColumnType = features.Type;
        return schema;
    }
}

internal sealed class DnaRow
{
    public string Name { get; set; } = "";

    public string Sequence { get; set; } = "";

    public bool Label { get; set; }
}
