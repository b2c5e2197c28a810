using AgroNT.Transforms.ModelFolders;
using AgroNT.Tests.Common;

namespace AgroNT.Transforms.Tests.ModelFolders;

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

    [Fact]
    public void FromFile_Esm2Fixture_ReadsRotaryTokenDropoutAndTiedHead()
    {
        var config = EsmConfig.FromFile(SharedData.Esm2TinyModel);
        Assert.True(config.IsRotary);
        Assert.True(config.TokenDropout);
        // ESM-2's config.json has no tie_word_embeddings key: Hugging Face's default (true) applies.
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(32, config.MaskTokenId);
        Assert.Equal(1e-5, config.LayerNormEps);
        Assert.Equal(33, config.VocabSize);
    }

    [Fact]
    public void FromJson_ExplicitTieWordEmbeddingsFalse_IsKept()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        Assert.False(config.TieWordEmbeddings);
        Assert.True(EsmConfig.FromJson(config.ToJson()) is { TieWordEmbeddings: false });
    }

    public static TheoryData<string, string, string> UnsupportedSettings() => new()
    {
        // key, JSON value, a word the message must hold besides the key and value
        { "add_bias_fnn", "false", "Nucleotide Transformer v2" },
        { "position_embedding_type", "\"relative_key\"", "rotary" },
        { "position_embedding_type", "\"relative_key_query\"", "absolute" },
        { "is_decoder", "true", "causal" },
        { "add_cross_attention", "true", "cross-attention" },
        { "is_folding_model", "true", "ESMFold" },
        { "hidden_act", "\"relu\"", "GELU" },
        { "hidden_act", "\"gelu_new\"", "GELU" },
        { "model_type", "\"bert\"", "esm" },
        { "pruned_heads", "{\"0\": [1]}", "pruned" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedSettings))]
    public void FromJson_SettingThatChangesTheComputation_IsRefusedNamingKeyAndValue(string key, string value, string why)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Esm2TinyModel, "config.json")))!.AsObject();
        root[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        var error = Assert.Throws<FormatException>(() => EsmConfig.FromJson(root.ToJsonString(), "nt-v2/config.json"));
        Assert.Contains("nt-v2/config.json", error.Message);
        Assert.Contains($"{key} = {System.Text.Json.Nodes.JsonNode.Parse(value)!.ToJsonString()}", error.Message);
        Assert.Contains(why, error.Message);
    }

    [Theory]
    [InlineData("add_bias_fnn", "true")]
    [InlineData("is_decoder", "false")]
    [InlineData("add_cross_attention", "false")]
    [InlineData("hidden_act", "\"gelu\"")]
    [InlineData("pruned_heads", "{}")]
    [InlineData("chunk_size_feed_forward", "0")]
    public void FromJson_SettingAtItsEsmValue_Loads(string key, string value)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")))!.AsObject();
        root[key] = System.Text.Json.Nodes.JsonNode.Parse(value);
        Assert.Equal(64, EsmConfig.FromJson(root.ToJsonString()).HiddenSize);
    }

    [Fact]
    public void Validate_RotaryWithOddHeadSize_IsRefused()
    {
        var config = EsmConfig.FromFile(SharedData.Esm2TinyModel) with { HiddenSize = 60, NumAttentionHeads = 4 };
        var error = Assert.Throws<FormatException>(() => config.Validate("esm2"));
        Assert.Contains("even head size", error.Message);
        Assert.Contains("15", error.Message);
    }
}
