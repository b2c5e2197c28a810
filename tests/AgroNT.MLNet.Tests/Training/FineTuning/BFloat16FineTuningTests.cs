using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>bfloat16 fine-tuning: a bfloat16 encoder with float32 trained parameters follows the float32 run.</summary>
public sealed class BFloat16FineTuningTests
{
    private static readonly FineTuningOptions s_options = new()
    {
        BatchSize = 8, Epochs = 3, LearningRate = 1e-2, HeadLearningRate = 1e-2, ReportInterval = 1, Method = FineTuningMethod.Ia3,
    };

    [Fact]
    public void Fit_BFloat16Ia3_MovesTheLossLikeFloat32AndKeepsTrainedParametersInFloat32()
    {
        var data = ToyTasks.GcRich(32);
        var fp32Reports = new List<FineTuningProgress>();
        var bf16Reports = new List<FineTuningProgress>();

        using var fp32 = new FineTuningTrainer(s_options).Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, data,
            progress: new SynchronousProgress<FineTuningProgress>(fp32Reports.Add));
        using var bf16 = new FineTuningTrainer(s_options with { Precision = Precision.BFloat16 }).Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, data,
            progress: new SynchronousProgress<FineTuningProgress>(bf16Reports.Add));

        double[] expected = [.. fp32Reports.Where(r => r.Message is null).Select(r => r.TrainLoss)];
        double[] actual = [.. bf16Reports.Where(r => r.Message is null).Select(r => r.TrainLoss)];
        Assert.Equal(12, expected.Length);
        Assert.Equal(expected.Length, actual.Length);
        // The float32 run learns (its loss moves by much more than the tolerance) and the bfloat16 run follows it step by step.
        string curves = $"fp32 {string.Join(" ", expected.Select(l => l.ToString("F4")))}; bf16 {string.Join(" ", actual.Select(l => l.ToString("F4")))}";
        Assert.True(expected.Take(2).Average() - expected.TakeLast(2).Average() > 0.1, curves);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) < 0.02, $"step {i + 1}: {curves}");
        }
        Assert.Equal(ScalarType.BFloat16, bf16.Model.Network.Esm.Encoder.Layers[0].Attention.Self.parameters().First().dtype);
        Assert.All(bf16.AdapterParameters, p => Assert.Equal(ScalarType.Float32, p.Parameter.dtype));
        Assert.All(bf16.Head.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void Options_BFloat16FullFineTuning_IsRefusedWithTheOptionNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => new FineTuningTrainer(s_options with { Method = FineTuningMethod.Full, Precision = Precision.BFloat16 }));

        Assert.Contains("Precision.Float32", error.Message);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
