using System.Globalization;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Evaluation;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.Cli.Tests;

/// <summary>
/// <c>agront bench --pgb-root</c> on a temporary benchmark root: the chloroplast_coding files copied under two catalog
/// configs (pro_seq/m_esculenta ships a validation split, lncrna/g_max does not and has a published AgroNT score).
/// </summary>
public sealed class PgbBenchTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _root;

    public PgbBenchTests()
    {
        _root = _cli.PathOf("pgb");
        Copy("pro_seq", "m_esculenta", "train", "validation", "test");
        Copy("lncrna", "g_max", "train", "test");
    }

    public void Dispose() => _cli.Dispose();

    private void Copy(string family, string config, params string[] splits)
    {
        Directory.CreateDirectory(Path.Combine(_root, family));
        foreach (string split in splits)
        {
            File.Copy(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", $"{split}.fa"), Path.Combine(_root, family, $"{config}_{split}.fa"));
        }
    }

    [Fact]
    public void Bench_TwoConfigs_PrintsOneRowEachWithThePaperScoreWhereKnown_AndTheScoreFinetuneComputes()
    {
        var (code, stdout, stderr) = _cli.Run("bench", "--pgb-root", _root, "--task", "pro_seq/m_esculenta", "g_max",
            "--method", "kmer-lightgbm", "--max-train", "60", "--max-test", "40");

        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^\| config +\| problem +\| metric +\| ours \(kmer-lightgbm\) +\| AgroNT \(paper\) +\| rows train/val/test +\| time +\|$", lines[0]);
        string[] proSeq = Cells(lines[2]), lncrna = Cells(lines[3]);
        Assert.Equal(["pro_seq/m_esculenta", "binary", "auroc"], proSeq[..3]);
        Assert.Equal("-", proSeq[4]);
        Assert.Equal("60/0/40", proSeq[5]);
        Assert.Equal(["lncrna/g_max", "binary", "auroc"], lncrna[..3]);
        Assert.Equal("0.81 (AUC)", lncrna[4]);
        Assert.Equal("60/0/40", lncrna[5]);
        // The same learner on the same rows through `agront finetune` gives the same AUROC (rounded as printed).
        double expected = FinetuneAuroc("lncrna", "g_max", 60, 40);
        Assert.Equal(expected.ToString("0.000", CultureInfo.InvariantCulture), lncrna[3]);
        Assert.Equal(lncrna[3], proSeq[3]);
    }

    [Fact]
    public void Bench_FrozenEmbeddingsWithAModel_PrintsWhatTheLibrarysTaskRunnerGives()
    {
        var (code, stdout, stderr) = _cli.Run("bench", "--pgb-root", _root, "--task", "lncrna/g_max", "--model", SharedData.TinyModel,
            "--max-train", "400");

        Assert.True(code == 0, stderr);
        string[] row = Cells(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[2]);
        Assert.Equal("lncrna/g_max", row[0]);
        Assert.Equal("400/0/134", row[5]);
        // The same run through the public C# API (TaskRunner, seed 42 as the verb's default) prints the same figure.
        var data = PlantGenomicBenchmark.LoadSplits(_root, PlantGenomicBenchmark.Get("lncrna/g_max"));
        var library = TaskRunner.Run(data, new TaskRunOptions { Model = SharedData.TinyModel, MaxTrainRows = 400, Seed = 42 });
        Assert.Equal(library.Headline.ToString("0.000", CultureInfo.InvariantCulture), row[3]);
        // The config holds the chloroplast_coding windows: measured 0.589, as TaskRunnerTests measures on the same rows.
        Assert.InRange(library.Headline, 0.55, 1.0);
    }

    [Fact]
    public void Bench_FineTuningMethod_UsesTheValidationSplitWhereTheConfigShipsOne()
    {
        var (code, stdout, stderr) = _cli.Run("bench", "--pgb-root", _root, "--task", "pro_seq/m_esculenta", "--model", SharedData.TinyModel,
            "--method", "ia3", "--max-train", "16", "--max-test", "8", "--max-steps", "2");

        Assert.True(code == 0, stderr);
        string[] row = Cells(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[2]);
        Assert.Equal(["pro_seq/m_esculenta", "binary", "auroc"], row[..3]);
        Assert.Equal("16/8/8", row[5]);
        Assert.Contains("fine-tuning with ia3", stderr);
    }

    [Fact]
    public void Bench_MissingRootTaskOrFile_OneClearLine()
    {
        var missingRoot = _cli.Run("bench", "--pgb-root", _cli.PathOf("nowhere"), "--task", "g_max");
        var unknownTask = _cli.Run("bench", "--pgb-root", _root, "--task", "g_maximus");
        File.Delete(Path.Combine(_root, "pro_seq", "m_esculenta_test.fa"));
        var missingFile = _cli.Run("bench", "--pgb-root", _root, "--task", "g_max", "pro_seq/m_esculenta", "--method", "kmer-lightgbm");
        var noRoot = _cli.Run("bench", "--task", "g_max");

        Assert.Equal(1, missingRoot.ExitCode);
        Assert.Contains("The benchmark root '" + _cli.PathOf("nowhere") + "' does not exist", missingRoot.Stderr);
        Assert.Equal(1, unknownTask.ExitCode);
        Assert.Contains("g_maximus", unknownTask.Stderr);
        Assert.Equal(1, missingFile.ExitCode);
        Assert.Contains("The test file of pro_seq/m_esculenta is missing: expected '" + Path.Combine(_root, "pro_seq", "m_esculenta_test.fa") + "'", missingFile.Stderr);
        Assert.Equal("", missingFile.Stdout);
        Assert.Equal(2, noRoot.ExitCode);
        Assert.Contains("--task belongs to the benchmark runs: give --pgb-root DIR too", noRoot.Stderr);
        Assert.All([missingRoot.Stderr, unknownTask.Stderr, missingFile.Stderr], e => Assert.Single(e.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static string[] Cells(string line) => [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];

    private double FinetuneAuroc(string family, string config, int trainRows, int testRows)
    {
        string train = Head(Path.Combine(_root, family, $"{config}_train.fa"), trainRows), test = Head(Path.Combine(_root, family, $"{config}_test.fa"), testRows);
        string output = _cli.PathOf("finetune-" + config);
        var (code, _, stderr) = _cli.Run("finetune", "--train", train, "--test", test, "--task", "binary", "--method", "kmer-lightgbm", "--out", output);
        Assert.True(code == 0, stderr);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!["auroc"]!.GetValue<double>();
    }

    /// <summary>The first <paramref name="records"/> records of a FASTA file (one sequence line each), as a new file.</summary>
    private string Head(string path, int records)
    {
        var lines = new List<string>();
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith('>') && lines.Count(l => l.StartsWith('>')) == records)
            {
                break;
            }
            lines.Add(line);
        }
        string head = _cli.PathOf($"head-{records}-{Path.GetFileName(path)}");
        File.WriteAllLines(head, lines);
        return head;
    }
}
