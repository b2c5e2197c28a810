using System.Text.Json;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class ShardedCheckpointTests
{
    [Fact]
    public void LoadInto_TinyModelSplitInTwoShards_EqualsTheSingleFile()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using var source = SafeTensorsFile.Open(TinyModel.SafeTensors);
        var tensors = source.Tensors.ToDictionary(t => t.Name, t => source.ReadTensor(t.Name));
        CheckpointWriter.SaveShardedSafeTensors(tensors, temp.Path, source.TotalBytes * 3 / 4);
        var targets = CheckpointLoaderTests.EmptyTargets(TinyModel.StateDict());

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, temp.Path);

        Assert.Equal(CheckpointFormat.ShardedSafeTensors, result.Format);
        Assert.Equal(temp.File("model.safetensors.index.json"), result.CheckpointPath);
        Assert.Equal(44, result.LoadedTensorCount);
        foreach ((string name, Tensor target) in targets)
        {
            Assert.Equal(tensors[name].data<float>().ToArray(), target.data<float>().ToArray());
        }
    }

    [Fact]
    public void Open_BinIndex_ReadsTensorsFromTheNamedBinShard()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        File.Copy(TinyModel.Bin, temp.File("pytorch_model-00001-of-00001.bin"));
        WriteIndex(temp.File("pytorch_model.bin.index.json"),
            TinyModel.StateDict().ToDictionary(e => e.Name, _ => "pytorch_model-00001-of-00001.bin"));

        using CheckpointReader reader = CheckpointReader.Open(temp.Path);
        using var expected = SafeTensorsFile.Open(TinyModel.SafeTensors);

        var sharded = Assert.IsType<ShardedCheckpoint>(reader);
        Assert.Equal(CheckpointFormat.ShardedPyTorch, sharded.Format);
        Assert.Equal([temp.File("pytorch_model-00001-of-00001.bin")], sharded.ShardPaths);
        Assert.Equal(44, sharded.Tensors.Count);
        Assert.Equal(expected.ReadTensor("lm_head.decoder.weight").data<float>().ToArray(),
            sharded.ReadTensor("lm_head.decoder.weight").data<float>().ToArray());
    }

    [Fact]
    public void Open_ShardMissing_ThrowsFileNotFoundNamingIt()
    {
        using var temp = new TempFolder();
        WriteIndex(temp.File("model.safetensors.index.json"), new() { ["a"] = "model-00001-of-00002.safetensors" });

        var error = Assert.Throws<FileNotFoundException>(() => ShardedCheckpoint.Open(temp.File("model.safetensors.index.json")));

        Assert.Contains("model-00001-of-00002.safetensors", error.Message);
        Assert.Contains("incomplete", error.Message);
    }

    [Fact]
    public void Open_TensorNotInItsShard_Throws()
    {
        using var temp = new TempFolder();
        File.Copy(TinyModel.SafeTensors, temp.File("shard.safetensors"));
        WriteIndex(temp.File("model.safetensors.index.json"), new() { ["no.such.tensor"] = "shard.safetensors" });

        var error = Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(temp.File("model.safetensors.index.json")));

        Assert.Contains("'no.such.tensor'", error.Message);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/passwd")]
    public void Open_ShardOutsideTheFolder_Refuses(string shard)
    {
        using var temp = new TempFolder();
        WriteIndex(temp.File("model.safetensors.index.json"), new() { ["a"] = shard });

        var error = Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(temp.File("model.safetensors.index.json")));

        Assert.Contains("outside the index's folder", error.Message);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("{\"metadata\":{}}", "no \"weight_map\"")]
    public void Open_CorruptIndex_Throws(string json, string expected)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("model.safetensors.index.json"), json);

        var error = Assert.Throws<CheckpointFormatException>(() => ShardedCheckpoint.Open(temp.File("model.safetensors.index.json")));

        Assert.Contains(expected, error.Message);
    }

    private static void WriteIndex(string path, Dictionary<string, string> weightMap) =>
        File.WriteAllText(path, JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
}
