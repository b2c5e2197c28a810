using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

/// <summary>
/// Resumable fine-tuning: 20 training examples in batches of 4 (5 steps an epoch) with a validation at the end of each
/// epoch, so the interruption points below fall inside an epoch, after a validation and across epoch boundaries.
/// </summary>
public sealed class FineTuningCheckpointTests : IDisposable
{
    private static readonly List<TaskExample> s_train = ToyTasks.GcRich(20);
    private static readonly List<TaskExample> s_validation = ToyTasks.GcRich(8, seed: 3);
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-ftckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static FineTuningOptions Options(FineTuningMethod method) => new()
    {
        Method = method,
        BatchSize = 4,
        Epochs = 5,
        LearningRate = method == FineTuningMethod.Full ? 1e-3 : 1e-2,
        HeadLearningRate = 1e-2,
        Patience = 10,
        ReportInterval = 1,
        Seed = 7,
    };

    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    [InlineData(FineTuningMethod.Full)]
    public void Resume_KStepsThenKMore_EqualsTwoKUninterrupted(FineTuningMethod method)
    {
        var expected = Fit(Options(method) with { MaxSteps = 14 });

        var first = Fit(Options(method) with { MaxSteps = 7, CheckpointFolder = _folder });
        Assert.Equal(7, first.Steps);
        var resumed = Fit(Options(method) with { MaxSteps = 14, CheckpointFolder = _folder, Resume = true });

        AssertSame(expected, resumed);
    }

    [Fact]
    public void Cancel_WritesACheckpoint_AndResumingFinishesLikeAnUninterruptedRun()
    {
        var options = Options(FineTuningMethod.Ia3) with { Epochs = 3, CheckpointFolder = _folder };
        var expected = Fit(options with { CheckpointFolder = null });
        using var cancellation = new CancellationTokenSource();
        var reports = new List<FineTuningProgress>();

        Assert.Throws<OperationCanceledException>(() => Fit(options, new SynchronousProgress<FineTuningProgress>(r =>
        {
            reports.Add(r);
            if (r.Step == 8 && r.Checkpoint is null)
            {
                cancellation.Cancel();
            }
        }), cancellation.Token));

        Assert.Equal(Path.Combine(_folder, "step-00000008"), reports[^1].Checkpoint);
        Assert.Equal(["step-00000008"], Directory.GetDirectories(_folder).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(_folder, "step-00000008", "best.safetensors")), "the epoch-1 validation's best parameters are saved");
        var resumeReports = new List<FineTuningProgress>();
        var resumed = Fit(options with { Resume = true }, new SynchronousProgress<FineTuningProgress>(resumeReports.Add));
        Assert.Contains("resuming from", resumeReports[0].Message, StringComparison.Ordinal);
        Assert.Equal(8, resumeReports[0].Step);
        AssertSame(expected, resumed);
        Assert.Equal(15, resumed.Steps);
    }

    [Fact]
    public void Resume_NewestCheckpointCutShort_IsReportedAndThePreviousOneUsed()
    {
        var options = Options(FineTuningMethod.Lora) with { MaxSteps = 9, CheckpointInterval = 3, CheckpointFolder = _folder };
        var expected = Fit(options with { CheckpointFolder = null, CheckpointInterval = null });
        Fit(options);
        Assert.Equal(["step-00000003", "step-00000006", "step-00000009"], Directory.GetDirectories(_folder).Select(Path.GetFileName).Order());
        string damaged = Path.Combine(_folder, "step-00000009", "model.safetensors");
        using (var stream = new FileStream(damaged, FileMode.Open))
        {
            stream.SetLength(stream.Length - 10);
        }
        var reports = new List<FineTuningProgress>();

        var resumed = Fit(options with { Resume = true }, new SynchronousProgress<FineTuningProgress>(reports.Add));

        Assert.Contains(reports, r => r.Message is { } m && m.Contains("step-00000009 is damaged", StringComparison.Ordinal) && m.Contains("model.safetensors", StringComparison.Ordinal));
        Assert.Contains(reports, r => r.Message is { } m && m.Contains("step-00000006", StringComparison.Ordinal) && m.StartsWith("resuming", StringComparison.Ordinal));
        AssertSame(expected, resumed);
    }

    [Fact]
    public void Checkpoints_KeepOnlyTheNewestK()
    {
        Fit(Options(FineTuningMethod.Ia3) with { MaxSteps = 10, CheckpointInterval = 2, KeepCheckpoints = 2, CheckpointFolder = _folder });

        Assert.Equal(["step-00000008", "step-00000010"], Directory.GetDirectories(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Start_OverExistingCheckpointsWithoutResume_OrResumeWithOtherSettings_IsRefused()
    {
        var options = Options(FineTuningMethod.Ia3) with { MaxSteps = 2, CheckpointFolder = _folder };
        Fit(options);

        var overwrite = Assert.Throws<InvalidOperationException>(() => Fit(options));
        Assert.Contains("Resume (--resume)", overwrite.Message, StringComparison.Ordinal);
        var changed = Assert.Throws<InvalidOperationException>(() => Fit(options with { Resume = true, Seed = 8, BatchSize = 5 }));
        Assert.Contains("--seed 8 (Seed) differs from the checkpoint's 7", changed.Message, StringComparison.Ordinal);
        Assert.Contains("--batch-size 5 (BatchSize) differs from the checkpoint's 4", changed.Message, StringComparison.Ordinal);
        var otherRate = Assert.Throws<InvalidOperationException>(() => Fit(options with { Resume = true, LearningRate = 1e-4 }));
        Assert.Contains("--learning-rate 0.0001 (LearningRate) differs from the checkpoint's 0.01", otherRate.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--seed", otherRate.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new FineTuningTrainer(new FineTuningOptions { Resume = true }));
    }

    private static Outcome Fit(FineTuningOptions options, IProgress<FineTuningProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var fitted = new FineTuningTrainer(options).Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, s_train, s_validation,
            progress, cancellationToken);
        var weights = new Dictionary<string, float[]>();
        foreach (var (name, value) in fitted.Head.state_dict().Concat(fitted.Model.Network.state_dict()))
        {
            weights[name] = value.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        foreach (var (name, parameter) in fitted.AdapterParameters)
        {
            weights[name] = parameter.detach().contiguous().data<float>().ToArray();
        }
        var predictions = fitted.Predict([.. s_validation.Select(e => e.Sequence)]).Select(p => p[0]).ToArray();
        return new Outcome(weights, predictions, fitted.History.Steps, fitted.History.BestStep, fitted.History.BestValidationLoss, fitted.History.Points);
    }

    private static void AssertSame(Outcome expected, Outcome actual)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.BestStep, actual.BestStep);
        Assert.Equal(expected.BestValidationLoss, actual.BestValidationLoss);
        Assert.Equal(expected.Weights.Keys.Order(), actual.Weights.Keys.Order());
        foreach (var (name, values) in expected.Weights)
        {
            Assert.True(values.AsSpan().SequenceEqual(actual.Weights[name]), $"{name} differs");
        }
        Assert.Equal(expected.Predictions, actual.Predictions);
        Assert.Equal(expected.Points, actual.Points);
    }

    private sealed record Outcome(
        Dictionary<string, float[]> Weights, float[] Predictions, long Steps, long BestStep, double? BestValidationLoss, IReadOnlyList<TrainingCurvePoint> Points);

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
