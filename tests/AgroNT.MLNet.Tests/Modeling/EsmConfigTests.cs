using AgroNT.MLNet.Modeling;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Modeling;

public sealed class EsmConfigTests
{
    [Fact]
    public void FromFile_TinyFixture_ReadsAgroNTSettings()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        Assert.Equal(64, config.HiddenSize);
        Assert.Equal(2, config.NumHiddenLayers);
        Assert.Equal(4, config.NumAttentionHeads);
        Assert.Equal(128, config.IntermediateSize);
        Assert.Equal(4105, config.VocabSize);
        Assert.Equal(1026, config.MaxPositionEmbeddings);
        Assert.Equal(1, config.PadTokenId);
        Assert.Equal(2, config.MaskTokenId);
        Assert.Equal(1e-12, config.LayerNormEps);
        Assert.False(config.EmbLayerNormBefore);
        Assert.False(config.TokenDropout);
        Assert.Equal(1024, config.MaxTokens);
        Assert.Equal(16, config.HeadSize);
    }

    [Fact]
    public void FromJson_UnknownKeys_AreToleratedAndKeptOnSave()
    {
        string json = File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")).Replace("\"vocab_size\"", "\"my_custom_key\": [1, 2], \"vocab_size\"");
        var config = EsmConfig.FromJson(json);
        var again = EsmConfig.FromJson(config.ToJson());
        Assert.Equal("[1,2]", again.Extra["my_custom_key"]!.ToJsonString());
        Assert.Equal(config with { Extra = again.Extra }, again);
    }

    [Fact]
    public void FromJson_MissingRequiredKeys_NamesThemAll()
    {
        var error = Assert.Throws<FormatException>(() => EsmConfig.FromJson("{\"hidden_size\": 64, \"model_type\": \"esm\"}", "my/config.json"));
        Assert.Contains("my/config.json", error.Message);
        Assert.Contains("num_hidden_layers", error.Message);
        Assert.Contains("pad_token_id", error.Message);
        Assert.DoesNotContain("hidden_size,", error.Message);
    }

    [Fact]
    public void FromJson_WrongValueType_NamesTheKey()
    {
        string json = File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")).Replace("\"hidden_size\": 64", "\"hidden_size\": \"wide\"");
        var error = Assert.Throws<FormatException>(() => EsmConfig.FromJson(json));
        Assert.Contains("hidden_size", error.Message);
    }

    [Fact]
    public void FromJson_HeadsNotDividingHidden_IsRejected()
    {
        string json = File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")).Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5");
        Assert.Contains("multiple", Assert.Throws<FormatException>(() => EsmConfig.FromJson(json)).Message);
    }

    [Fact]
    public void FromFile_MissingFolder_SaysWhatAModelFolderHolds()
    {
        var error = Assert.Throws<FileNotFoundException>(() => EsmConfig.FromFile("/nonexistent/model"));
        Assert.Contains("vocab.txt", error.Message);
    }
}
