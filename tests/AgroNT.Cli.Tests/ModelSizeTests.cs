using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>Absurd architecture sizes are described by info and refused, with the figures, by the verbs that would build them.</summary>
public sealed class ModelSizeTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Info_HiddenSizeOfABillion_PrintsPositiveSizes()
    {
        string folder = Directory.CreateDirectory(_cli.PathOf("absurd")).FullName;
        File.Copy(Path.Combine(SharedData.TinyModel, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        File.WriteAllText(Path.Combine(folder, "config.json"), File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json"))
            .Replace("\"hidden_size\": 64", "\"hidden_size\": 1000000000", StringComparison.Ordinal));

        var (code, stdout, stderr) = _cli.Run("info", "--model", folder);

        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("-", stdout.Split('\n').Single(l => l.StartsWith("memory", StringComparison.Ordinal)), StringComparison.Ordinal);
        // Two layers of 4 h^2 attention weights and the LM head's h^2: 9e18 parameters, 36 EB of fp32 weights, 18 EB of bf16.
        Assert.Contains("parameters   9,000,009,771,000,004,608 (9E+18)", stdout, StringComparison.Ordinal);
        Assert.Contains("weights 36 EB in fp32, 18 EB in bf16", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create-model")]
    [InlineData("pretrain")]
    public void MillionLayers_AreRefusedWithTheFiguresBeforeAnythingIsWritten(string verb)
    {
        string output = _cli.PathOf("big");
        string genome = _cli.PathOf("g.fa");
        File.WriteAllText(genome, ">g\nACGTACGTACGTACGTACGTACGTACGTACGTACGT\n");
        string[] args = verb == "create-model"
            ? ["create-model", "-o", output, "--layers", "1000000"]
            : ["pretrain", "--genome", genome, "--out", output, "--layers", "1000000", "--max-steps", "1"];

        var (code, _, stderr) = _cli.Run(args);

        Assert.True(code == 1, stderr);
        Assert.Contains("num_hidden_layers 1000000", stderr, StringComparison.Ordinal);
        Assert.Contains("GB of float32 weights, more than the", stderr, StringComparison.Ordinal);
        Assert.Contains("--layers", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Any());
    }
}
