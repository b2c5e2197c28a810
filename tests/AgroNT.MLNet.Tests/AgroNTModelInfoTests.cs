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

    /// <summary>A copy of the tiny model's config.json and vocab.txt with hidden_size 1e9 and three layers (no weights).</summary>
    private static string AbsurdFolder(TempFolder temp)
    {
        File.Copy(Path.Combine(SharedData.TinyModel, "vocab.txt"), temp.File("vocab.txt"));
        string config = File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json"))
            .Replace("\"hidden_size\": 64", "\"hidden_size\": 1000000000", StringComparison.Ordinal)
            .Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", StringComparison.Ordinal);
        File.WriteAllText(temp.File("config.json"), config);
        return temp.Path;
    }

    [Fact]
    public void Read_HiddenSizeOfABillion_GivesPositiveExactFiguresBeyondALong()
    {
        using var temp = new TempFolder();

        AgroNTModelInfo info = AgroNTModelInfo.Read(AbsurdFolder(temp));

        // The same count in exact integers: embeddings, 3 layers, final LayerNorm, contact head, LM head.
        System.Numerics.BigInteger h = 1_000_000_000, v = 4105, ffn = 128, positions = 1026;
        System.Numerics.BigInteger layer = (4 * ((h * h) + h)) + (2 * h) + (h * ffn) + ffn + (ffn * h) + h + (2 * h);
        System.Numerics.BigInteger exact = (v * h) + (positions * h) + (3 * layer) + (2 * h) + ((3 * 4) + 1) + ((h * h) + h + (2 * h) + (v * h) + v);
        Assert.True(exact > long.MaxValue);
        Assert.Equal((double)exact, info.ParameterEstimate, (double)exact * 1e-15);
        Assert.Equal(long.MaxValue, info.ParameterCount);
        Assert.Equal(info.ParameterEstimate * 4, info.Float32Bytes);
        Assert.True(info.BFloat16Bytes > 2.6e19);
        Assert.Throws<OverflowException>(() => AgroNTModelInfo.CountParameters(info.Config));
    }

    [Fact]
    public void Load_HiddenSizeOfABillion_IsRefusedBeforeAllocatingWithTheFigures()
    {
        using var temp = new TempFolder();
        string folder = AbsurdFolder(temp);

        var error = Assert.Throws<InsufficientMemoryException>(() => AgroNTModel.Load(folder));

        Assert.Contains("hidden_size 1000000000", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"has [0-9,]+ parameters: [0-9,.]+ GB of float32 weights, more than the [0-9,.]+ GB of memory", error.Message);
        Assert.Throws<InsufficientMemoryException>(() => AgroNTModel.CreateRandom(
            EsmConfig.AgroNT1B with { NumHiddenLayers = 1_000_000 }, AgroNT.Transforms.Tokenization.KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens()), seed: 1));
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
