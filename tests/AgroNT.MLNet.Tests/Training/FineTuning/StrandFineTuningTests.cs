using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training.FineTuning;

public sealed class StrandFineTuningTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-ftstrand-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static FineTuningOptions Options(bool augment) => new()
    {
        BatchSize = 4,
        Epochs = 3,
        LearningRate = 1e-2,
        HeadLearningRate = 1e-2,
        Seed = 7,
        ReverseComplementAugment = augment,
    };

    // Real chloroplast windows with their labels, cut to 60 bp so the tiny model trains quickly.
    private static List<TaskExample> RealTask(int count) =>
        [.. BenchmarkDataView.Open(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa"), ProblemType.BinaryClassification)
            .ReadExamples().Take(count).Select(e => e with { Sequence = e.Sequence[..60] })];

    // Each example made its own reverse complement: x + RC(x).
    private static List<TaskExample> Palindromes(List<TaskExample> examples) =>
        [.. examples.Select(e => e with { Sequence = string.Concat(e.Sequence.AsSpan(0, 30), Dna.ReverseComplement(e.Sequence.AsSpan(0, 30))) })];

    private static (Dictionary<string, float[]> Weights, float[] Predictions) Fit(FineTuningOptions options, List<TaskExample> train)
    {
        using var fitted = new FineTuningTrainer(options).Fit(SharedData.TinyModel, ProblemType.BinaryClassification, 1, train);
        var weights = new Dictionary<string, float[]>();
        foreach (var (name, value) in fitted.Head.state_dict())
        {
            weights[name] = value.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        foreach (var (name, parameter) in fitted.AdapterParameters)
        {
            weights[name] = parameter.detach().contiguous().data<float>().ToArray();
        }
        return (weights, [.. fitted.Predict([.. train.Select(e => e.Sequence)]).Select(p => p[0])]);
    }

    private static bool Same(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Keys.Order().SequenceEqual(b.Keys.Order()) && a.All(p => p.Value.AsSpan().SequenceEqual(b[p.Key]));

    [Fact]
    public void RcAugment_IsSeeded_ChangesTraining_AndKeepsLabels()
    {
        var train = RealTask(16);
        var plain = Fit(Options(augment: false), train);
        var augmented = Fit(Options(augment: true), train);
        var again = Fit(Options(augment: true), train);
        Assert.True(Same(augmented.Weights, again.Weights), "the same seed must give the same augmented run");
        Assert.Equal(augmented.Predictions, again.Predictions);
        Assert.False(Same(plain.Weights, augmented.Weights), "augmentation must change what is trained on");

        // On sequences that are their own reverse complement, augmentation changes nothing: only the strand is flipped, never the labels.
        var palindromes = Palindromes(train);
        Assert.True(Same(Fit(Options(augment: false), palindromes).Weights, Fit(Options(augment: true), palindromes).Weights));
    }

    [Fact]
    public void RcAugment_ResumedRun_EqualsUninterruptedRun()
    {
        var train = RealTask(16);
        var expected = Fit(Options(augment: true) with { MaxSteps = 8 }, train);
        Fit(Options(augment: true) with { MaxSteps = 4, CheckpointFolder = _folder }, train);
        var resumed = Fit(Options(augment: true) with { MaxSteps = 8, CheckpointFolder = _folder, Resume = true }, train);
        Assert.True(Same(expected.Weights, resumed.Weights));
        // A checkpoint of an augmented run does not resume without augmentation.
        var error = Assert.Throws<InvalidOperationException>(() => Fit(Options(augment: false) with { MaxSteps = 12, CheckpointFolder = _folder, Resume = true }, train));
        Assert.Contains("--rc-augment (not set) (ReverseComplementAugment) differs from the checkpoint's true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_Strands_ReverseIsPredictionOfTheReverseComplement_BothIsTheMean()
    {
        using var model = AdaptedModels.Create(FineTuningMethod.Ia3);
        var sequences = AdaptedModels.RealDna().Take(5).ToList();
        var forward = model.Predict(sequences);
        var ofRc = model.Predict([.. sequences.Select(s => Dna.ReverseComplement(s))]);
        var reverse = model.Predict(sequences, Strand.Reverse);
        var both = model.Predict(sequences, Strand.Both);
        Assert.Equal(forward, model.Predict(sequences, Strand.Forward));
        for (int i = 0; i < sequences.Count; i++)
        {
            Assert.Equal(ofRc[i][0], reverse[i][0], 1e-6);
            Assert.Equal((forward[i][0] + ofRc[i][0]) / 2, both[i][0], 1e-6);
        }
        Assert.Contains(Enumerable.Range(0, sequences.Count), i => Math.Abs(forward[i][0] - ofRc[i][0]) > 1e-4);
    }
}
