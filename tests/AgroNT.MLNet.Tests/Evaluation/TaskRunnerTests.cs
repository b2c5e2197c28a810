using AgroNT.MLNet.Evaluation;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.MLNet.Tests.Evaluation;

public sealed class TaskRunnerTests
{
    /// <summary>data/tasks/chloroplast_coding as a task of its own (binary: does the window overlap a coding sequence).</summary>
    private static readonly BenchmarkTask s_coding = new()
    {
        Family = "chloroplast",
        Config = "coding",
        ProblemType = ProblemType.BinaryClassification,
        OutputCount = 1,
        MinLength = 402,
        MaxLength = 402,
        Splits = [BenchmarkSplit.Train, BenchmarkSplit.Validation, BenchmarkSplit.Test],
    };

    private static BenchmarkDataView Split(string split) =>
        BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", split + ".fa"), s_coding);

    private static BenchmarkDataSet Coding => new(s_coding, Split("train"), Split("validation"), Split("test"));

    [Fact]
    public void Run_FrozenLightGbmWithTheTinyModel_EqualsTheLearnerRunByHandAndBeatsChance()
    {
        var result = TaskRunner.Run(Coding, new TaskRunOptions { Model = SharedData.TinyModel, MaxTrainRows = 400, Seed = 42 });

        // The same pipeline by hand through the public pieces, scored by an independent rank formula.
        using var embedder = DnaEmbedders.Open(SharedData.TinyModel);
        var featurizer = SequenceFeaturizer.Embeddings(embedder);
        var train = Split("train").ReadExamples().Take(400).ToList();
        var test = Split("test").ReadExamples().ToList();
        var learner = FrozenEncoderLearner.Fit(featurizer, ProblemType.BinaryClassification, 1, train, 42, CancellationToken.None);
        double[] scores = [.. learner.Predict(featurizer, test, CancellationToken.None).Select(p => (double)p[0])];
        double expected = RankAuroc.Compute([.. test.Select(e => e.Labels[0] == 1f)], scores);

        Assert.Equal("auroc", result.HeadlineName);
        Assert.Equal(expected, result.Headline, 12);
        Assert.Equal((400, 0, 134), (result.TrainRows, result.ValidationRows, result.TestRows));
        Assert.Null(result.Validation);
        Assert.Equal(["auroc", "auprc", "mcc", "f1", "accuracy"], result.Test.All.Keys);
        // Measured 0.589 (400 training rows, seed 42): the tiny fixture's random 2-layer weights still pool enough
        // k-mer content for LightGBM to beat chance; a broken embedding, label or ordering path gives about 0.5.
        Assert.InRange(result.Headline, 0.55, 1.0);
    }

    [Fact]
    public void Run_KmerBaselineWithValidation_ScoresBothSplitsAndNeedsNoModel()
    {
        var result = TaskRunner.Run(Coding, new TaskRunOptions { Method = TaskRunMethod.KmerLightGbm, MaxTrainRows = 400, EvaluateValidation = true });

        Assert.Equal((400, 206, 134), (result.TrainRows, result.ValidationRows, result.TestRows));
        Assert.NotNull(result.Validation);
        Assert.Equal("auroc", result.Validation.HeadlineName);
        // Measured 0.755 on the 134 test windows: 6-mer frequencies carry codon usage.
        Assert.InRange(result.Headline, 0.70, 1.0);
        // The validation figure is the same learner's, scored independently.
        var learner = FrozenEncoderLearner.Fit(SequenceFeaturizer.SixMerFrequencies, ProblemType.BinaryClassification, 1,
            [.. Split("train").ReadExamples().Take(400)], 42, CancellationToken.None);
        var validation = Split("validation").ReadExamples().ToList();
        double[] scores = [.. learner.Predict(SequenceFeaturizer.SixMerFrequencies, validation, CancellationToken.None).Select(p => (double)p[0])];
        Assert.Equal(RankAuroc.Compute([.. validation.Select(e => e.Labels[0] == 1f)], scores), result.Validation.Headline, 12);
    }

    [Fact]
    public void Run_TwoTasksOnOneRunner_EmbedWithTheEmbedderGiven()
    {
        using var embedder = DnaEmbedders.Open(SharedData.TinyModel);
        using var runner = new TaskRunner(new TaskRunOptions { MaxTrainRows = 60, MaxEvaluationRows = 30 }, embedder);
        var first = runner.Run(Coding);
        var second = runner.Run(Coding);

        Assert.Equal(first.Headline, second.Headline);
        // The runner does not dispose an embedder it was given.
        Assert.Equal(64, embedder.Embed(["ACGTACGTACGT"], ["s"], CancellationToken.None)[0].Length);
    }

    [Fact]
    public void Validate_InvalidOptions_NameTheOption()
    {
        Assert.Equal("Model", Assert.Throws<ArgumentException>(() => new TaskRunOptions().Validate()).ParamName);
        Assert.Equal("MaxTrainRows", Assert.Throws<ArgumentOutOfRangeException>(() => new TaskRunOptions { Model = "m", MaxTrainRows = 0 }.Validate()).ParamName);
        Assert.Equal("MaxEvaluationRows", Assert.Throws<ArgumentOutOfRangeException>(() => new TaskRunOptions { Model = "m", MaxEvaluationRows = 0 }.Validate()).ParamName);
        Assert.Equal("Device", Assert.Throws<ArgumentException>(() => new TaskRunOptions { Model = "m", Device = "gpu" }.Validate()).ParamName);
        new TaskRunOptions { Method = TaskRunMethod.KmerLightGbm }.Validate();
    }

    [Theory]
    [InlineData(TaskRunMethod.FrozenLightGbm, "frozen-lightgbm")]
    [InlineData(TaskRunMethod.Ia3, "ia3")]
    [InlineData(TaskRunMethod.Lora, "lora")]
    [InlineData(TaskRunMethod.Full, "full")]
    [InlineData(TaskRunMethod.KmerLightGbm, "kmer-lightgbm")]
    public void MethodName_RoundTrips(TaskRunMethod method, string name)
    {
        Assert.Equal(name, TaskRunner.MethodName(method));
        Assert.Equal(method, TaskRunner.ParseMethodName(name));
        Assert.Null(TaskRunner.ParseMethodName(name.ToUpperInvariant()));
    }
}
