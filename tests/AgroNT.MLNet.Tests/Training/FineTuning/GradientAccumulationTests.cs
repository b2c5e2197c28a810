using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>
/// Micro-batches and activation checkpointing change how a step is computed, never what it computes: the gradients
/// of the trained parameters equal those of one plain pass over the whole batch.
/// </summary>
public sealed class GradientAccumulationTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(FineTuningMethod.Ia3, 3, ActivationCheckpointing.Off)]
    [InlineData(FineTuningMethod.Ia3, 1, ActivationCheckpointing.Off)]
    [InlineData(FineTuningMethod.Ia3, null, ActivationCheckpointing.On)]
    [InlineData(FineTuningMethod.Ia3, 2, ActivationCheckpointing.On)]
    [InlineData(FineTuningMethod.Lora, 3, ActivationCheckpointing.On)]
    [InlineData(FineTuningMethod.Full, 3, ActivationCheckpointing.On)]
    public void Accumulate_SplitOrCheckpointed_GradientsEqualThePlainWholeBatch(FineTuningMethod method, int? microBatch, ActivationCheckpointing checkpointing)
    {
        var batch = Batch();
        using var fitted = Trainable(method);
        var (plainLoss, plain) = Gradients(fitted, batch, new FineTuningOptions { BatchSize = batch.Count, ActivationCheckpointing = ActivationCheckpointing.Off });

        var (loss, gradients) = Gradients(fitted, batch, new FineTuningOptions { BatchSize = batch.Count, MicroBatchSize = microBatch, ActivationCheckpointing = checkpointing });

        Assert.Equal(plainLoss, loss, Tolerance);
        Assert.Equal(plain.Keys.Order(), gradients.Keys.Order());
        // Every trained tensor gets a gradient, the layers' adapters included (a checkpoint node that was not recorded would
        // leave them at zero), except the key bias, which softmax cancels.
        Assert.All(plain.Where(p => !p.Key.EndsWith("key.bias", StringComparison.Ordinal)), p => Assert.True(p.Value.abs().max().item<float>() > 1e-6, $"{p.Key} has no gradient"));
        foreach (var (name, expected) in plain)
        {
            double difference = gradients[name].sub(expected).abs().max().item<float>();
            Assert.True(difference <= Tolerance, $"{name}: gradients differ by {difference}");
        }
    }

    [Fact]
    public void Accumulate_UnweightedMicroBatchLosses_WouldNotMatch()
    {
        // The test above can fail: summing the micro-batches' mean losses (3 + 3 + 1 sequences) without weighting gives other gradients.
        var batch = Batch();
        using var fitted = Trainable(FineTuningMethod.Ia3);
        var (_, plain) = Gradients(fitted, batch, new FineTuningOptions { BatchSize = batch.Count, ActivationCheckpointing = ActivationCheckpointing.Off });
        ZeroGradients(fitted);
        fitted.SetTraining(true);
        foreach (var chunk in batch.Chunk(3))
        {
            using var scope = NewDisposeScope();
            var (ids, mask) = GradientAccumulation.Tokenize(fitted, chunk);
            var outputs = fitted.Forward(ids, mask);
            GradientAccumulation.Loss(fitted, outputs, GradientAccumulation.Labels(fitted, chunk, outputs.device, outputs.dtype)).backward();
        }
        string name = plain.Keys.First(k => k.EndsWith("ia3_l", StringComparison.Ordinal));
        var unweighted = TrainedParameters(fitted).Single(p => p.Name == name).Parameter.grad!;

        Assert.True(unweighted.sub(plain[name]).abs().max().item<float>() > 100 * Tolerance);
    }

    [Fact]
    public void Accumulate_Auto_CheckpointsOnlyWhenTheActivationsExceedTheBudget()
    {
        var batch = Batch();
        using var fitted = Trainable(FineTuningMethod.Ia3);
        var tight = new GradientAccumulation(new FineTuningOptions { BatchSize = batch.Count, MemoryBudgetBytes = 1L << 20 }, fitted);
        var roomy = new GradientAccumulation(new FineTuningOptions { BatchSize = batch.Count, MemoryBudgetBytes = 64L << 30 }, fitted);
        fitted.SetTraining(true);

        ZeroGradients(fitted);
        tight.Accumulate(fitted, batch);
        ZeroGradients(fitted);
        roomy.Accumulate(fitted, batch);

        Assert.True(tight.LastCheckpointed);
        Assert.False(roomy.LastCheckpointed);
        // The switch is per step: the encoder is left as it was.
        Assert.False(fitted.Model.Network.Esm.Encoder.ActivationCheckpointing);
    }

    [Fact]
    public void Fit_MicroBatchesAndCheckpointing_TrainTheSameParameters()
    {
        var data = ToyTasks.GcRich(16, length: 60);
        // Mixed lengths, so micro-batches pad differently from the whole batch.
        data = [.. data.Select((e, i) => e with { Sequence = e.Sequence[..(24 + 6 * (i % 6))] })];
        var options = new FineTuningOptions { BatchSize = 8, Epochs = 1, MaxSteps = 2, LearningRate = 1e-2, HeadLearningRate = 1e-2, ActivationCheckpointing = ActivationCheckpointing.Off };

        using var plain = new FineTuningTrainer(options).Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, data);
        using var split = new FineTuningTrainer(options with { MicroBatchSize = 3, ActivationCheckpointing = ActivationCheckpointing.On })
            .Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, data);

        var expected = TrainedParameters(plain).ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in TrainedParameters(split))
        {
            double difference = parameter.sub(expected[name]).abs().max().item<float>();
            Assert.True(difference <= Tolerance, $"{name}: parameters differ by {difference} after 2 steps");
        }
        Assert.Equal(plain.History.Points[^1].TrainLoss, split.History.Points[^1].TrainLoss, Tolerance);
    }

    private static List<TaskExample> Batch() =>
        [.. AdaptedModels.RealDna().Select((sequence, i) => new TaskExample($"s{i}", sequence, [i % 3 == 0 ? 1f : 0f], i + 1))];

    private static FineTunedModel Trainable(FineTuningMethod method)
    {
        var fitted = AdaptedModels.Create(method);
        foreach (var (_, parameter) in TrainedParameters(fitted))
        {
            parameter.requires_grad = true;
        }
        return fitted;
    }

    private static IEnumerable<(string Name, Parameter Parameter)> TrainedParameters(FineTunedModel fitted) =>
        (fitted.Method == FineTuningMethod.Full
            ? fitted.Model.Network.Esm.named_parameters().Select(p => ("esm." + p.name, p.parameter))
            : fitted.AdapterParameters)
        .Concat(fitted.Head.named_parameters().Select(p => ("classifier." + p.name, p.parameter)));

    private static void ZeroGradients(FineTunedModel fitted)
    {
        foreach (var (_, parameter) in TrainedParameters(fitted))
        {
            parameter.grad?.zero_();
        }
    }

    private static (double Loss, Dictionary<string, Tensor> Gradients) Gradients(FineTunedModel fitted, List<TaskExample> batch, FineTuningOptions options)
    {
        ZeroGradients(fitted);
        fitted.SetTraining(true);
        double loss = new GradientAccumulation(options, fitted).Accumulate(fitted, batch);
        return (loss, TrainedParameters(fitted).ToDictionary(p => p.Name, p => p.Parameter.grad!.detach().clone()));
    }
}
