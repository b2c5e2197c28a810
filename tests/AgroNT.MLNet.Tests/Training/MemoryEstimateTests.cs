using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Tests.Training.FineTuning;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Training;

public sealed class MemoryEstimateTests
{
    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    [InlineData(FineTuningMethod.Full)]
    public void ForFineTuning_WeightsAndTrainedParameters_MatchTheRealModelExactly(FineTuningMethod method)
    {
        using var fitted = AdaptedModels.Create(method);
        var config = fitted.Model.Config;
        long network = fitted.Model.Network.parameters().Sum(p => p.numel());
        long adapters = fitted.AdapterParameters.Sum(p => p.Parameter.numel());
        long head = fitted.Head.parameters().Sum(p => p.numel());
        long trained = (method == FineTuningMethod.Full ? fitted.Model.Network.Esm.parameters().Sum(p => p.numel()) : adapters) + head;

        var estimate = MemoryEstimate.ForFineTuning(config, new FineTuningOptions { Method = method, Lora = AdaptedModels.Lora }, tokens: 100, outputs: 1, checkpointing: false);

        Assert.Equal(network, MemoryEstimate.NetworkParameterCount(config));
        Assert.Equal(adapters, MemoryEstimate.AdapterParameterCount(config, method, AdaptedModels.Lora));
        Assert.Equal(head, MemoryEstimate.HeadParameterCount(config, 1));
        Assert.Equal(4 * (network + adapters + head), estimate.WeightBytes);
        Assert.Equal(trained, estimate.TrainedParameters);
        Assert.Equal(4 * trained, estimate.GradientBytes);
        Assert.Equal(3 * 4 * trained, estimate.OptimizerBytes);
    }

    [Fact]
    public void NetworkParameterCount_TinyFixture_EqualsTheCheckpointsTensorShapes()
    {
        // An independent count: the shapes in the safetensors header, less the contact-prediction head this library does not build.
        string path = Path.Combine(SharedData.TinyModel, "model.safetensors");
        using var stream = File.OpenRead(path);
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        var header = new byte[BitConverter.ToInt64(lengthBytes)];
        stream.ReadExactly(header);
        var tensors = System.Text.Json.Nodes.JsonNode.Parse(header)!.AsObject().Where(p => p.Key != "__metadata__").ToList();
        long elements = tensors.Where(p => !p.Key.StartsWith("esm.contact_head.", StringComparison.Ordinal))
            .Sum(p => p.Value!["shape"]!.AsArray().Aggregate(1L, (product, dimension) => product * dimension!.GetValue<long>()));
        var config = EsmConfig.FromFile(SharedData.TinyModel);

        Assert.Contains(tensors, p => p.Key == "lm_head.decoder.weight");
        Assert.Equal(elements, MemoryEstimate.NetworkParameterCount(config));
    }

    [Fact]
    public void ActivationBytesFor_SmallConfig_MatchesAHandComputation()
    {
        var config = new EsmConfig { HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128, VocabSize = 4105, MaxPositionEmbeddings = 1026, PadTokenId = 1 };
        // Per layer and token: 9H + 2I + heads = 576 + 256 + 4 = 836 elements; IA3 adds 2H + I = 256, so 1092.
        Assert.Equal(836, MemoryEstimate.LayerActivationElementsPerToken(config, FineTuningMethod.Lora));
        Assert.Equal(1092, MemoryEstimate.LayerActivationElementsPerToken(config, FineTuningMethod.Ia3));
        // Without checkpointing: (L + 1) x 1092 + 4H = 3276 + 256 = 3532 per token; 3 sequences x 10 tokens x 4 bytes.
        Assert.Equal(3 * 10 * 3532 * 4, MemoryEstimate.ActivationBytesFor(config, FineTuningMethod.Ia3, 3, 10, checkpointing: false));
        // With checkpointing: L x H + 2 x 1092 + 4H = 128 + 2184 + 256 = 2568 per token.
        Assert.Equal(3 * 10 * 2568 * 4, MemoryEstimate.ActivationBytesFor(config, FineTuningMethod.Ia3, 3, 10, checkpointing: true));
    }

    [Fact]
    public void ForFineTuning_AgroNT1BAtBatch8Of1024Tokens_NeedsCheckpointingOrMicroBatchesToFit16GiB()
    {
        var options = new FineTuningOptions { BatchSize = 8 };
        var plain = MemoryEstimate.ForFineTuning(EsmConfig.AgroNT1B, options, 1025, 1, checkpointing: false);
        // 40 layers x (11 x 1500 + 3 x 5120 + 20) + 1500 x 4 elements per token, 8 x 1025 tokens: about 42 GiB of activations.
        long perToken = 41L * (11 * 1500 + 3 * 5120 + 20) + 4 * 1500;
        Assert.Equal(8L * 1025 * perToken * 4, plain.ActivationBytes);
        Assert.True(plain.TotalBytes > 16L << 30);

        var suggestion = MemoryEstimate.Suggest(EsmConfig.AgroNT1B, options, 1025, 1, 16L << 30, ActivationCheckpointing.Auto);

        Assert.NotNull(suggestion);
        var (micro, checkpointing) = suggestion.Value;
        Assert.True(MemoryEstimate.ForFineTuning(EsmConfig.AgroNT1B, options with { MicroBatchSize = micro }, 1025, 1, checkpointing).TotalBytes <= 16L << 30);
        if (micro < 8)
        {
            Assert.True(MemoryEstimate.ForFineTuning(EsmConfig.AgroNT1B, options with { MicroBatchSize = micro + 1 }, 1025, 1, checkpointing).TotalBytes > 16L << 30);
        }
        Assert.Null(MemoryEstimate.Suggest(EsmConfig.AgroNT1B, options, 1025, 1, 1L << 30, ActivationCheckpointing.Auto));
    }

    [Fact]
    public void ForPretraining_SmallConfig_MatchesAHandComputation()
    {
        var config = new EsmConfig { HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128, VocabSize = 4105, MaxPositionEmbeddings = 1026, PadTokenId = 1 };
        long parameters = MemoryEstimate.NetworkParameterCount(config);

        var estimate = MemoryEstimate.ForPretraining(config, 2, 10);

        // Per token: (L + 1) x 836 for the layers, 4H for embeddings and final LayerNorm, 4H + 2V for the masked-LM head.
        Assert.Equal(2 * 10 * (3 * 836 + 256 + 256 + 2 * 4105) * 4, estimate.ActivationBytes);
        Assert.Equal(4 * parameters, estimate.WeightBytes);
        Assert.Equal(4 * parameters, estimate.GradientBytes);
        Assert.Equal(8 * parameters, estimate.OptimizerBytes);
        Assert.Equal(6 * parameters, MemoryEstimate.ForPretraining(config, 2, 10, Precision.BFloat16).WeightBytes);
    }

    [Fact]
    public void ForFineTuning_BFloat16_HalvesEncoderWeightsAndActivationsButNotTheTrainedParameters()
    {
        var config = EsmConfig.AgroNT1B;
        var fp32 = MemoryEstimate.ForFineTuning(config, new FineTuningOptions(), 1025, 1, checkpointing: true);
        var bf16 = MemoryEstimate.ForFineTuning(config, new FineTuningOptions { Precision = Precision.BFloat16 }, 1025, 1, checkpointing: true);
        long trained = MemoryEstimate.AdapterParameterCount(config, FineTuningMethod.Ia3) + MemoryEstimate.HeadParameterCount(config, 1);

        Assert.Equal(2 * MemoryEstimate.NetworkParameterCount(config) + 4 * trained, bf16.WeightBytes);
        Assert.Equal(fp32.ActivationBytes / 2, bf16.ActivationBytes);
        Assert.Equal(fp32.GradientBytes, bf16.GradientBytes);
        Assert.Equal(fp32.OptimizerBytes, bf16.OptimizerBytes);
        // Loading converts the float32 checkpoint, holding both copies: 6 bytes a parameter, more than training's peak here.
        Assert.Equal(6 * MemoryEstimate.NetworkParameterCount(config) + MemoryEstimate.RuntimeOverheadBytes, bf16.TotalBytes);
        Assert.Equal(0, fp32.LoadingBytes);
    }

    [Theory]
    [InlineData(512L, "512 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(17179869184L, "16.0 GiB")]
    public void FormatBytes_BinaryUnits(long bytes, string expected) => Assert.Equal(expected, MemoryEstimate.FormatBytes(bytes));
}
