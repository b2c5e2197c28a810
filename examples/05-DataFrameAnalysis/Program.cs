// Analysis of AgroNT embeddings and predictions with Microsoft.Data.Analysis DataFrames: embed a binary task, train
// LightGBM on the embeddings from a DataFrame, put the test predictions into a DataFrame, join them with per-sequence
// metadata (chloroplast genome region, start, GC content), summarise per region (count, means, AUROC), export CSV and Parquet, and draw
// a 2-D PCA projection of the test embeddings coloured by label.
// Usage: dotnet run --project examples/05-DataFrameAnalysis -- MODEL_DIR TASK_DIR OUT_DIR [TRAIN_EXAMPLES]
//        (TASK_DIR holds train.fa and test.fa; default 300 training sequences spread over the file)
using System.Globalization;
using System.Text.RegularExpressions;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Sequences;
using Microsoft.Data.Analysis;
using Microsoft.ML;

using AgroNT.MLNet.DataFrames;
using AgroNT.MLNet.Visualization;
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: 05-DataFrameAnalysis MODEL_DIR TASK_DIR OUT_DIR");
    return 2;
}
string modelFolder = args[0], taskFolder = args[1], outFolder = args[2];
int trainExamples = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 300;
Directory.CreateDirectory(outFolder);

var embedder = new AgroNTEmbedder(AgroNTModel.Load(modelFolder));
(DataFrame Frame, List<Example> Examples, IReadOnlyList<float[]> Embeddings) Embed(string file, int count = int.MaxValue)
{
    var all = SequenceReader.ReadFile(Path.Combine(taskFolder, file)).Select(record =>
    {
        var header = BenchmarkHeader.Parse(record.Name);
        return new Example(header.Name, record.Sequence, header.Labels[0] > 0.5f);
    }).ToList();
    // Every k-th record: the files are in genome order, so a prefix would cover one region only.
    int keep = Math.Min(count, all.Count);
    var examples = Enumerable.Range(0, keep).Select(i => all[(int)((long)i * all.Count / keep)]).ToList();
    var embeddings = embedder.Embed([.. examples.Select(e => e.Sequence)]);
    // One Single column per dimension (e0 ... e255), plus the label: the form CSV, Parquet and joins handle.
    var frame = EmbeddingDataFrames.ToDataFrame(examples.Zip(embeddings, (e, v) => (e.Name, v)), idColumn: "Name");
    frame.Columns.Add(new BooleanDataFrameColumn("Label", examples.Select(e => e.Label)));
    return (frame, examples, embeddings);
}
var (trainFrame, _, _) = Embed("train.fa", trainExamples);
var (testFrame, testExamples, testEmbeddings) = Embed("test.fa");
Console.WriteLine($"embedded {trainFrame.Rows.Count} training and {testFrame.Rows.Count} test sequences into {testFrame.Columns.Count - 2} dimensions");

// DataFrame -> IDataView with a fixed-size Features vector -> an ordinary ML.NET trainer.
var ml = new MLContext(seed: 1);
var model = ml.BinaryClassification.Trainers.LightGbm(labelColumnName: "Label", featureColumnName: "Features", numberOfIterations: 50)
    .Fit(EmbeddingDataFrames.ToDataView(ml, trainFrame));
var scored = model.Transform(EmbeddingDataFrames.ToDataView(ml, testFrame));
var predictions = PredictionDataFrames.FromPredictions(scored);
var metrics = MetricsDataFrames.FromMetrics([("frozen + LightGBM", ml.BinaryClassification.Evaluate(scored, "Label"))]);
Console.WriteLine("test metrics:");
Print(metrics);

// Metadata by sequence name: the start in the name (NC_000932:52-453(+)), the chloroplast region it falls in
// (NC_000932.1: large single copy 1-84170, inverted repeat B 84171-110434, small single copy 110435-128214, inverted
// repeat A 128215-154478) and the GC content of the sequence.
var location = new Regex(@":(\d+)-\d+\([+-]\)$", RegexOptions.CultureInvariant);
long? Start(string name) => location.Match(name) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
static string Region(long? start) => start switch
{
    null => "unknown",
    <= 84_170 => "LSC",
    <= 110_434 => "IRb",
    <= 128_214 => "SSC",
    _ => "IRa",
};
var metadata = new DataFrame(
    new StringDataFrameColumn("Name", testExamples.Select(e => e.Name)),
    new StringDataFrameColumn("Region", testExamples.Select(e => Region(Start(e.Name)))),
    new Int64DataFrameColumn("Start", testExamples.Select(e => Start(e.Name))),
    new DoubleDataFrameColumn("GC", testExamples.Select(e => (double)e.Sequence.Count(c => c is 'G' or 'C') / e.Sequence.Length)));
var joined = DataFrameJoins.Join(predictions, metadata, "Name");
var perRegion = DataFrameSummaries.GroupSummary(joined, "Region", "Label", "Probability");
Console.WriteLine("per chloroplast region:");
Print(perRegion);

DataFrameFiles.Save(joined, Path.Combine(outFolder, "predictions.csv"));
DataFrameFiles.Save(joined, Path.Combine(outFolder, "predictions.parquet"));
DataFrameFiles.Save(perRegion, Path.Combine(outFolder, "per-region.csv"));
DataFrameFiles.Save(metrics, Path.Combine(outFolder, "metrics.csv"));
DataFrameFiles.Save(testFrame, Path.Combine(outFolder, "test-embeddings.parquet"));
var reloaded = DataFrameFiles.Load(Path.Combine(outFolder, "predictions.parquet"));
Console.WriteLine($"wrote predictions.csv/.parquet ({reloaded.Rows.Count} rows, {reloaded.Columns.Count} columns read back), per-region.csv, metrics.csv, test-embeddings.parquet");

// PCA of the test embeddings, computed by the library, drawn with one colour per label.
var pca = PrincipalComponents.Fit(testEmbeddings, 2);
var points = pca.Transform(testEmbeddings);
ScatterGroup Group(string label, bool value, int color)
{
    var rows = Enumerable.Range(0, points.Length).Where(i => testExamples[i].Label == value).ToList();
    return new ScatterGroup(label, [.. rows.Select(i => points[i][0])], [.. rows.Select(i => points[i][1])]) { Color = color };
}
string png = Path.Combine(outFolder, "pca.png");
Plots.SaveScatterChart(png, new ScatterPlot("Test embeddings, first two principal components",
    string.Create(CultureInfo.InvariantCulture, $"PC1 ({pca.ExplainedVarianceRatio[0]:P0} of variance)"),
    string.Create(CultureInfo.InvariantCulture, $"PC2 ({pca.ExplainedVarianceRatio[1]:P0})"),
    [Group("non-coding (0)", false, 0x1F77B4), Group("coding (1)", true, 0xD62728)]));
Console.WriteLine($"wrote {png}");
return 0;

static void Print(DataFrame frame)
{
    static string Cell(object? value) => value switch
    {
        null => "",
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        float f => f.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
    var rows = frame.Rows.Select(r => frame.Columns.Select((c, i) => Cell(r[i])).ToArray()).ToList();
    int[] widths = [.. frame.Columns.Select((c, i) => Math.Max(c.Name.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max()))];
    Console.WriteLine("  " + string.Join("  ", frame.Columns.Select((c, i) => c.Name.PadLeft(widths[i]))));
    foreach (var row in rows)
    {
        Console.WriteLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadLeft(widths[i]))));
    }
}

internal sealed record Example(string Name, string Sequence, bool Label);
