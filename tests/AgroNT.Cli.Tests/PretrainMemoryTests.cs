using System.Globalization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary><c>agront pretrain</c>'s memory estimate and its refusal of a run that cannot fit.</summary>
public sealed class PretrainMemoryTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private (int Code, string Stderr) Pretrain(string budget)
    {
        var (code, _, stderr) = _cli.Run("pretrain", "--genome", Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), "--out", _cli.PathOf("o"),
            "--hidden", "64", "--layers", "2", "--heads", "4", "--intermediate", "128", "--micro-batch", "4", "--max-steps", "1", "--memory-budget", budget);
        return (code, stderr);
    }

    [Fact]
    public void Pretrain_BudgetBelowTheMicroBatch_RefusesAndSuggestsOneThatFits()
    {
        var config = EsmConfig.AgroNT1B with { HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128 };
        long budget = (MemoryEstimate.ForPretraining(config, 2, 1024).TotalBytes + MemoryEstimate.ForPretraining(config, 3, 1024).TotalBytes) / 2;

        var (code, stderr) = Pretrain(budget.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.Contains("expected peak memory", stderr);
        Assert.Contains("(4 x 1024 tokens, checkpointing off)", stderr);
        Assert.Contains("use --micro-batch 2 (--batch-tokens stays", stderr);
        Assert.False(File.Exists(Path.Combine(_cli.PathOf("o"), "config.json")));
    }

    [Fact]
    public void Pretrain_NothingFits_SaysSo()
    {
        var (code, stderr) = Pretrain("64MiB");

        Assert.Equal(1, code);
        Assert.Contains("64.0 MiB is --memory-budget; not even --micro-batch 1 fits", stderr);
    }
}
