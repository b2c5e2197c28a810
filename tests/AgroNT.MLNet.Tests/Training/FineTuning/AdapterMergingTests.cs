using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

public sealed class AdapterMergingTests(ITestOutputHelper output)
{
    private static double MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) =>
        a.Zip(b, (x, y) => x.Zip(y, (p, q) => (double)Math.Abs(p - q)).Max()).Max();

    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    public void ToMergedModel_HiddenStatesEqualTheAdaptedEncoderOnRealDna(FineTuningMethod method)
    {
        var dna = AdaptedModels.RealDna();
        using var fineTuned = AdaptedModels.Create(method);
        using var merged = AdapterMerging.ToMergedModel(fineTuned);
        using var baseModel = AgroNTModel.Load(SharedData.TinyModel);
        var options = new AgroNTEmbeddingOptions { Pooling = Pooling.Tokens };

        var adapted = new AgroNTEmbedder(fineTuned.Model, options).Embed(dna);
        var folded = new AgroNTEmbedder(merged, options).Embed(dna);
        var original = new AgroNTEmbedder(baseModel, options).Embed(dna);

        double difference = MaxDifference(adapted, folded), adapterEffect = MaxDifference(adapted, original);
        output.WriteLine($"{method}: max |adapted - merged| per-token hidden state {difference:E2}; the adapters move it by up to {adapterEffect:F3}");
        Assert.True(adapterEffect > 0.1, $"the adapters should change the hidden states; they moved them by {adapterEffect}");
        Assert.True(difference < 1e-5, $"max difference {difference}");
        Assert.DoesNotContain(merged.Network.named_parameters(), p => p.name.Contains("ia3", StringComparison.Ordinal) || p.name.Contains("lora", StringComparison.Ordinal));
    }

    private sealed class DnaRow
    {
        public string Sequence { get; set; } = "";
    }

    [Fact]
    public void LoadEncoderAndFeaturizeAgroNT_SavedFineTunedFolder_GiveTheFineTunedEmbeddings()
    {
        var dna = AdaptedModels.RealDna().Take(4).ToList();
        using var fineTuned = AdaptedModels.Create(FineTuningMethod.Lora);
        using var folder = new Checkpoints.Support.TempFolder();
        fineTuned.Save(folder.Path);
        var expected = new AgroNTEmbedder(fineTuned.Model, new AgroNTEmbeddingOptions()).Embed(dna);
        using var baseModel = AgroNTModel.LoadHuggingFaceFolder(folder.Path, new AgroNTModelOptions());
        var unadapted = new AgroNTEmbedder(baseModel, new AgroNTEmbeddingOptions()).Embed(dna);

        using var loaded = AgroNTModel.Load(folder.Path);
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(dna.Select(s => new DnaRow { Sequence = s }));
        using var featurizer = context.Transforms.FeaturizeAgroNT("Features", "Sequence", folder.Path).Fit(data);
        var featurized = featurizer.Transform(data).GetColumn<float[]>("Features").ToList();

        Assert.True(MaxDifference(expected, unadapted) > 0.1, "the saved folder's model.safetensors is the base encoder");
        Assert.True(MaxDifference(expected, new AgroNTEmbedder(loaded, new AgroNTEmbeddingOptions()).Embed(dna)) < 1e-5);
        Assert.True(MaxDifference(expected, featurized) < 1e-5);
    }

    [Fact]
    public void MergedWeights_Ia3_ScalesKeyRowsAndFeedForwardColumns()
    {
        using var fineTuned = AdaptedModels.Create(FineTuningMethod.Ia3);
        var adapters = fineTuned.AdapterParameters.ToDictionary(p => p.Name, p => p.Parameter);
        var weights = fineTuned.Model.Network.state_dict();
        var merged = AdapterMerging.MergedWeights(fineTuned);
        try
        {
            // 2 layers x (key weight + bias, value weight + bias, output.dense weight).
            Assert.Equal(10, merged.Count);
            const string key = "esm.encoder.layer.1.attention.self.key", dense = "esm.encoder.layer.1.output.dense";
            float[] keyScale = adapters[$"{key}.ia3_l"].data<float>().ToArray(), denseScale = adapters[$"{dense}.ia3_l"].data<float>().ToArray();
            Assert.Equal(weights[$"{key}.weight"][5, 7].item<float>() * keyScale[5], merged[$"{key}.weight"][5, 7].item<float>(), 6);
            Assert.Equal(weights[$"{key}.bias"][9].item<float>() * keyScale[9], merged[$"{key}.bias"][9].item<float>(), 6);
            Assert.Equal(weights[$"{dense}.weight"][5, 100].item<float>() * denseScale[100], merged[$"{dense}.weight"][5, 100].item<float>(), 6);
            Assert.False(merged.ContainsKey($"{dense}.bias"));
            Assert.False(merged.ContainsKey("esm.encoder.layer.1.attention.output.dense.weight"));
        }
        finally
        {
            foreach (var tensor in merged.Values)
            {
                tensor.Dispose();
            }
        }
    }

    [Fact]
    public void MergedWeights_Lora_AddsScaledLowRankProduct()
    {
        using var fineTuned = AdaptedModels.Create(FineTuningMethod.Lora);
        var adapters = fineTuned.AdapterParameters.ToDictionary(p => p.Name, p => p.Parameter);
        const string query = "esm.encoder.layer.0.attention.self.query";
        var merged = AdapterMerging.MergedWeights(fineTuned);
        try
        {
            // query, key, value, attention.output.dense, intermediate.dense, output.dense: weights only, 2 layers.
            Assert.Equal(12, merged.Count);
            var a = adapters[$"{query}.lora_A.weight"];
            var b = adapters[$"{query}.lora_B.weight"];
            double expected = fineTuned.Model.Network.state_dict()[$"{query}.weight"][3, 4].item<float>();
            for (int k = 0; k < AdaptedModels.Lora.Rank; k++)
            {
                expected += AdaptedModels.Lora.Alpha / AdaptedModels.Lora.Rank * b[3, k].item<float>() * a[k, 4].item<float>();
            }
            Assert.Equal(expected, merged[$"{query}.weight"][3, 4].item<float>(), 5);
        }
        finally
        {
            foreach (var tensor in merged.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
