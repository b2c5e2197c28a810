using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>Every verb refuses, before any work, an output that would overwrite one of its inputs.</summary>
public sealed class OutputPathTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly string _reference;
    private readonly byte[] _referenceBytes;

    public OutputPathTests()
    {
        _reference = _cli.PathOf("chloroplast.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), _reference);
        _referenceBytes = File.ReadAllBytes(_reference);
    }

    public void Dispose() => _cli.Dispose();

    private void AssertRefused((int ExitCode, string Stdout, string Stderr) result, params string[] named)
    {
        Assert.True(result.ExitCode == 2, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        foreach (string text in named)
        {
            Assert.Contains(text, result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Tokenize_OutputIsTheInput_IsRefusedAndTheInputKeepsItsBytes()
    {
        string input = _cli.PathOf("o.jsonl");
        File.Copy(_reference, input);

        AssertRefused(_cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", input), "--output", "--input", "same file");

        Assert.Equal(_referenceBytes, File.ReadAllBytes(input));
        Assert.Equal(["chloroplast.fa", "o.jsonl"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Tokenize_InputIsASymbolicLinkToTheOutput_IsRefused()
    {
        string output = _cli.PathOf("ids.jsonl");
        File.Copy(_reference, output);
        string link = _cli.PathOf("reads.fa");
        File.CreateSymbolicLink(link, output);

        AssertRefused(_cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", link, "-o", output), "--output", "--input");

        Assert.Equal(_referenceBytes, File.ReadAllBytes(output));
    }

    [Fact]
    public void Tokenize_OutputWithAnotherExtension_IsRefused()
    {
        AssertRefused(_cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", _reference, "-o", _cli.PathOf("ids.tsv")), "'.tsv'", ".jsonl");

        Assert.False(File.Exists(_cli.PathOf("ids.tsv")));
    }

    [Fact]
    public void ScoreVariants_OutputIsTheReference_IsRefusedAndTheReferenceKeepsItsBytes()
    {
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllLines(vcf, ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO", "NC_000932.1\t4000\ta\tA\tC\t.\t.\t."]);
        byte[] vcfBytes = File.ReadAllBytes(vcf);

        // A reference named .tsv would pass the extension check: only the same-file check stands between it and a table.
        string tsvReference = _cli.PathOf("reference.tsv");
        File.Copy(_reference, tsvReference);
        AssertRefused(_cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", tsvReference, "--vcf", vcf, "-o", tsvReference), "--reference", "--output");
        AssertRefused(_cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", _reference), "'.fa'", ".tsv or .parquet");
        AssertRefused(_cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", _reference, "--vcf", vcf, "-o", vcf), "'.vcf'");

        Assert.Equal(_referenceBytes, File.ReadAllBytes(tsvReference));
        Assert.Equal(_referenceBytes, File.ReadAllBytes(_reference));
        Assert.Equal(vcfBytes, File.ReadAllBytes(vcf));
    }

    [Fact]
    public void Ism_HeatmapIsTheTable_IsRefused()
    {
        string table = _cli.PathOf("ism.tsv");

        AssertRefused(_cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:30001-30010", "-o", table, "--heatmap", table), "--heatmap", ".png");
        AssertRefused(_cli.Run("ism", "--model", SharedData.TinyModel, "--reference", _reference, "--region", "NC_000932.1:30001-30010", "-o", table, "--heatmap", _reference), "--heatmap");

        Assert.False(File.Exists(table));
        Assert.Equal(_referenceBytes, File.ReadAllBytes(_reference));
    }

    [Fact]
    public void Embed_OutputIsAHardLinkToTheInput_IsRefused()
    {
        string input = _cli.PathOf("reads.csv");
        File.Copy(_reference, input);
        string hard = _cli.PathOf("out.csv");
        using (var ln = System.Diagnostics.Process.Start("ln", [input, hard]))
        {
            ln.WaitForExit();
        }

        AssertRefused(_cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", hard), "--output", "--input");

        Assert.Equal(_referenceBytes, File.ReadAllBytes(input));
    }

    [Fact]
    public void ExportOnnx_OutputIsTheModelFolder_IsRefused()
    {
        string model = _cli.PathOf("model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(SharedData.TinyModel))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }
        var before = Directory.GetFiles(model).ToDictionary(f => f, File.ReadAllBytes);

        AssertRefused(_cli.Run("export-onnx", "--model", model, "-o", model + Path.DirectorySeparatorChar), "--output", "--model");

        Assert.Equal(before.Keys.Order(), Directory.GetFiles(model).Order());
        Assert.All(before, pair => Assert.Equal(pair.Value, File.ReadAllBytes(pair.Key)));
    }

    [Fact]
    public void Finetune_TestFileIsWhereThePredictionsGo_IsRefused()
    {
        string output = _cli.PathOf("ft");
        Directory.CreateDirectory(output);
        string test = Path.Combine(output, "predictions.csv");
        File.WriteAllText(test, ">a|1\nACGTACGTACGT\n>b|0\nTTTTTTGGGGGG\n");
        byte[] testBytes = File.ReadAllBytes(test);

        AssertRefused(_cli.Run("finetune", "--model", SharedData.TinyModel, "--train", _reference, "--test", test, "--task", "binary", "--out", output), "--test", "predictions.csv");

        Assert.Equal(testBytes, File.ReadAllBytes(test));
    }

    [Fact]
    public void Pretrain_OutputIsTheInitModel_IsRefused()
    {
        AssertRefused(_cli.Run("pretrain", "--genome", _reference, "--init", SharedData.TinyModel, "--out", SharedData.TinyModel, "--max-steps", "1"), "--out", "--init");
    }

    [Fact]
    public void CreateModel_OutputIsTheConfig_IsRefused()
    {
        string config = _cli.PathOf("config.json");
        File.Copy(Path.Combine(SharedData.TinyModel, "config.json"), config);
        byte[] bytes = File.ReadAllBytes(config);

        AssertRefused(_cli.Run("create-model", "--config", config, "-o", config), "--output", "--config");

        Assert.Equal(bytes, File.ReadAllBytes(config));
    }
}
