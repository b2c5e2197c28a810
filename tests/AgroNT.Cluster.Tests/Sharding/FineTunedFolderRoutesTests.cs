using AgroNT.Cli;

namespace AgroNT.Cluster.Tests.Sharding;

/// <summary>
/// One folder, one encoder: a folder written by <c>agront finetune</c> embeds to the same vectors through every route
/// of <c>agront embed</c> (plain, <c>--shards</c>, an ONNX export of it), and to different ones than its base model.
/// The cluster route is in <see cref="Distributed.RealProcessClusterTests"/>. (The sharded route once loaded the
/// base weights of such a folder: the duplicate loader that allowed it is gone.)
/// </summary>
public sealed class FineTunedFolderRoutesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Embed_FineTunedFolder_PlainShardedAndOnnxAgreeAndDifferFromTheBaseModel()
    {
        string model = ClusterTestData.FineTuneTiny(_temp.Path);
        string input = ClusterTestData.Chloroplast("test");

        string plain = ClusterTestData.SingleProcessEmbedOf(model, input, _temp.Path);
        string baseline = ClusterTestData.SingleProcessEmbed(input, _temp.Path);

        var stderr = new StringWriter();
        int sharded = CliApp.Run(["embed", "--model", model, "-i", input, "-o", _temp.Sub("job"), "--shards", "2", "--workers", "2",
            "--merge", _temp.Sub("sharded.parquet")], new StringWriter(), stderr);
        Assert.True(sharded == 0, stderr.ToString());

        int export = CliApp.Run(["export-onnx", "--model", model, "-o", _temp.Sub("onnx"), "--no-logits", "--no-head"], new StringWriter(), stderr);
        Assert.True(export == 0, stderr.ToString());
        // No --engine: the folder says it is an ONNX export, and embed runs it on ONNX Runtime.
        string onnx = ClusterTestData.SingleProcessEmbedOf(_temp.Sub("onnx"), input, _temp.Path, "--threads", "1");

        ClusterTestData.AssertIdentical(plain, _temp.Sub("sharded.parquet"));
        double onnxDifference = ClusterTestData.MaxDifference(plain, onnx);
        Assert.True(onnxDifference < 1e-4, $"ONNX export of the fine-tuned folder differs by {onnxDifference}");
        double adapterEffect = ClusterTestData.MaxDifference(plain, baseline);
        Assert.True(adapterEffect > 1e-3, $"the fine-tuned folder's embeddings should differ from the base model's; they differ by {adapterEffect}");
    }
}
