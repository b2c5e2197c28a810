using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

public sealed class InfoVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Info_TinyModel_PrintsArchitectureParametersWindowVocabularyMemoryAndFiles()
    {
        var (code, stdout, stderr) = _cli.Run("info", "--model", SharedData.TinyModel);

        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("EsmForMaskedLM (model_type esm): 2 layers, hidden 64, 4 heads of 16, feed-forward 128", stdout, StringComparison.Ordinal);
        Assert.Contains("parameters   666,578 (666.58 k)", stdout, StringComparison.Ordinal);
        Assert.Contains("stored float32; config.json torch_dtype float32", stdout, StringComparison.Ordinal);
        Assert.Contains("1024 tokens (<cls> + 1023 6-mers = 6,138 bp)", stdout, StringComparison.Ordinal);
        Assert.Contains("4105 tokens, k = 6", stdout, StringComparison.Ordinal);
        Assert.Contains("weights 2.67 MB in fp32, 1.33 MB in bf16", stdout, StringComparison.Ordinal);
        Assert.Contains("model.safetensors (SafeTensors, 44 tensors)", stdout, StringComparison.Ordinal);
        Assert.Contains("special_tokens_map.json, tokenizer_config.json, vocab.txt", stdout, StringComparison.Ordinal);
        Assert.Contains("pytorch_model.bin (2.68 MB)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_Json_IsOneMachineReadableObject()
    {
        var (code, stdout, stderr) = _cli.Run("info", "--model", SharedData.TinyModel, "--json");

        Assert.True(code == 0, stderr);
        JsonNode json = JsonNode.Parse(stdout)!;
        Assert.Equal(666_578, (long)json["parameters"]!);
        Assert.Equal(666_578L * 2, (long)json["bf16_bytes"]!);
        Assert.Equal(6, (int)json["k"]!);
        Assert.Equal(1024, (int)json["window_tokens"]!);
        Assert.Equal("model.safetensors", (string)json["weights_file"]!);
        Assert.Equal(6, json["files"]!.AsArray().Count);
    }

    [Fact]
    public void Info_DefaultModel_DescribesTheEmbeddedModelWithoutWarnings()
    {
        var (code, stdout, stderr) = _cli.Run("info");

        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("agront-default", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_FolderWithoutWeights_WarnsOnStandardError()
    {
        File.Copy(Path.Combine(SharedData.TinyModel, "config.json"), _cli.PathOf("config.json"));
        File.Copy(Path.Combine(SharedData.TinyModel, "vocab.txt"), _cli.PathOf("vocab.txt"));

        var (code, stdout, stderr) = _cli.Run("info", "--model", _cli.Folder);

        Assert.Equal(0, code);
        Assert.Contains("weights      none found", stdout, StringComparison.Ordinal);
        Assert.StartsWith("agront info: warning: No weights", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_NoConfig_ExitsOne()
    {
        var (code, _, stderr) = _cli.Run("info", "--model", _cli.Folder);

        Assert.Equal(1, code);
        Assert.Contains("config.json", stderr, StringComparison.Ordinal);
    }
}
