using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointFormatTests
{
    [Theory]
    [InlineData(CheckpointFormat.Auto, "model.safetensors", typeof(SafeTensorsFile))]
    [InlineData(CheckpointFormat.SafeTensors, "model.safetensors", typeof(SafeTensorsFile))]
    [InlineData(CheckpointFormat.ShardedSafeTensors, "model.safetensors.index.json", typeof(ShardedCheckpoint))]
    [InlineData(CheckpointFormat.PyTorch, "pytorch_model.bin", typeof(PyTorchCheckpointFile))]
    [InlineData(CheckpointFormat.ShardedPyTorch, "pytorch_model.bin.index.json", typeof(ShardedCheckpoint))]
    public void Open_FolderWithEveryLayout_OpensTheRequestedOne(CheckpointFormat format, string file, Type readerType)
    {
        using var temp = new TempFolder();
        AllLayouts(temp);

        using CheckpointReader reader = CheckpointReader.Open(temp.Path, format);

        Assert.Equal(temp.File(file), reader.Location);
        Assert.IsType(readerType, reader);
        Assert.Equal(format == CheckpointFormat.Auto ? CheckpointFormat.SafeTensors : format, reader.Format);
        Assert.Equal(44, reader.Tensors.Count);
    }

    [Theory]
    [InlineData("model.safetensors", CheckpointFormat.ShardedSafeTensors)]
    [InlineData("model.safetensors.index.json", CheckpointFormat.PyTorch)]
    [InlineData("pytorch_model.bin", CheckpointFormat.ShardedPyTorch)]
    public void Open_AutoWithSomeFilesMissing_FallsBackInHuggingFacesOrder(string removed, CheckpointFormat expected)
    {
        using var temp = new TempFolder();
        AllLayouts(temp);
        string[] order = ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"];
        foreach (string file in order.Take(Array.IndexOf(order, removed) + 1))
        {
            File.Delete(temp.File(file));
        }

        using CheckpointReader reader = CheckpointReader.Open(temp.Path);

        Assert.Equal(expected, reader.Format);
    }

    [Fact]
    public void Open_RequestedFormatAbsent_ThrowsNamingIt()
    {
        var error = Assert.Throws<FileNotFoundException>(() => CheckpointReader.Open(TinyModel.Folder, CheckpointFormat.ShardedPyTorch));

        Assert.Contains("pytorch_model.bin.index.json", error.Message);
        Assert.Contains("another CheckpointFormat than ShardedPyTorch", error.Message);
    }

    /// <summary>A folder with all four layouts: the tiny model as one file of each kind and as one-shard indexes.</summary>
    private static void AllLayouts(TempFolder temp)
    {
        File.Copy(TinyModel.SafeTensors, temp.File("model.safetensors"));
        File.Copy(TinyModel.Bin, temp.File("pytorch_model.bin"));
        File.Copy(TinyModel.SafeTensors, temp.File("model-00001-of-00001.safetensors"));
        File.Copy(TinyModel.Bin, temp.File("pytorch_model-00001-of-00001.bin"));
        string Index(string shard) => "{\"metadata\":{},\"weight_map\":{" +
            string.Join(",", TinyModel.StateDict().Select(e => $"\"{e.Name}\":\"{shard}\"")) + "}}";
        File.WriteAllText(temp.File("model.safetensors.index.json"), Index("model-00001-of-00001.safetensors"));
        File.WriteAllText(temp.File("pytorch_model.bin.index.json"), Index("pytorch_model-00001-of-00001.bin"));
    }
}
