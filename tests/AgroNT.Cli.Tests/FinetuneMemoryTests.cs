using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cli.Tests;

/// <summary><c>agront finetune</c>'s memory estimate, its refusal of a run that cannot fit, and <c>--micro-batch</c>.</summary>
public sealed class FinetuneMemoryTests : IDisposable
{
    private const int Length = 6000;
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Eight labelled 6,000-bp windows of the Arabidopsis chloroplast genome (1,001 tokens each).</summary>
    private string ChloroplastWindows(string name)
    {
        string genome = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa")).Single().Sequence;
        string path = _cli.PathOf(name);
        File.WriteAllLines(path, Enumerable.Range(0, 8).SelectMany(i => new[] { $">w{i}|{i % 2}", genome.Substring(i * Length, Length) }));
        return path;
    }

    [Fact]
    public void Finetune_BudgetTooSmallForTheBatch_RefusesBeforeLoadingAndSuggestsAMicroBatch()
    {
        string train = ChloroplastWindows("train.fa");
        string output = _cli.PathOf("out");
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        var options = new FineTuningOptions { BatchSize = 8 };
        // A budget between the estimates of micro-batches of 5 and 6 sequences: the whole batch of 8 does not fit.
        long budget = (MemoryEstimate.ForFineTuning(config, options with { MicroBatchSize = 5 }, 1001, 1, false).TotalBytes
            + MemoryEstimate.ForFineTuning(config, options with { MicroBatchSize = 6 }, 1001, 1, false).TotalBytes) / 2;

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary",
            "--out", output, "--batch-size", "8", "--memory-budget", budget.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.Contains("expected peak memory", stderr);
        Assert.Contains("1001 tokens", stderr);
        Assert.Contains("--memory-budget", stderr);
        Assert.Contains("use --micro-batch 5 (expected", stderr);
        Assert.False(Directory.Exists(Path.Combine(output, "model")));
    }

    [Fact]
    public void Finetune_NothingFits_SaysSoInsteadOfSuggestingAMicroBatch()
    {
        string train = ChloroplastWindows("train.fa");

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary",
            "--out", _cli.PathOf("out"), "--memory-budget", "100MiB");

        Assert.Equal(1, code);
        Assert.Contains("100.0 MiB is --memory-budget", stderr);
        Assert.Contains("not even --micro-batch 1 with checkpointing fits", stderr);
    }

    [Fact]
    public void Finetune_MicroBatchesWithCheckpointing_TrainsAndReportsTheEstimate()
    {
        string train = ChloroplastWindows("train.fa");
        string output = _cli.PathOf("out");

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary",
            "--out", output, "--batch-size", "8", "--micro-batch", "3", "--activation-checkpointing", "on", "--memory-budget", "64GiB", "--max-steps", "1");

        Assert.True(code == 0, stderr);
        Assert.Contains("activations", stderr);
        Assert.Contains("(3 x 1001 tokens, checkpointing on)", stderr);
        using var model = FineTunedModel.Load(Path.Combine(output, "model"));
        Assert.Equal(1, model.History.Steps);
    }

    [Fact]
    public void Finetune_BFloat16Ia3_TrainsAndEstimatesHalfTheWeights()
    {
        string train = ChloroplastWindows("train.fa");
        string output = _cli.PathOf("out");

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary",
            "--out", output, "--precision", "bf16", "--micro-batch", "4", "--max-steps", "1");

        Assert.True(code == 0, stderr);
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        var estimate = MemoryEstimate.ForFineTuning(config, new FineTuningOptions { MicroBatchSize = 4, Precision = MLNet.Precision.BFloat16 }, 1001, 1, false);
        Assert.Contains($"weights {MemoryEstimate.FormatBytes(estimate.WeightBytes)} ", stderr);
        Assert.True(File.Exists(Path.Combine(output, "metrics.json")));
    }

    [Theory]
    [InlineData("--memory-budget", "lots")]
    [InlineData("--memory-budget", "16XB")]
    [InlineData("--activation-checkpointing", "sometimes")]
    [InlineData("--micro-batch", "0")]
    [InlineData("--precision", "fp16")]
    public void Finetune_BadMemoryOption_IsAUsageError(string option, string value)
    {
        string train = ChloroplastWindows("train.fa");

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary",
            "--out", _cli.PathOf("out"), option, value);

        Assert.Equal(2, code);
        Assert.Contains(option, stderr);
    }
}
