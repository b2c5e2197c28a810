using AgroNT.MLNet.Tests.Training.FineTuning;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.MLNet.Variants;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.MLNet.Tests.Variants;

public sealed class FineTunedMutagenesisTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Run_ScoresLog2RatioOfMutantToReferencePrediction()
    {
        var trainer = new FineTuningTrainer(new FineTuningOptions { BatchSize = 8, MaxSteps = 2, HeadLearningRate = 1e-2, LearningRate = 1e-2 });
        using var fineTuned = trainer.Fit(SharedData.TinyModel, ProblemType.Regression, 1, ToyTasks.GcFraction(8));
        var ism = new FineTunedMutagenesis(fineTuned);
        var region = new GenomeRegion("NC_000932.1", 40_001, 40_012);

        var result = ism.Run(fixture.Reference, region);

        Assert.Equal(36, result.Scores.Count);
        Assert.Equal(37, ism.Predictions);
        string bases = fixture.Sequence.Substring(40_000, 12);
        var score = result.Scores[7];
        char[] mutant = bases.ToCharArray();
        mutant[score.Allele.Pos - region.Start] = score.Allele.Alt[0];
        var predictions = fineTuned.Predict([bases, new string(mutant)]);
        Assert.Equal(Math.Log2((double)predictions[1][0] / predictions[0][0]), score.Llr!.Value, 1e-6);
        Assert.Equal("log2_ratio", result.ToDataFrame().Columns[6].Name);
        Assert.Equal((byte)'P', result.RenderHeatmap()[1]);
    }
}
