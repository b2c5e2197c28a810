using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointReaderTests
{
    [Fact]
    public void Open_TinyModelFolder_PrefersSafeTensors()
    {
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);

        Assert.IsType<SafeTensorsFile>(reader);
        Assert.Equal(Path.GetFullPath(TinyModel.SafeTensors), reader.Location);
        Assert.Equal(2670968 - 8 - 4648, reader.TotalBytes);
    }

    [Fact]
    public void Open_BinFileWithoutExtensionHint_DetectsTheZip()
    {
        using var temp = new TempFolder();
        File.Copy(TinyModel.Bin, temp.File("weights"));

        using CheckpointReader reader = CheckpointReader.Open(temp.File("weights"));

        Assert.IsType<PyTorchCheckpointFile>(reader);
    }

    [Fact]
    public void Open_SafeTensorsFileWithoutExtension_DetectsTheHeader()
    {
        using var temp = new TempFolder();
        File.Copy(TinyModel.SafeTensors, temp.File("weights"));

        using CheckpointReader reader = CheckpointReader.Open(temp.File("weights"));

        Assert.IsType<SafeTensorsFile>(reader);
    }

    [Fact]
    public void FindWeightsFile_EmptyFolder_ThrowsListingWhatWasSearched()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("config.json"), "{}");

        var error = Assert.Throws<FileNotFoundException>(() => CheckpointReader.FindWeightsFile(temp.Path));

        Assert.Contains("model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json", error.Message);
        Assert.Contains("It holds: config.json", error.Message);
        Assert.Contains("agront download", error.Message);
    }

    [Fact]
    public void GetTensorInfo_UnknownName_ThrowsKeyNotFound()
    {
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);

        Assert.False(reader.Contains("nope"));
        Assert.False(reader.TryGetTensorInfo("nope", out _));
        Assert.Throws<KeyNotFoundException>(() => reader.GetTensorInfo("nope"));
    }

    [Fact]
    public void CopyTo_WrongShape_ThrowsNamingBothShapes()
    {
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);
        using Tensor target = empty(4104);

        var error = Assert.Throws<ArgumentException>(() => reader.CopyTo("lm_head.bias", target));

        Assert.Contains("[4105]", error.Message);
        Assert.Contains("[4104]", error.Message);
    }

    [Fact]
    public void CopyTo_ParameterThatRequiresGrad_FillsItInPlace()
    {
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);
        using var parameter = new TorchSharp.Modules.Parameter(zeros(64, 64));
        using Tensor expected = reader.ReadTensor("lm_head.dense.weight");

        reader.CopyTo("lm_head.dense.weight", parameter);

        Assert.True(parameter.requires_grad);
        Assert.Equal(expected.data<float>().ToArray(), parameter.data<float>().ToArray());
    }

    [Fact]
    public void ReadTensor_WithDType_Converts()
    {
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);
        using Tensor full32 = reader.ReadTensor("lm_head.bias");
        using Tensor bf16 = reader.ReadTensor("lm_head.bias", ScalarType.BFloat16);

        Assert.Equal(ScalarType.BFloat16, bf16.dtype);
        using Tensor expected = full32.to(ScalarType.BFloat16).to(ScalarType.Float32);
        using Tensor actual = bf16.to(ScalarType.Float32);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
    }
}
