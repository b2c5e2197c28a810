using AgroNT.MLNet.Hub;

namespace AgroNT.MLNet.Tests.Hub;

public sealed class HubFilePatternsTests
{
    [Theory]
    [InlineData("config.json", "config.json", true)]
    [InlineData("config.json", "other/config.json", false)]
    [InlineData("*.safetensors", "model.safetensors", true)]
    [InlineData("*.safetensors", "shards/model-00001-of-00002.safetensors", true)]
    [InlineData("*.safetensors", "model.safetensors.index.json", false)]
    [InlineData("model-0000?-of-00002.safetensors", "model-00002-of-00002.safetensors", true)]
    [InlineData("[pm]*.bin", "pytorch_model.bin", true)]
    [InlineData("[!pm]*.bin", "pytorch_model.bin", false)]
    [InlineData("onnx/", "onnx/model.onnx", true)]
    [InlineData("onnx/", "onnx.txt", false)]
    [InlineData("a+b(c).txt", "a+b(c).txt", true)]
    [InlineData("Config.json", "config.json", false)]
    public void IsMatch_FnmatchSemantics(string pattern, string path, bool expected)
    {
        Assert.Equal(expected, HubFilePatterns.Create([pattern]).IsMatch(path));
    }

    [Fact]
    public void IsMatch_NoPatterns_MatchesEverything()
    {
        Assert.True(HubFilePatterns.Create([]).IsMatch("anything/at/all.bin"));
    }

    [Fact]
    public void IsMatch_SeveralPatterns_MatchesAny()
    {
        var patterns = HubFilePatterns.Create(["config.json", "vocab.txt", "*.safetensors"]);

        Assert.True(patterns.IsMatch("vocab.txt"));
        Assert.True(patterns.IsMatch("model.safetensors"));
        Assert.False(patterns.IsMatch("pytorch_model.bin"));
    }

    [Fact]
    public void Create_EmptyPattern_Throws()
    {
        Assert.Throws<ArgumentException>(() => HubFilePatterns.Create([" "]));
    }
}
