using System.Diagnostics;
using System.Globalization;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Benchmarks;
using Microsoft.ML;

namespace AgroNT.Benchmarks;

/// <summary>
/// One-shot measurement of the README's pipeline, <c>FeaturizeAgroNT(...).Append(LightGbm())</c>, fitted on a labelled
/// FASTA task (chloroplast_coding's training split by default) three ways: with the featurizer's embedding cache off,
/// with it on (the default), and with the cache off but ML.NET's <c>AppendCacheCheckpoint</c> after the featurizer. It
/// prints the fit's wall-clock and process CPU time (the steadier figure on a shared machine) and the tokens the encoder
/// embedded during the fit (one pass = each row once).
/// <para>Run: <c>dotnet run -c Release --project benchmarks/AgroNT.Benchmarks -- featurize-fit [--model DIR]
/// [--data FILE.fa] [--max-rows N] [--modes off,cache,checkpoint] [--repeats N]</c> (modes run in the order given, the
/// whole list <c>--repeats</c> times, so warm-up can be told apart); paths default to <c>models/agront-default</c> and
/// <c>../shared/data/tasks/chloroplast_coding/train.fa</c> beside the repository.</para>
/// </summary>
public static class FeaturizeFitBenchmark
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "featurize-fit";

    /// <summary>Runs the verb; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        string repository = FindRepository();
        string model = Option(args, "--model") ?? Path.Combine(repository, "models", "agront-default");
        string data = Option(args, "--data") ?? Path.Combine(repository, "..", "shared", "data", "tasks", "chloroplast_coding", "train.fa");
        int maxRows = Option(args, "--max-rows") is { } max ? int.Parse(max, CultureInfo.InvariantCulture) : int.MaxValue;

        var ml = new MLContext(seed: 1);
        var rows = BenchmarkDataView.Open(data, ProblemType.BinaryClassification).ReadExamples().Take(maxRows)
            .Select(e => new Row { Sequence = e.Sequence, Label = e.Labels[0] == 1 }).ToList();
        IDataView train = ml.Data.LoadFromEnumerable(rows);
        Console.WriteLine($"{rows.Count} rows of {Path.GetFileName(data)}, model {Path.GetFileName(Path.GetFullPath(model))}, "
            + $"{Environment.ProcessorCount} cores, LightGBM defaults");

        string[] modes = (Option(args, "--modes") ?? "off,cache,checkpoint").Split(',');
        int repeats = Option(args, "--repeats") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 1;
        for (int repeat = 0; repeat < repeats; repeat++)
        {
            foreach (string mode in modes)
            {
                switch (mode)
                {
                    case "off":
                        Measure(ml, train, model, "cache off", cacheBytes: 0, checkpoint: false);
                        break;
                    case "cache":
                        Measure(ml, train, model, "EmbeddingCacheBytes default (256 MiB)", AgroNTFeaturizingDefaults.EmbeddingCacheBytes, checkpoint: false);
                        break;
                    case "checkpoint":
                        Measure(ml, train, model, "cache off + AppendCacheCheckpoint", cacheBytes: 0, checkpoint: true);
                        break;
                    default:
                        Console.Error.WriteLine($"featurize-fit: --modes takes off, cache and checkpoint, comma-separated; got '{mode}'.");
                        return 2;
                }
            }
        }

        return 0;
    }

    private static void Measure(MLContext ml, IDataView train, string model, string label, long cacheBytes, bool checkpoint)
    {
        var featurize = ml.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions { ModelFolder = model, EmbeddingCacheBytes = cacheBytes });
        IEstimator<ITransformer> pipeline = checkpoint
            ? featurize.AppendCacheCheckpoint(ml).Append(ml.BinaryClassification.Trainers.LightGbm())
            : featurize.Append(ml.BinaryClassification.Trainers.LightGbm());
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        ITransformer fitted = pipeline.Fit(train);
        clock.Stop();
        process.Refresh();
        TimeSpan cpu = process.TotalProcessorTime - cpuBefore;
        var featurizer = ((IEnumerable<ITransformer>)fitted).OfType<AgroNTFeaturizingTransformer>().Single();
        Console.WriteLine($"{label,-40} fit {clock.Elapsed.TotalSeconds,7:F1} s wall, {cpu.TotalSeconds,7:F1} s CPU, encoder tokens {featurizer.Embedder.RealTokens,10:N0}");
        (fitted as IDisposable)?.Dispose();
    }

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string FindRepository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AgroNT.MLNet.sln")))
            {
                return folder.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }

    private sealed class Row
    {
        public string Sequence { get; set; } = "";

        public bool Label { get; set; }
    }
}
