using AgroNT.Transforms.Benchmarks;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>
/// Prediction runs each batch packed end to end (<see cref="FineTunedModel.ForwardPacked"/>); training runs padded
/// batches (<see cref="FineTunedModel.Forward"/>). Both must give the same outputs, adapters and pooling included.
/// </summary>
public sealed class PackedPredictionTests
{
    [Theory]
    [InlineData(FineTuningMethod.Ia3, HeadPooling.Mean)]
    [InlineData(FineTuningMethod.Lora, HeadPooling.Mean)]
    [InlineData(FineTuningMethod.Ia3, HeadPooling.Cls)]
    public void Predict_PackedBatchOfMixedLengths_EqualsThePaddedForwardOfTraining(FineTuningMethod method, HeadPooling pooling)
    {
        using var fineTuned = AdaptedModels.Create(method, ProblemType.MultiOutputRegression, pooling, outputCount: 2);
        var dna = AdaptedModels.RealDna();
        var ids = dna.Select(s => fineTuned.Model.Tokenizer.EncodeToIds(s)).Select(row => row.ToArray()).ToList();
        Assert.True(ids.Select(row => row.Length).Distinct().Count() > 3);

        // One batch holding every length: packed in prediction, padded to the longest in training.
        var predicted = fineTuned.Predict(dna, batchSize: dna.Count);
        float[] padded;
        using (no_grad())
        {
            var (input, mask) = TokenBatch.Pad(ids, fineTuned.Model.Config.PadTokenId).ToTensors(fineTuned.Model.Device);
            padded = fineTuned.ToPredictions(fineTuned.Forward(input, mask)).data<float>().ToArray();
        }
        for (int i = 0; i < dna.Count; i++)
        {
            for (int k = 0; k < 2; k++)
            {
                Assert.True(Math.Abs(predicted[i][k] - padded[i * 2 + k]) < 1e-4, $"sequence {i} output {k}: packed {predicted[i][k]}, padded {padded[i * 2 + k]}");
            }
        }
        // And one sequence at a time (nothing to pack) gives the same.
        var single = fineTuned.Predict(dna, batchSize: 1);
        Assert.Equal(single.SelectMany(p => p), predicted.SelectMany(p => p), (a, b) => Math.Abs(a - b) < 1e-4);
    }
}
