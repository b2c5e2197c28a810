// Fine-tunes AgroNT with IA3 (the paper's method: the encoder stays frozen, learned scalings of keys, values and
// feed-forward activations plus a head train) on a binary task, reports the test AUROC, then saves the model,
// loads it back and checks that the reloaded model predicts the same.
// Usage: dotnet run --project examples/03-FineTuneIa3 -- MODEL_DIR TASK_DIR [MAX_STEPS [VALIDATION_EXAMPLES]]
//        (TASK_DIR holds train.fa, validation.fa, test.fa; defaults 20 steps of 8 sequences, 48 validation sequences)
using System.Globalization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: 03-FineTuneIa3 MODEL_DIR TASK_DIR [MAX_STEPS]");
    return 2;
}
string modelFolder = args[0], taskFolder = args[1];
int maxSteps = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
int validationExamples = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 48;

var train = BenchmarkDataView.Open(Path.Combine(taskFolder, "train.fa"), ProblemType.BinaryClassification);
// Every k-th validation record (files are in genome order, so a prefix would cover one region only).
var allValidation = BenchmarkDataView.Open(Path.Combine(taskFolder, "validation.fa"), ProblemType.BinaryClassification).ReadExamples().ToList();
var validation = Enumerable.Range(0, Math.Min(validationExamples, allValidation.Count))
    .Select(i => allValidation[(int)((long)i * allValidation.Count / Math.Min(validationExamples, allValidation.Count))]).ToList();
var test = BenchmarkDataView.Open(Path.Combine(taskFolder, "test.fa"), ProblemType.BinaryClassification).ReadExamples().ToList();

var options = new FineTuningOptions
{
    Method = FineTuningMethod.Ia3,
    // A short run so the example finishes in well under a minute on two cores; raise it (or drop it and set Epochs) for real use.
    MaxSteps = maxSteps,
    EvaluationInterval = 10,
    BatchSize = 8,
};
using var model = new FineTuningTrainer(options).Fit(modelFolder, ProblemType.BinaryClassification, 1, train.ReadExamples(), validation);
Console.WriteLine($"IA3: {model.TrainableParameterCount:N0} of {model.TotalParameterCount:N0} parameters trained " +
    $"({100.0 * model.TrainableParameterCount / model.TotalParameterCount:F1}%), {model.History.Steps} steps, kept step {model.History.BestStep}");

string[] sequences = [.. test.Select(e => e.Sequence)];
bool[] labels = [.. test.Select(e => e.Labels[0] > 0.5f)];
float[] scores = [.. model.Predict(sequences).Select(p => p[0])];
var metrics = BenchmarkMetrics.Binary(labels, scores);
Console.WriteLine($"test AUROC {metrics.Auroc:F3}, AUPRC {metrics.Auprc:F3}, MCC {metrics.Mcc:F3} on {test.Count} sequences");

string saved = Path.Combine(Path.GetTempPath(), $"agront-ia3-{Guid.NewGuid():N}");
try
{
    model.Save(saved);
    using var reloaded = FineTunedModel.Load(saved);
    float[] again = [.. reloaded.Predict(sequences).Select(p => p[0])];
    double largest = scores.Zip(again, (a, b) => Math.Abs(a - b)).Max();
    Console.WriteLine($"saved to a {reloaded.Method} folder and reloaded: largest prediction difference {largest:G3}");
    if (largest > 1e-4)
    {
        Console.Error.WriteLine("the reloaded model predicts differently");
        return 1;
    }
}
finally
{
    if (Directory.Exists(saved))
    {
        Directory.Delete(saved, recursive: true);
    }
}
return 0;
