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

    private static readonly EsmConfig Config = EsmConfig.AgroNT1B with { HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128 };

    private (int Code, string Stderr) Pretrain(string budget, string checkpointing = "off")
    {
        var (code, _, stderr) = _cli.Run("pretrain", "--genome", Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), "--out", _cli.PathOf("o"),
            "--hidden", "64", "--layers", "2", "--heads", "4", "--intermediate", "128", "--micro-batch", "4", "--max-steps", "1", "--memory-budget", budget,
            "--activation-checkpointing", checkpointing, "--validation-interval", "0");
        return (code, stderr);
    }

    [Fact]
    public void Pretrain_BudgetBelowTheMicroBatch_RefusesAndSuggestsOneThatFits()
    {
        long budget = (MemoryEstimate.ForPretraining(Config, 2, 1024).TotalBytes + MemoryEstimate.ForPretraining(Config, 3, 1024).TotalBytes) / 2;

        var (code, stderr) = Pretrain(budget.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.Contains("expected peak memory", stderr);
        Assert.Contains("(4 x 1024 tokens, checkpointing off)", stderr);
        Assert.Contains("use --micro-batch 2 (--batch-tokens stays", stderr);
        Assert.False(File.Exists(Path.Combine(_cli.PathOf("o"), "config.json")));
    }

    [Fact]
    public void Pretrain_Auto_TurnsCheckpointingOnWhenOnlyThatFitsAndTrains()
    {
        // Between the checkpointed and the plain estimate of the same micro-batch: auto must choose checkpointing.
        long plain = MemoryEstimate.ForPretraining(Config, 4, 1024).TotalBytes;
        long checkpointed = MemoryEstimate.ForPretraining(Config, 4, 1024, checkpointing: true).TotalBytes;
        Assert.True(checkpointed < plain);
        long budget = (plain + checkpointed) / 2;

        var (code, stderr) = Pretrain(budget.ToString(CultureInfo.InvariantCulture), "auto");

        Assert.True(code == 0, stderr);
        Assert.Contains("(4 x 1024 tokens, checkpointing on)", stderr);
        Assert.True(File.Exists(Path.Combine(_cli.PathOf("o"), "config.json")));
    }

    [Fact]
    public void Pretrain_CheckpointingOff_SuggestsTurningItOnWhenOnlyThatFits()
    {
        long budget = MemoryEstimate.ForPretraining(Config, 1, 1024).TotalBytes - 1;
        Assert.True(MemoryEstimate.ForPretraining(Config, 1, 1024, checkpointing: true).TotalBytes <= budget, "a checkpointed micro-batch of 1 must fit");

        var (code, stderr) = Pretrain(budget.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.Matches(@"use --micro-batch \d+ --activation-checkpointing on \(--batch-tokens stays", stderr);
    }

    [Fact]
    public void Pretrain_NothingFits_SaysSo()
    {
        var (code, stderr) = Pretrain("64MiB", "auto");

        Assert.Equal(1, code);
        Assert.Contains("64.0 MiB is --memory-budget; not even --micro-batch 1 with activation checkpointing fits", stderr);
    }
}
