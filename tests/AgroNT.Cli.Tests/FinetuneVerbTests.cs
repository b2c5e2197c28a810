using System.Text.Json.Nodes;
using AgroNT.MLNet;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using Microsoft.ML;

namespace AgroNT.Cli.Tests;

public sealed class FinetuneVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Writes the first <paramref name="records"/> records of a shared task split (2 lines each: header, one sequence line).</summary>
    private string Subset(string task, string split, int records)
    {
        var lines = File.ReadLines(Path.Combine(SharedData.Data, "tasks", task, $"{split}.fa"));
        var output = new List<string>();
        foreach (string line in lines)
        {
            if (line.StartsWith('>') && output.Count(l => l.StartsWith('>')) == records)
            {
                break;
            }
            output.Add(line);
        }
        string path = _cli.PathOf($"{task}_{split}.fa");
        File.WriteAllLines(path, output);
        return path;
    }

    [Fact]
    public void Finetune_Ia3Binary_WritesModelMetricsPredictionsAndCurve()
    {
        string output = _cli.PathOf("ia3");
        var (code, stdout, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 24), "--validation", Subset("chloroplast_coding", "validation", 8),
            "--test", Subset("chloroplast_coding", "test", 12), "--task", "binary", "--method", "ia3", "--out", output, "--max-steps", "3", "--eval-every", "2");

        Assert.True(code == 0, stderr);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!.AsObject();
        Assert.Equal(["auroc", "auprc", "mcc", "f1", "accuracy"], metrics.Select(m => m.Key));
        Assert.StartsWith("auroc ", stdout);
        string[] csv = File.ReadAllLines(Path.Combine(output, "predictions.csv"));
        Assert.Equal("id,label,probability", csv[0]);
        Assert.Equal(13, csv.Length);
        // The AUROC written is the one the written predictions give, recomputed by an independent rank formula.
        Assert.Equal(AurocOf(csv, label: 1, score: 2), (double)metrics["auroc"]!, 12);
        Assert.StartsWith("NC_000932:", csv[1]);
        byte[] png = File.ReadAllBytes(Path.Combine(output, "training-curve.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Contains("validation loss", stderr);
        using var model = FineTunedModel.Load(Path.Combine(output, "model"));
        Assert.Equal(FineTuningMethod.Ia3, model.Method);
        Assert.Equal(3, model.History.Steps);
    }

    [Fact]
    public void MaskedTokenVerbs_OnAFineTunedFolder_AreUsageErrorsPointingToTheBaseModelOrIsm()
    {
        string output = _cli.PathOf("ft");
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 12), "--test", Subset("chloroplast_coding", "test", 6),
            "--task", "binary", "--method", "ia3", "--out", output, "--max-steps", "1");
        Assert.True(code == 0, stderr);
        string folder = Path.Combine(output, "model");

        var fill = _cli.Run("fill-mask", "--model", folder, "ACGTAC<mask>ACGTAC");
        var vcf = _cli.PathOf("v.vcf");
        File.WriteAllLines(vcf, ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]);
        string reference = _cli.PathOf("ref.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), reference);
        var score = _cli.Run("score-variants", "--model", folder, "--reference", reference,
            "--vcf", vcf, "-o", _cli.PathOf("s.tsv"));

        foreach (var (verb, result) in new[] { ("fill-mask", fill), ("score-variants", score) })
        {
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("is a fine-tuned folder", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"so {verb} would read only the base weights", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("agront ism --model", result.Stderr, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(_cli.PathOf("s.tsv")));
    }

    [Fact]
    public void Finetune_LoraMultiLabel_ReportsPerLabelAndSkippedLabels()
    {
        string output = _cli.PathOf("lora");
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_features", "train", 12), "--test", Subset("chloroplast_features", "test", 8),
            "--task", "multilabel", "--method", "lora", "--lora-rank", "2", "--lora-targets", "query,value,dense", "--out", output, "--max-steps", "2");

        Assert.True(code == 0, stderr);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!.AsObject();
        // The test split's l1 is always 1 and l3 always 0 (README): both are skipped and said to be.
        Assert.Contains("label l1 skipped", stderr);
        Assert.Contains("label l3 skipped", stderr);
        string[] csv = File.ReadAllLines(Path.Combine(output, "predictions.csv"));
        Assert.StartsWith("id,label_1,label_2,label_3,label_4,probability_1,", csv[0]);
        // Macro AUROC is the mean over the labels with both classes in these rows, recomputed from the written predictions.
        double[] perLabel = [.. Enumerable.Range(1, 4).Select(j => AurocOf(csv, label: j, score: 4 + j))];
        Assert.True(double.IsNaN(perLabel[0]) && double.IsNaN(perLabel[2]));
        Assert.Equal(perLabel.Where(double.IsFinite).Average(), (double)metrics["macro_auroc"]!, 12);
    }

    /// <remarks>
    /// 400 training windows and the whole test split (134): measured test AUROC 0.589 for the tiny model's frozen
    /// embeddings and 0.755 for 6-mer frequencies (seed 42), the figures TaskRunnerTests gets through the library.
    /// </remarks>
    [Theory]
    [InlineData("frozen-lightgbm", 0.55)]
    [InlineData("kmer-lightgbm", 0.70)]
    public void Finetune_FrozenLightGbmAndKmerBaseline_WriteTheLightGbmModelAndBeatChance(string method, double atLeast)
    {
        string output = _cli.PathOf(method);
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 400), "--test", Subset("chloroplast_coding", "test", 134),
            "--task", "binary", "--method", method, "--out", output);

        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(output, "model", "lightgbm_o1.zip")));
        double auroc = (double)JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!["auroc"]!;
        Assert.Equal(AurocOf(File.ReadAllLines(Path.Combine(output, "predictions.csv")), label: 1, score: 2), auroc, 12);
        Assert.InRange(auroc, atLeast, 1.0);
    }

    /// <summary>AUROC of one label column against one score column of a predictions.csv (header skipped), by rank sums.</summary>
    private static double AurocOf(string[] csv, int label, int score)
    {
        var rows = csv.Skip(1).Select(line => line.Split(',')).ToList();
        return RankAuroc.Compute([.. rows.Select(r => r[label] == "1")], [.. rows.Select(r => double.Parse(r[score], System.Globalization.CultureInfo.InvariantCulture))]);
    }

    [Fact]
    public void Finetune_FrozenLightGbmSavePipeline_LoadsAloneAndPredictsTheTestProbabilities()
    {
        string output = _cli.PathOf("frozen-pipeline");
        string pipeline = _cli.PathOf("pipeline.zip");
        string test = Subset("chloroplast_coding", "test", 10);
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 40), "--test", test,
            "--task", "binary", "--method", "frozen-lightgbm", "--out", output, "--save-pipeline", pipeline, "--embed-model");
        Assert.True(code == 0, stderr);

        var ml = new Microsoft.ML.MLContext(seed: 1);
        var loaded = ml.Model.LoadAgroNT(pipeline, out var schema);
        try
        {
            Assert.Equal(["Sequence"], schema.Select(c => c.Name));
            var sequences = Transforms.Benchmarks.BenchmarkDataView.Open(test, Transforms.Benchmarks.ProblemType.BinaryClassification)
                .ReadExamples().Select(e => new SequenceRow { Sequence = e.Sequence }).ToList();
            float[] probabilities = [.. Microsoft.ML.Data.ColumnCursorExtensions.GetColumn<float>(loaded.Transform(ml.Data.LoadFromEnumerable(sequences)), "Probability")];
            float[] written = [.. File.ReadAllLines(Path.Combine(output, "predictions.csv")).Skip(1)
                .Select(line => float.Parse(line.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(10, written.Length);
            Assert.Equal(written, probabilities, (a, b) => Math.Abs(a - b) <= 1e-5f);
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void Finetune_SavePipelineWithKmerBaseline_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("finetune", "--train", "a.fa", "--test", "b.fa", "--task", "binary", "--method", "kmer-lightgbm",
            "--out", _cli.PathOf("x"), "--save-pipeline", _cli.PathOf("p.zip"));

        Assert.Equal(2, code);
        Assert.Contains("--save-pipeline applies to --method frozen-lightgbm and auto", stderr);
    }

    private sealed class SequenceRow
    {
        public string Sequence { get; set; } = "";
    }

    [Fact]
    public void Finetune_Auto_SearchesAndWritesTheLeaderboard()
    {
        string output = _cli.PathOf("auto");
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 40), "--test", Subset("chloroplast_coding", "test", 10),
            "--task", "binary", "--method", "auto", "--time-budget", "1", "--out", output);

        Assert.True(code == 0, stderr);
        Assert.Contains("trial 1: LightGbm", stderr);
        Assert.True(File.Exists(Path.Combine(output, "model", "search_o1.zip")));
        Assert.StartsWith("output,rank,trainer,", File.ReadLines(Path.Combine(output, "model", "leaderboard.csv")).First());
    }

    [Fact]
    public void Finetune_FullRegression_WritesR2()
    {
        string train = _cli.PathOf("reg_train.fa"), test = _cli.PathOf("reg_test.fa");
        File.WriteAllText(train, string.Concat(Enumerable.Range(0, 12).Select(i => $">r{i}|{i * 0.5}\n{new string('G', i)}{new string('A', 24 - i)}\n")));
        File.WriteAllText(test, ">t1|1.5\nGGGAAAAAAAAAAAAAAAAAAAAA\n>t2|4\nGGGGGGGGAAAAAAAAAAAAAAAA\n");
        string output = _cli.PathOf("full");

        var (code, stdout, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", test,
            "--task", "regression", "--method", "full", "--out", output, "--epochs", "1");

        Assert.True(code == 0, stderr);
        Assert.StartsWith("r2 ", stdout);
        Assert.Equal("id,label,prediction", File.ReadLines(Path.Combine(output, "predictions.csv")).First());
    }

    [Fact]
    public void Finetune_CheckpointThenResume_PredictsLikeOneUninterruptedRun()
    {
        string train = Subset("chloroplast_coding", "train", 16), validation = Subset("chloroplast_coding", "validation", 8), test = Subset("chloroplast_coding", "test", 8);
        string[] common = ["finetune", "--model", SharedData.TinyModel, "--train", train, "--validation", validation, "--test", test,
            "--task", "binary", "--method", "lora", "--batch-size", "4", "--patience", "10"];
        string whole = _cli.PathOf("whole"), split = _cli.PathOf("split");

        var uninterrupted = _cli.Run([.. common, "--out", whole, "--max-steps", "6"]);
        var first = _cli.Run([.. common, "--out", split, "--max-steps", "3", "--checkpoint-interval", "2"]);
        var again = _cli.Run([.. common, "--out", split, "--max-steps", "6", "--checkpoint-interval", "2"]);
        var resumed = _cli.Run([.. common, "--out", split, "--max-steps", "6", "--checkpoint-interval", "2", "--resume"]);

        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Stderr);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("step 2: checkpoint ", first.Stderr);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("already holds fine-tuning checkpoints", again.Stderr);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming from " + Path.Combine(split, "checkpoints", "step-00000003"), resumed.Stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "predictions.csv")), File.ReadAllText(Path.Combine(split, "predictions.csv")));
        Assert.Equal(["step-00000004", "step-00000006"], Directory.GetDirectories(Path.Combine(split, "checkpoints")).Select(Path.GetFileName).Order().Skip(1));
    }

    [Fact]
    public void Finetune_ResumeWithAFrozenMethod_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("finetune", "--train", "a.fa", "--test", "b.fa", "--task", "binary", "--method", "frozen-lightgbm", "--out", _cli.PathOf("x"), "--resume");

        Assert.Equal(2, code);
        Assert.Contains("--resume apply to --method ia3, lora and full", stderr);
    }

    [Theory]
    [InlineData("--task", "ranking", "--task must be binary, multilabel, regression or multiregression")]
    [InlineData("--method", "adapter", "--method must be ia3, lora, full, frozen-lightgbm, auto or kmer-lightgbm")]
    public void Finetune_BadChoice_IsAUsageError(string option, string value, string message)
    {
        string[] args = ["finetune", "--train", "a.fa", "--test", "b.fa", "--task", "binary", "--out", _cli.PathOf("x")];
        int at = Array.IndexOf(args, option);
        args = at >= 0 ? [.. args[..(at + 1)], value, .. args[(at + 2)..]] : [.. args, option, value];

        var (code, _, stderr) = _cli.Run(args);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Finetune_MissingTrainingFile_OneLineError()
    {
        var (code, _, stderr) = _cli.Run("finetune", "--train", _cli.PathOf("none.fa"), "--test", _cli.PathOf("none2.fa"), "--task", "binary", "--out", _cli.PathOf("x"));

        Assert.Equal(1, code);
        Assert.Contains("none.fa", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Finetune_RcAugmentAndStrandBoth_PredictTheMeanOfTheStrands()
    {
        string output = _cli.PathOf("rc");
        string test = Subset("chloroplast_coding", "test", 12);
        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel,
            "--train", Subset("chloroplast_coding", "train", 24), "--test", test, "--task", "binary", "--method", "ia3", "--out", output,
            "--max-steps", "3", "--rc-augment", "--strand", "both");
        Assert.True(code == 0, stderr);
        using var model = FineTunedModel.Load(Path.Combine(output, "model"));
        var sequences = Transforms.Sequences.SequenceReader.ReadFile(test).Select(r => r.Sequence).ToList();
        var expected = model.Predict(sequences, Transforms.Embeddings.Strand.Both);
        var rows = File.ReadAllLines(Path.Combine(output, "predictions.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(12, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(expected[i][0], float.Parse(rows[i][2], System.Globalization.CultureInfo.InvariantCulture), 1e-5);
        }
    }

    [Fact]
    public void Finetune_RcAugmentWithoutTrainingSteps_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("finetune", "--train", "a.fa", "--test", "b.fa", "--task", "binary", "--method", "kmer-lightgbm", "--out", _cli.PathOf("x"), "--rc-augment");
        Assert.Equal(2, code);
        Assert.Contains("--rc-augment applies to --method ia3, lora and full", stderr);
        var strand = _cli.Run("finetune", "--train", "a.fa", "--test", "b.fa", "--task", "binary", "--method", "kmer-lightgbm", "--out", _cli.PathOf("y"), "--strand", "both");
        Assert.Equal(2, strand.ExitCode);
        Assert.Contains("kmer-lightgbm counts the 6-mers", strand.Stderr);
    }
}
