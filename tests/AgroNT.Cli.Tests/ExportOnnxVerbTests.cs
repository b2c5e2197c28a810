using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

public sealed class ExportOnnxVerbTests : IDisposable
{
    private static readonly string s_task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static List<float[]> ReadJsonl(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!["embedding"]!.AsArray().Select(v => (float)v!).ToArray())];

    [Theory]
    [InlineData(null, "mean")]
    [InlineData("1", "cls")]
    public void ExportThenEmbedWithOnnx_EqualsTorchEmbeddingsWithin1e4(string? layer, string pooling)
    {
        string onnx = _cli.PathOf("onnx");
        var export = _cli.Run("export-onnx", "--model", SharedData.TinyModel, "-o", onnx, "--layers", "1");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("hidden_state_1", export.Stdout, StringComparison.Ordinal);

        string[] common = ["-i", s_task, "--pooling", pooling, .. layer is null ? Array.Empty<string>() : ["--layer", layer]];
        var torch = _cli.Run(["embed", "--model", SharedData.TinyModel, "-o", _cli.PathOf("torch.jsonl"), .. common]);
        Assert.True(torch.ExitCode == 0, torch.Stderr);
        var viaOnnx = _cli.Run(["embed", "--engine", "onnx", "--model", onnx, "-o", _cli.PathOf("onnx.jsonl"), "--threads", "1", .. common]);
        Assert.True(viaOnnx.ExitCode == 0, viaOnnx.Stderr);

        var expected = ReadJsonl(_cli.PathOf("torch.jsonl"));
        var actual = ReadJsonl(_cli.PathOf("onnx.jsonl"));
        Assert.Equal(expected.Count, actual.Count);
        double max = expected.Zip(actual, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(max < 1e-4, $"max difference {max}");
    }

    [Theory]
    [InlineData("ia3")]
    [InlineData("lora")]
    public void ExportFineTunedThenEmbedWithOnnx_EqualsTorchFineTunedEmbeddingsWithin1e4(string method)
    {
        string train = _cli.PathOf("train.fa");
        File.WriteAllLines(train, File.ReadLines(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa")).Take(32));
        string finetuned = _cli.PathOf("ft");
        // A high learning rate, so that a few steps move the adapters visibly away from the base encoder.
        var fit = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", train, "--test", train, "--task", "binary", "--method", method,
            "--out", finetuned, "--max-steps", "4", "--learning-rate", "0.05");
        Assert.True(fit.ExitCode == 0, fit.Stderr);
        string model = Path.Combine(finetuned, "model");

        string onnx = _cli.PathOf("onnx");
        var export = _cli.Run("export-onnx", "--model", model, "-o", onnx, "--no-logits");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("last_hidden_state, score", export.Stdout, StringComparison.Ordinal);

        var torch = _cli.Run("embed", "--model", model, "-i", s_task, "-o", _cli.PathOf("torch.jsonl"));
        Assert.True(torch.ExitCode == 0, torch.Stderr);
        var viaOnnx = _cli.Run("embed", "--engine", "onnx", "--model", onnx, "-i", s_task, "-o", _cli.PathOf("onnx.jsonl"), "--threads", "1");
        Assert.True(viaOnnx.ExitCode == 0, viaOnnx.Stderr);
        var baseline = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_task, "-o", _cli.PathOf("base.jsonl"));
        Assert.True(baseline.ExitCode == 0, baseline.Stderr);

        var expected = ReadJsonl(_cli.PathOf("torch.jsonl"));
        var actual = ReadJsonl(_cli.PathOf("onnx.jsonl"));
        var unadapted = ReadJsonl(_cli.PathOf("base.jsonl"));
        double max = expected.Zip(actual, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        double adapterEffect = expected.Zip(unadapted, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.True(adapterEffect > 1e-3, $"the fine-tuned embeddings should differ from the base model's; they differ by {adapterEffect}");
        Assert.True(max < 1e-4, $"max difference {max}");
    }

    [Fact]
    public void EmbedWithOnnx_WithoutModelOrWithUnexportedLayer_FailsWithOneLine()
    {
        var noModel = _cli.Run("embed", "--engine", "onnx", "-i", s_task, "-o", _cli.PathOf("x.jsonl"));
        Assert.Equal(2, noModel.ExitCode);
        Assert.Contains("export-onnx", noModel.Stderr, StringComparison.Ordinal);

        string onnx = _cli.PathOf("plain");
        Assert.Equal(0, _cli.Run("export-onnx", "--model", SharedData.TinyModel, "-o", onnx, "--no-logits").ExitCode);
        var layer = _cli.Run("embed", "--engine", "onnx", "--model", onnx, "-i", s_task, "-o", _cli.PathOf("y.jsonl"), "--layer", "1");
        Assert.Equal(1, layer.ExitCode);
        Assert.Contains("--layers 1", layer.Stderr, StringComparison.Ordinal);
        Assert.Single(layer.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void ExportOnnx_BadLayers_IsAUsageError()
    {
        var result = _cli.Run("export-onnx", "--model", SharedData.TinyModel, "-o", _cli.PathOf("bad"), "--layers", "one");
        Assert.Equal(2, result.ExitCode);
    }
}
