using System.Globalization;
using AgroNT.MLNet.Evaluation;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront bench --pgb-root DIR --task CONFIG...</c>: parses the arguments into a <see cref="TaskRunner"/> run per
/// Plant Genomic Benchmark config and prints, per config, the headline metric on its test split next to the paper's
/// AgroNT figure.
/// </summary>
internal static class PgbBench
{
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
        string methodName = args.Get("method") ?? TaskRunner.MethodName(TaskRunMethod.FrozenLightGbm);
        if (TaskRunner.ParseMethodName(methodName) is not { } method)
        {
            throw new UsageException($"--method must be {string.Join(", ", Enum.GetValues<TaskRunMethod>().Select(TaskRunner.MethodName))}, got '{methodName}'.");
        }
        int? maxTrain = args.Has("max-train") ? args.GetInt("max-train", 0, 1) : null;
        int? maxTest = args.Has("max-test") ? args.GetInt("max-test", 0, 1) : null;
        // Resolve every config and check every file before the first (long) run starts.
        var data = new List<BenchmarkDataSet>();
        foreach (string name in names)
        {
            data.Add(PlantGenomicBenchmark.LoadSplits(root, PlantGenomicBenchmark.Get(name)));
        }

        var options = new TaskRunOptions
        {
            Method = method,
            Model = method == TaskRunMethod.KmerLightGbm ? null : CommonOptions.ModelFolder(args),
            MaxTrainRows = maxTrain,
            MaxEvaluationRows = maxTest,
            Seed = args.GetInt("seed", 42),
            // The frozen route's embedder checks a CUDA device when it loads; fine-tuning is checked now.
            Device = CommonOptions.DeviceName(args, checkTorchNow: method != TaskRunMethod.FrozenLightGbm),
            FineTuning = new FineTuningOptions
            {
                Epochs = args.GetInt("epochs", 10, 1),
                MaxSteps = args.Has("max-steps") ? args.GetInt("max-steps", 0, 1) : null,
                BatchSize = args.GetInt("batch-size", 8, 1, 4096),
            },
        };
        stderr.WriteLine($"agront bench: {data.Count} config(s) with {methodName}"
            + (options.Model is { } model ? $" on {model}" : "")
            + (maxTrain is { } m ? $", at most {m} training rows" : "") + (maxTest is { } t ? $", at most {t} validation/test rows" : ""));
        using var runner = new TaskRunner(options);
        var results = new List<TaskRunResult>();
        foreach (var set in data)
        {
            results.Add(runner.Run(set, new LineProgress(stderr, $"agront bench: {set.Task.Id}: "), cancellationToken));
        }
        WriteTable(stdout, methodName, results);
        return 0;
    }

    private static void WriteTable(TextWriter stdout, string method, IReadOnlyList<TaskRunResult> rows)
    {
        string[] header = ["config", "problem", "metric", $"ours ({method})", "AgroNT (paper)", "rows train/val/test", "time"];
        var cells = rows.Select(r => new[]
        {
            r.Task.Id,
            r.Task.ProblemType switch
            {
                ProblemType.BinaryClassification => "binary",
                ProblemType.MultiLabelClassification => $"multi-label ({r.Task.OutputCount})",
                ProblemType.Regression => "regression",
                _ => $"multi-output ({r.Task.OutputCount})",
            },
            r.HeadlineName,
            double.IsFinite(r.Headline) ? r.Headline.ToString("0.000", CultureInfo.InvariantCulture) : "undefined",
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

    /// <summary>Writes each progress line to stderr at once, with the verb's prefix (<see cref="Progress{T}"/> would post it later).</summary>
    private sealed class LineProgress(TextWriter writer, string prefix) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(prefix + value);
    }
}
