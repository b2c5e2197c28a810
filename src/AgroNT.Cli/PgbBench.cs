using AgroNT.Transforms.Embeddings;
using AgroNT.MLNet.Evaluation;
using System.Diagnostics;
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront bench --pgb-root DIR --task CONFIG...</c>: runs Plant Genomic Benchmark configs from a local copy in the
/// Hub layout and prints, per config, the task's headline metric on its test split next to the paper's AgroNT figure.
/// </summary>
internal static class PgbBench
{
    private const int PredictionChunk = 512;

    public static readonly string[] Methods = ["frozen-lightgbm", "ia3", "lora", "full", "kmer-lightgbm"];

    /// <summary>One table row.</summary>
    internal sealed record Row(BenchmarkTask Task, string MetricName, double Score, int TrainRows, int ValidationRows, int TestRows, TimeSpan Elapsed);

    public static int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string root = args.Require("pgb-root");
        if (!Directory.Exists(root) && Path.IsPathRooted(root))
        {
            throw new DirectoryNotFoundException(
                $"The benchmark root '{Path.GetFullPath(root)}' does not exist; pass the folder holding <family>/<config>_{{train,validation,test}}.fa "
                + "(huggingface-cli download InstaDeepAI/plant-genomic-benchmark --repo-type dataset --local-dir DIR).");
        }
        // A folder, a datasets--ORG--NAME cache entry, or a dataset id downloaded with agront download --dataset.
        root = PlantGenomicBenchmark.ResolveRoot(root);
        var names = args.GetAll("task");
        if (names.Count == 0)
        {
            throw new UsageException("--pgb-root needs --task CONFIG [CONFIG ...] (a config such as poly_a/arabidopsis_thaliana, or its config name when unique).");
        }
        string method = args.Get("method") ?? "frozen-lightgbm";
        if (!Methods.Contains(method))
        {
            throw new UsageException($"--method must be {string.Join(", ", Methods)}, got '{method}'.");
        }
        int? maxTrain = args.Has("max-train") ? args.GetInt("max-train", 0, 1) : null;
        int? maxTest = args.Has("max-test") ? args.GetInt("max-test", 0, 1) : null;
        // Resolve every config and check every file before the first (long) run starts.
        var tasks = new List<BenchmarkTask>();
        foreach (string name in names)
        {
            var task = PlantGenomicBenchmark.Get(name);
            foreach (var split in task.Splits)
            {
                PlantGenomicBenchmark.GetSplitPath(root, task, split);
            }
            tasks.Add(task);
        }

        string modelFolder = CommonOptions.ModelFolder(args);
        // The frozen route embeds with one loaded model; fine-tuning loads a fresh copy per config (it changes or adapts it).
        using var embedder = method == "frozen-lightgbm" ? DnaEmbedders.Open(modelFolder, new DnaEmbedderOptions { Device = CommonOptions.DeviceName(args, checkTorchNow: false) }) : null;
        stderr.WriteLine($"agront bench: {tasks.Count} config(s) with {method}"
            + (method == "kmer-lightgbm" ? "" : $" on {modelFolder}")
            + (maxTrain is { } m ? $", at most {m} training rows" : "") + (maxTest is { } t ? $", at most {t} validation/test rows" : ""));
        var rows = new List<Row>();
        foreach (var task in tasks)
        {
            rows.Add(RunTask(root, task, method, embedder, modelFolder, args, maxTrain, maxTest, stderr, cancellationToken));
        }
        WriteTable(stdout, method, rows);
        return 0;
    }

    private static Row RunTask(string root, BenchmarkTask task, string method, IDnaEmbedder? embedder, string modelFolder, ParsedArguments args, int? maxTrain, int? maxTest,
        TextWriter stderr, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var data = PlantGenomicBenchmark.LoadSplits(root, task);
        int outputs = data.Train.LabelCount;
        var train = Limit(data.Train.ReadExamples(), maxTrain);
        var validation = data.Validation is { } v ? Limit(v.ReadExamples(), maxTest) : null;
        int seed = args.GetInt("seed", 42);
        Func<IReadOnlyList<BenchmarkExample>, IReadOnlyList<float[]>> predict;
        FineTunedModel? fitted = null;
        int trainRows;
        try
        {
            if (method is "frozen-lightgbm" or "kmer-lightgbm")
            {
                var examples = train.ToList();
                trainRows = examples.Count;
                var featurizer = embedder is null ? SequenceFeaturizer.SixMerFrequencies : SequenceFeaturizer.Embeddings(embedder);
                stderr.WriteLine($"agront bench: {task.Id}: {(embedder is null ? "counting 6-mers of" : "embedding")} {examples.Count} training rows and fitting LightGBM");
                var frozen = FrozenEncoderLearner.Fit(featurizer, task.ProblemType, outputs, examples, seed, cancellationToken);
                foreach (string note in frozen.Notes)
                {
                    stderr.WriteLine($"agront bench: {task.Id}: {note}");
                }
                predict = chunk => frozen.Predict(featurizer, chunk, cancellationToken);
            }
            else
            {
                var counted = new CountingExamples(train);
                var options = new FineTuningOptions
                {
                    Method = method switch { "lora" => FineTuningMethod.Lora, "full" => FineTuningMethod.Full, _ => FineTuningMethod.Ia3 },
                    Epochs = args.GetInt("epochs", 10, 1),
                    MaxSteps = args.Has("max-steps") ? args.GetInt("max-steps", 0, 1) : null,
                    BatchSize = args.GetInt("batch-size", 8, 1, 4096),
                    Seed = seed,
                    Device = CommonOptions.DeviceName(args),
                };
                stderr.WriteLine($"agront bench: {task.Id}: fine-tuning with {method}");
                fitted = new FineTuningTrainer(options).Fit(modelFolder, task.ProblemType, outputs, counted, validation, null, cancellationToken);
                trainRows = counted.Count;
                var current = fitted;
                predict = chunk => current.Predict([.. chunk.Select(e => e.Sequence)], cancellationToken: cancellationToken);
            }
            var labels = new List<float>();
            var predictions = new List<float>();
            int testRows = 0;
            foreach (var chunk in Limit(data.Test.ReadExamples(), maxTest).Chunk(PredictionChunk))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outputsOfChunk = predict(chunk);
                for (int i = 0; i < chunk.Length; i++)
                {
                    labels.AddRange(chunk[i].Labels);
                    predictions.AddRange(outputsOfChunk[i]);
                }
                testRows += chunk.Length;
            }
            if (testRows == 0)
            {
                throw new InvalidDataException($"The test file {data.Test.FilePath} has no records.");
            }
            var (name, score) = Headline(task, outputs, labels.ToArray(), predictions.ToArray(), stderr);
            // Only fine-tuning reads the validation split (early stopping); the frozen routes train on the training rows alone.
            int validationRows = fitted is not null ? validation?.Count() ?? 0 : 0;
            return new Row(task, name, score, trainRows, validationRows, testRows, clock.Elapsed);
        }
        finally
        {
            fitted?.Dispose();
        }
    }

    /// <summary>The task's headline metric (<see cref="BenchmarkMetrics.Evaluate"/>), with its notes on stderr.</summary>
    internal static (string Name, double Value) Headline(BenchmarkTask task, int outputs, float[] labels, float[] predictions, TextWriter stderr)
    {
        var evaluation = BenchmarkMetrics.Evaluate(task.ProblemType, labels, predictions, outputs);
        foreach (string note in evaluation.Notes)
        {
            stderr.WriteLine($"agront bench: {task.Id}: {note}");
        }
        return (evaluation.HeadlineName, evaluation.Headline);
    }

    private static void WriteTable(TextWriter stdout, string method, IReadOnlyList<Row> rows)
    {
        string[] header = ["config", "problem", "metric", $"ours ({method})", "AgroNT (paper)", "rows train/val/test", "time"];
        var cells = rows.Select(r => new[]
        {
            r.Task.Id,
            r.Task.ProblemType switch
            {
                BenchmarkProblemType.BinaryClassification => "binary",
                BenchmarkProblemType.MultiLabelClassification => $"multi-label ({r.Task.OutputCount})",
                BenchmarkProblemType.Regression => "regression",
                _ => $"multi-output ({r.Task.OutputCount})",
            },
            r.MetricName,
            double.IsFinite(r.Score) ? r.Score.ToString("0.000", CultureInfo.InvariantCulture) : "undefined",
            r.Task.PaperScore is { } paper ? $"{paper} ({r.Task.PaperMetric})" : "-",
            string.Create(CultureInfo.InvariantCulture, $"{r.TrainRows}/{r.ValidationRows}/{r.TestRows}"),
            string.Create(CultureInfo.InvariantCulture, $"{r.Elapsed.TotalSeconds:0.0} s"),
        }).ToList();
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length)))];
        stdout.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        stdout.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in cells)
        {
            stdout.WriteLine("| " + string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))) + " |");
        }
    }

    private static IEnumerable<BenchmarkExample> Limit(IEnumerable<BenchmarkExample> examples, int? max) => max is { } m ? examples.Take(m) : examples;

    /// <summary>Re-enumerable examples that remember how many the last complete pass gave.</summary>
    private sealed class CountingExamples(IEnumerable<BenchmarkExample> source) : IEnumerable<BenchmarkExample>
    {
        public int Count { get; private set; }

        public IEnumerator<BenchmarkExample> GetEnumerator()
        {
            int count = 0;
            foreach (var example in source)
            {
                count++;
                yield return example;
            }
            Count = count;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
