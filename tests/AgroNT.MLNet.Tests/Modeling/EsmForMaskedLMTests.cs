using System.Text.Json.Nodes;
using AgroNT.MLNet.Modeling;
using AgroNT.Tests.Common;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Modeling;

public sealed class EsmForMaskedLMTests
{
    [Fact]
    public void NamedParameters_TinyConfig_MatchHuggingFaceStateDictExactly()
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;
        var expected = index["model"]!["weight_file_checks"]!["state_dict"]!.AsObject()
            .Where(p => !p.Key.StartsWith("esm.contact_head.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(d => (long)d!).ToArray());

        using var model = new EsmForMaskedLM(EsmConfig.FromFile(SharedData.TinyModel), device: META);
        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
        {
            Assert.True(shape.SequenceEqual(actual[name]), $"{name}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[name])}]");
        }
        Assert.Empty(model.named_buffers());
    }

    [Fact]
    public void NamedParameters_AgroNT1BOnMetaDevice_HaveTheRealLayout()
    {
        using var model = new EsmForMaskedLM(EsmConfig.AgroNT1B, device: META);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        // Per layer: q, k, v, attention output (weight + bias), two LayerNorms, intermediate and output dense.
        Assert.Equal(2 + 40 * 16 + 2 + 6, shapes.Count);
        Assert.Equal([4105L, 1500], shapes["esm.embeddings.word_embeddings.weight"]);
        Assert.Equal([1026L, 1500], shapes["esm.embeddings.position_embeddings.weight"]);
        for (int i = 0; i < 40; i++)
        {
            string p = $"esm.encoder.layer.{i}.";
            foreach (string qkv in new[] { "query", "key", "value" })
            {
                Assert.Equal([1500L, 1500], shapes[p + $"attention.self.{qkv}.weight"]);
                Assert.Equal([1500L], shapes[p + $"attention.self.{qkv}.bias"]);
            }
            Assert.Equal([1500L, 1500], shapes[p + "attention.output.dense.weight"]);
            Assert.Equal([1500L], shapes[p + "attention.LayerNorm.weight"]);
            Assert.Equal([5120L, 1500], shapes[p + "intermediate.dense.weight"]);
            Assert.Equal([5120L], shapes[p + "intermediate.dense.bias"]);
            Assert.Equal([1500L, 5120], shapes[p + "output.dense.weight"]);
            Assert.Equal([1500L], shapes[p + "LayerNorm.bias"]);
        }
        Assert.Equal([1500L], shapes["esm.encoder.emb_layer_norm_after.weight"]);
        Assert.Equal([1500L, 1500], shapes["lm_head.dense.weight"]);
        Assert.Equal([1500L], shapes["lm_head.layer_norm.bias"]);
        Assert.Equal([4105L, 1500], shapes["lm_head.decoder.weight"]);
        Assert.Equal([4105L], shapes["lm_head.bias"]);

        long parameters = shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        // 2 x 1500 x (4105 + 1026) + 40 x (4 x 1500^2 + 2 x 1500 x 5120 + 5120 + 8 x 1500) + LM head; published as ~1B (3.97 GB fp32).
        long expected = 4105L * 1500 + 1026L * 1500
            + 40L * (4 * (1500L * 1500 + 1500) + 5120L * 1500 + 5120 + 1500L * 5120 + 1500 + 4 * 1500)
            + 2 * 1500 + 1500L * 1500 + 1500 + 2 * 1500 + 4105L * 1500 + 4105;
        Assert.Equal(expected, parameters);
        Assert.InRange(parameters * 4, 3.9e9, 4.0e9);
    }

    [Fact]
    public void Forward_TooManyTokens_ThrowsWithTheLimitInTheMessage()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        using var model = new EsmForMaskedLM(config);
        using var ids = full(1, 1025, 5L, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(ids));
        Assert.Contains("1025 tokens", error.Message);
        Assert.Contains("1024", error.Message);
    }

    [Fact]
    public void Forward_IdOutsideVocabulary_ThrowsNamingTheId()
    {
        using var model = new EsmForMaskedLM(EsmConfig.FromFile(SharedData.TinyModel));
        using var ids = tensor(new long[] { 3, 4105 }).reshape(1, 2);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(ids));
        Assert.Contains("4105", error.Message);
    }
}
