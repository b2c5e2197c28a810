using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

public sealed class FineTuningTrainerTests
{
    private static readonly FineTuningOptions s_quick = new() { BatchSize = 8, Epochs = 4, HeadLearningRate = 1e-2, LearningRate = 1e-2, ReportInterval = 1 };

    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    [InlineData(FineTuningMethod.Full)]
    public void Fit_LearnableToyTask_LossDecreases(FineTuningMethod method)
    {
        var reports = new List<FineTuningProgress>();
        var trainer = new FineTuningTrainer(s_quick with { Method = method, LearningRate = method == FineTuningMethod.Full ? 1e-3 : 1e-2 });

        using var fitted = trainer.Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, ToyTasks.GcRich(32),
            progress: new SynchronousProgress<FineTuningProgress>(reports.Add));

        Assert.Equal(16, fitted.History.Steps);
        Assert.Equal(16, reports[^1].TotalSteps);
        double first = reports.Take(2).Average(r => r.TrainLoss), last = reports.TakeLast(2).Average(r => r.TrainLoss);
        Assert.True(last < 0.5 * first, $"loss went from {first} to {last}");
        // The tiny model's weights are random, so held-out 6-mers carry no signal: the fit is judged on the training set.
        var train = ToyTasks.GcRich(32);
        var probabilities = fitted.Predict([.. train.Select(e => e.Sequence)]);
        var metrics = BenchmarkMetrics.Binary([.. train.Select(e => e.Labels[0] == 1)], [.. probabilities.Select(p => p[0])]);
        Assert.True(metrics.Auroc > 0.95, $"training AUROC {metrics.Auroc}");
    }

    [Fact]
    public void Fit_Ia3_TrainsAboutOnePercentAndLeavesBaseWeightsBitIdentical()
    {
        using var before = AgroNTModel.Load(SharedData.TinyModel);
        var trainer = new FineTuningTrainer(s_quick with { Method = FineTuningMethod.Ia3, Epochs = 1 });

        using var fitted = trainer.Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, ToyTasks.GcRich(16));

        // IA3: per layer a key scale (H = 64), a value scale (64) and a feed-forward scale (intermediate 128), 2 layers.
        Assert.Equal(2 * (64 + 64 + 128), fitted.AdapterParameters.Sum(p => p.Parameter.numel()));
        Assert.NotEqual(0, fitted.AdapterParameters.Sum(p => (double)p.Parameter.sub(1).abs().sum().item<float>()));
        // Head: dense 64x64 + 64, out_proj 64 + 1.
        Assert.Equal(512 + 64 * 64 + 64 + 64 + 1, fitted.TrainableParameterCount);
        double share = (double)fitted.TrainableParameterCount / fitted.TotalParameterCount;
        Assert.InRange(share, 0.005, 0.02);
        var expected = before.Network.state_dict();
        foreach (var (name, value) in fitted.Model.Network.state_dict())
        {
            Assert.True(Same(value, expected[name]), $"{name} changed");
        }
    }

    [Fact]
    public void Lora_BZeroAtInit_ReproducesTheBaseModelExactly()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var ids = tensor(model.Tokenizer.EncodeToIds("ACGTACGTTTGACCAGTAGGCATNNACGTAGCTAGCAT", null).Select(i => (long)i).ToArray()).unsqueeze(0);
        using var baseline = model.Network.Esm.Forward(ids).LastHiddenState;
        manual_seed(5);

        using var adapters = EncoderAdapters.Lora(model.Network.Esm, new LoraOptions { Rank = 4, TargetModules = ["query", "key", "value", "dense"] });
        using var adapted = model.Network.Esm.Forward(ids).LastHiddenState;

        // 2 layers x (query, key, value, attention output dense, intermediate dense, output dense) = 12 wrapped layers.
        Assert.Equal(24, adapters.NamedParameters.Count);
        Assert.All(adapters.NamedParameters.Where(p => p.Name.EndsWith("lora_B.weight", StringComparison.Ordinal)), p => Assert.Equal(0, p.Parameter.abs().sum().item<float>()));
        Assert.All(adapters.NamedParameters.Where(p => p.Name.EndsWith("lora_A.weight", StringComparison.Ordinal)), p => Assert.NotEqual(0, p.Parameter.abs().sum().item<float>()));
        Assert.True(Same(adapted, baseline));
        Assert.Contains(adapters.NamedParameters, p => p.Name == "esm.encoder.layer.1.attention.self.query.lora_A.weight" && p.Parameter.shape.SequenceEqual([4L, 64L]));

        using (no_grad())
        {
            adapters.NamedParameters.First(p => p.Name.EndsWith("lora_B.weight", StringComparison.Ordinal)).Parameter.fill_(0.1);
        }
        using var moved = model.Network.Esm.Forward(ids).LastHiddenState;
        Assert.False(Same(moved, baseline));
        adapters.Dispose();
        using var detached = model.Network.Esm.Forward(ids).LastHiddenState;
        Assert.True(Same(detached, baseline));
    }

    [Fact]
    public void Lora_UnknownTarget_ThrowsListingTheLinearLayers()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);

        var exception = Assert.Throws<ArgumentException>(() => EncoderAdapters.Lora(model.Network.Esm, new LoraOptions { TargetModules = ["q_proj"] }));

        Assert.Contains("'q_proj'", exception.Message);
        Assert.Contains("query, key, value, dense", exception.Message);
    }

    [Fact]
    public void Fit_WithValidation_KeepsTheBestValidationParameters()
    {
        var validation = ToyTasks.GcRich(16, seed: 3);
        var trainer = new FineTuningTrainer(s_quick with { Epochs = 6, EvaluationInterval = 2, Patience = 2, LearningRate = 0.3, HeadLearningRate = 0.3 });

        using var fitted = trainer.Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, ToyTasks.GcRich(32), validation);

        var history = fitted.History;
        var validations = history.Points.Where(p => p.ValidationLoss is not null).ToList();
        Assert.NotEmpty(validations);
        Assert.Equal(validations.Min(p => p.ValidationLoss), history.BestValidationLoss);
        Assert.Equal(validations.First(p => p.ValidationLoss == history.BestValidationLoss).Step, history.BestStep);
        Assert.Equal("auroc", history.MetricName);
        // The returned parameters are the best validation's: their validation loss is the recorded best.
        var probabilities = fitted.Predict([.. validation.Select(e => e.Sequence)]);
        double loss = validation.Select((e, i) => e.Labels[0] == 1 ? -Math.Log(probabilities[i][0]) : -Math.Log(1 - probabilities[i][0])).Average();
        Assert.Equal(history.BestValidationLoss!.Value, loss, 4);
        if (history.StoppedEarly)
        {
            Assert.True(history.Steps < 24);
        }
    }

    [Fact]
    public void Fit_Regression_PredictsInTheLabelsUnits()
    {
        var trainer = new FineTuningTrainer(s_quick with { Epochs = 6 });

        using var fitted = trainer.Fit(SharedData.TinyModel, ProblemType.Regression, 1, ToyTasks.GcFraction(32));
        var train = ToyTasks.GcFraction(32);
        var predictions = fitted.Predict([.. train.Select(e => e.Sequence)]).Select(p => p[0]).ToArray();

        // Labels are 100..110: standardized training predicts in those units, and follows GC content.
        Assert.All(predictions, p => Assert.InRange(p, 95f, 115f));
        double r = BenchmarkMetrics.Pearson([.. train.Select(e => e.Labels[0])], predictions);
        Assert.True(r > 0.8, $"training Pearson {r}");
    }

    [Theory]
    [InlineData(ProblemType.MultiLabelClassification)]
    [InlineData(ProblemType.MultiOutputRegression)]
    public void Fit_MultiOutputTasks_PredictOneValuePerLabel(ProblemType problemType)
    {
        var trainer = new FineTuningTrainer(s_quick with { Epochs = 3 });

        using var fitted = trainer.Fit(SharedData.TinyModel, problemType, 2, ToyTasks.TwoLabels(16), ToyTasks.TwoLabels(8));
        var predictions = fitted.Predict(["GCGCGGCCGCGCGGCC", "ATATTATAATATTAAT"]);

        Assert.All(predictions, p => Assert.Equal(2, p.Length));
        Assert.Equal(problemType == ProblemType.MultiLabelClassification ? "macro_auroc" : "mean_r2", fitted.History.MetricName);
        if (problemType == ProblemType.MultiLabelClassification)
        {
            Assert.All(predictions.SelectMany(p => p), p => Assert.InRange(p, 0f, 1f));
        }
    }

    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    [InlineData(FineTuningMethod.Full)]
    public void SaveLoad_RoundTrip_GivesIdenticalPredictions(FineTuningMethod method)
    {
        var trainer = new FineTuningTrainer(s_quick with { Method = method, MaxSteps = 2, Pooling = method == FineTuningMethod.Lora ? HeadPooling.Cls : HeadPooling.Mean });
        using var fitted = trainer.Fit(SharedData.TinyModel, ProblemType.Regression, 1, ToyTasks.GcFraction(16));
        string folder = Directory.CreateTempSubdirectory("agront-ft-").FullName;
        try
        {
            fitted.Save(folder);
            using var loaded = FineTunedModel.Load(folder);

            string[] sequences = ["ACGTTGCAACGT", "GGGCCCGGGCCCATAT", "TTTTAAAACCCCGGGGNNNN"];
            Assert.Equal(fitted.Predict(sequences), loaded.Predict(sequences));
            Assert.Equal(method, loaded.Method);
            Assert.Equal(fitted.Pooling, loaded.Pooling);
            Assert.Equal(2, loaded.History.Steps);
            Assert.True(File.Exists(Path.Combine(folder, "config.json")));
            Assert.True(File.Exists(Path.Combine(folder, "head.safetensors")));
            Assert.Equal(method != FineTuningMethod.Full, File.Exists(Path.Combine(folder, "adapter_model.safetensors")));
            // The folder is also a plain Hugging Face encoder folder.
            using var encoder = AgroNTModel.Load(folder);
            Assert.Equal(64, encoder.Config.HiddenSize);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Fit_BenchmarkFilesOfTheChloroplastTask_Runs()
    {
        string task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding");
        var train = BenchmarkDataView.Open(Path.Combine(task, "train.fa"), ProblemType.BinaryClassification);
        var validation = BenchmarkDataView.Open(Path.Combine(task, "validation.fa"), ProblemType.BinaryClassification);
        var trainer = new FineTuningTrainer(new FineTuningOptions { BatchSize = 4, MaxSteps = 2, EvaluationInterval = 2, ShuffleBufferSize = 8 });

        // Validation streams the whole 206-record file once; training stops after 2 steps of the streamed training file.
        using var fitted = trainer.Fit(SharedData.TinyModel, train, validation);

        Assert.Equal(2, fitted.History.Steps);
        Assert.NotNull(fitted.History.BestValidationLoss);
    }

    [Fact]
    public void Fit_Cancelled_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var trainer = new FineTuningTrainer(s_quick);

        Assert.Throws<OperationCanceledException>(() => trainer.Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, ToyTasks.GcRich(32),
            progress: new SynchronousProgress<FineTuningProgress>(r => { if (r.Step == 2) { cancellation.Cancel(); } }),
            cancellationToken: cancellation.Token));
    }

    [Fact]
    public void Options_WindowsPolicyOrBadValues_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new FineTuningTrainer(new FineTuningOptions { Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Windows } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FineTuningTrainer(new FineTuningOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FineTuningTrainer(new FineTuningOptions { Method = FineTuningMethod.Lora, Lora = new LoraOptions { Rank = 0 } }));
        Assert.Equal(3e-3, new FineTuningOptions().EffectiveLearningRate);
    }

    [Fact]
    public void Fit_WrongLabelCount_ThrowsNamingTheExample()
    {
        var trainer = new FineTuningTrainer(s_quick);

        var exception = Assert.Throws<ArgumentException>(() => trainer.Fit(SharedData.TinyModel, ProblemType.MultiLabelClassification, 3, ToyTasks.TwoLabels(8)));

        Assert.Matches(@"Example 'toy\d+' \(line \d+\) has 2 labels; the task has 3", exception.Message);
    }

    /// <summary>Bit-for-bit equality of shape and values.</summary>
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
