using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests;

public sealed class AgroNTModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_ThenLoad_GivesIdenticalWeightsAndEmbeddings()
    {
        using var original = AgroNTModel.Load(SharedData.TinyModel);
        original.Save(_folder);
        using var reloaded = AgroNTModel.Load(_folder);

        var before = original.Network.state_dict();
        var after = reloaded.Network.state_dict();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (key, tensor) in before)
        {
            Assert.True(tensor.eq(after[key]).all().item<bool>(), key);
        }
        string dna = "ACGTTGCAAGGCTTAACCGGTTAGGCATCGATCGGGATCCA";
        Assert.Equal(new AgroNTEmbedder(original).Embed(dna), new AgroNTEmbedder(reloaded).Embed(dna));
    }

    [Fact]
    public void Save_WritesHuggingFaceFilesWithExplicitNullEosToken()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        model.Save(_folder);

        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "tokenizer_config.json")))!.AsObject();
        Assert.True(tokenizerConfig.ContainsKey("eos_token"));
        Assert.Null(tokenizerConfig["eos_token"]);
        Assert.Equal("EsmTokenizer", (string)tokenizerConfig["tokenizer_class"]!);
        Assert.Equal(1024, (int)tokenizerConfig["model_max_length"]!);

        var special = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "special_tokens_map.json")))!;
        Assert.Equal("<cls>", (string)special["cls_token"]!);
        Assert.Equal("<mask>", (string)special["mask_token"]!);

        Assert.Equal(File.ReadAllLines(Path.Combine(SharedData.TinyModel, "vocab.txt")), File.ReadAllLines(Path.Combine(_folder, "vocab.txt")));
        var config = EsmConfig.FromFile(_folder);
        Assert.Equal(EsmConfig.FromFile(SharedData.TinyModel) with { Extra = config.Extra }, config);

        // The weights file has exactly the keys and shapes of the Hugging Face state dict (contact head aside).
        using var saved = CheckpointReader.Open(_folder);
        using var reference = CheckpointReader.Open(SharedData.TinyModel, CheckpointFormat.SafeTensors);
        var expected = reference.Tensors.Where(t => !t.Name.StartsWith("esm.contact_head.", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => string.Join(",", t.Shape));
        Assert.Equal(expected, saved.Tensors.ToDictionary(t => t.Name, t => string.Join(",", t.Shape)));
        Assert.Equal("pt", ((SafeTensorsFile)saved).Metadata["format"]);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp*"));
    }

    [Fact]
    public void CreateRandom_SameSeed_SameWeights_DifferentSeed_DifferentWeights()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        var vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());
        using var a = AgroNTModel.CreateRandom(config, vocabulary, seed: 3);
        using var b = AgroNTModel.CreateRandom(config, vocabulary, seed: 3);
        using var c = AgroNTModel.CreateRandom(config, vocabulary, seed: 4);
        var key = "esm.encoder.layer.0.attention.self.query.weight";
        Assert.True(a.Network.state_dict()[key].eq(b.Network.state_dict()[key]).all().item<bool>());
        Assert.False(a.Network.state_dict()[key].eq(c.Network.state_dict()[key]).all().item<bool>());
        // Hugging Face's ESM initialisation: N(0, initializer_range) weights, zero padding rows, unit LayerNorms.
        double std = a.Network.state_dict()[key].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
        Assert.Equal(0f, a.Network.state_dict()["esm.embeddings.word_embeddings.weight"][config.PadTokenId].abs().sum().item<float>());
        Assert.Equal(1f, a.Network.state_dict()["esm.encoder.layer.0.LayerNorm.weight"].min().item<float>());
    }

    [Fact]
    public void AgroNTVocabulary_Generated_EqualsThePublishedLayoutOfTheFixture()
    {
        Assert.Equal(File.ReadAllLines(Path.Combine(SharedData.TinyModel, "vocab.txt")), AgroNTVocabulary.Tokens());
    }

    [Fact]
    public void Load_VocabularyOfAnotherSize_IsRejectedNamingBothSizes()
    {
        foreach (string file in Directory.GetFiles(SharedData.TinyModel))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(_folder, "config.json"), File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")).Replace("\"vocab_size\": 4105", "\"vocab_size\": 4106"));
        var error = Assert.Throws<FormatException>(() => AgroNTModel.Load(_folder));
        Assert.Contains("4105", error.Message);
        Assert.Contains("4106", error.Message);
    }
}
