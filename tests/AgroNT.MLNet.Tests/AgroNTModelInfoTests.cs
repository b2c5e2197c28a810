using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests;

public sealed class AgroNTModelInfoTests
{
    [Fact]
    public void Read_TinyModel_DescribesItWithoutLoadingWeights()
    {
        AgroNTModelInfo info = AgroNTModelInfo.Read(SharedData.TinyModel);

        Assert.Equal(["EsmForMaskedLM"], info.Architectures);
        Assert.Equal("esm", info.ModelType);
        Assert.Equal(666_578, info.ParameterCount);
        Assert.Equal(666_578, info.StoredParameterCount);
        Assert.Equal(["float32"], info.StoredDTypes);
        Assert.Equal(CheckpointFormat.SafeTensors, info.WeightsFormat);
        Assert.Equal(Path.Combine(SharedData.TinyModel, "model.safetensors"), info.WeightsFile);
        Assert.Equal(4105, info.VocabularySize);
        Assert.Equal(6, info.K);
        Assert.Equal(1024, info.WindowTokens);
        Assert.Equal(6138, info.WindowBases);
        Assert.Equal(666_578L * 4, info.Float32Bytes);
        Assert.Equal(666_578L * 2, info.BFloat16Bytes);
        Assert.Empty(info.Warnings);
        Assert.Equal(
            ["config.json", "model.safetensors", "pytorch_model.bin", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"],
            info.Files.Select(f => f.Name));
        Assert.Equal(ModelFileKind.Weights, info.Files.Single(f => f.Name == "pytorch_model.bin").Kind);
        Assert.Equal(ModelFileKind.TokenizerSettings, info.Files.Single(f => f.Name == "tokenizer_config.json").Kind);
    }

    [Fact]
    public void Read_FolderWithoutWeightsOrVocabulary_WarnsAndStillDescribesTheConfig()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(SharedData.TinyModel, "config.json"), temp.File("config.json"));

        AgroNTModelInfo info = AgroNTModelInfo.Read(temp.Path);

        Assert.Equal(666_578, info.ParameterCount);
        Assert.Null(info.StoredParameterCount);
        Assert.Null(info.WeightsFile);
        Assert.Null(info.VocabularySize);
        Assert.Null(info.WindowBases);
        Assert.Equal(2, info.Warnings.Count);
        Assert.Contains(info.Warnings, w => w.Contains("No weights", StringComparison.Ordinal));
        Assert.Contains(info.Warnings, w => w.Contains("vocab.txt", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_PyTorchBinOnly_ReadsThePickleHeader()
    {
        using var temp = new TempFolder();
        foreach (string name in new[] { "config.json", "vocab.txt", "pytorch_model.bin" })
        {
            File.Copy(Path.Combine(SharedData.TinyModel, name), temp.File(name));
        }

        AgroNTModelInfo info = AgroNTModelInfo.Read(temp.Path);

        Assert.Equal(CheckpointFormat.PyTorch, info.WeightsFormat);
        Assert.Equal(666_578, info.StoredParameterCount);
    }

    [Fact]
    public void CountParameters_AgroNT1B_IsItsPublishedSize()
    {
        // 991,261,206 x 4 bytes = 3.97 GB, the size of the published pytorch_model.bin.
        Assert.Equal(991_261_206, AgroNTModelInfo.CountParameters(EsmConfig.AgroNT1B));
    }

    [Fact]
    public void CountParameters_MatchesTheTorchSharpModulePlusTheContactHead()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel) with { NumHiddenLayers = 3, IntermediateSize = 96, TieWordEmbeddings = false };
        using var network = new EsmForMaskedLM(config);

        long moduleParameters = network.parameters().Sum(p => p.numel());

        Assert.Equal(moduleParameters + (3 * config.NumAttentionHeads) + 1, AgroNTModelInfo.CountParameters(config));
    }
}
