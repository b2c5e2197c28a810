// A Plant Genomic Benchmark-style binary task as an ordinary ML.NET pipeline:
// DNA -> TokenizeDna -> FeaturizeAgroNT (frozen AgroNT embeddings) -> LightGBM, evaluated on the test split.
// Usage: dotnet run --project examples/02-FeaturizeIntoLightGbm -- MODEL_DIR TASK_DIR   (TASK_DIR holds train.fa and test.fa)
using AgroNT.MLNet;
using AgroNT.Transforms;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: 02-FeaturizeIntoLightGbm MODEL_DIR TASK_DIR");
    return 2;
}
string modelFolder = args[0], taskFolder = args[1];

static IEnumerable<DnaRow> Load(string path) => SequenceReader.ReadFile(path).Select(record =>
{
    // Benchmark headers are name|label.
    var header = BenchmarkHeader.Parse(record.Name);
    return new DnaRow { Name = header.Name, Sequence = record.Sequence, Label = header.Labels[0] > 0.5f };
});

var ml = new MLContext(seed: 1);
var train = ml.Data.LoadFromEnumerable(Load(Path.Combine(taskFolder, "train.fa")));
var test = ml.Data.LoadFromEnumerable(Load(Path.Combine(taskFolder, "test.fa")));

var pipeline = ml.Transforms.TokenizeDna("TokenIds", "Sequence", modelFolder)
    .Append(ml.Transforms.FeaturizeAgroNT("Features", "TokenIds", modelFolder))
    // Learners read their data several times: cache the embeddings so the encoder runs once per row.
    .AppendCacheCheckpoint(ml)
    .Append(ml.BinaryClassification.Trainers.LightGbm(labelColumnName: "Label", featureColumnName: "Features", numberOfIterations: 50));

var model = pipeline.Fit(train);
var metrics = ml.BinaryClassification.Evaluate(model.Transform(test), labelColumnName: "Label");
Console.WriteLine($"test AUROC {metrics.AreaUnderRocCurve:F3}, AUPRC {metrics.AreaUnderPrecisionRecallCurve:F3}, accuracy {metrics.Accuracy:F3}, F1 {metrics.F1Score:F3}");
return 0;

internal sealed class DnaRow
{
    public string Name { get; set; } = "";

    public string Sequence { get; set; } = "";

    public bool Label { get; set; }
}
