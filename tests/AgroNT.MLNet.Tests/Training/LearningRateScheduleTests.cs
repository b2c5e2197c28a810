using AgroNT.MLNet.Training;

namespace AgroNT.MLNet.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Theory]
    [InlineData(1, 0.1)]
    [InlineData(5, 0.5)]
    [InlineData(10, 1.0)]
    public void At_DuringWarmup_RisesLinearly(long step, double expected)
    {
        foreach (var decay in Enum.GetValues<LearningRateDecay>())
        {
            Assert.Equal(expected * 1e-3, new LearningRateSchedule(1e-3, 10, 110, decay).At(step), 12);
        }
    }

    [Theory]
    [InlineData(LearningRateDecay.Constant, 60, 1.0)]
    [InlineData(LearningRateDecay.Linear, 60, 0.5)]
    [InlineData(LearningRateDecay.Linear, 110, 0.0)]
    [InlineData(LearningRateDecay.Cosine, 60, 0.5)]
    [InlineData(LearningRateDecay.Cosine, 35, 0.8535533905932737)]
    [InlineData(LearningRateDecay.Cosine, 110, 0.0)]
    [InlineData(LearningRateDecay.InverseSquareRoot, 40, 0.5)]
    [InlineData(LearningRateDecay.InverseSquareRoot, 90, 0.3333333333333333)]
    public void At_AfterWarmup_FollowsTheDecay(LearningRateDecay decay, long step, double expected) =>
        Assert.Equal(expected * 2e-3, new LearningRateSchedule(2e-3, 10, 110, decay).At(step), 12);

    [Fact]
    public void At_LinearAndCosineWithFloor_EndAtTheFloor()
    {
        Assert.Equal(1e-4, new LearningRateSchedule(1e-3, 0, 100, LearningRateDecay.Linear, 0.1).At(100), 12);
        Assert.Equal(1e-4, new LearningRateSchedule(1e-3, 0, 100, LearningRateDecay.Cosine, 0.1).At(100), 12);
        Assert.Equal(1e-3, new LearningRateSchedule(1e-3, 0, 100, LearningRateDecay.Cosine, 0.1).At(1), 4);
    }

    [Fact]
    public void At_StepZero_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1e-3, 10, 100, LearningRateDecay.Linear).At(0));

    [Fact]
    public void DefaultWarmup_IsATenthOfTheRunCappedAtSixteenThousand()
    {
        Assert.Equal(100, PretrainingDefaults.WarmupSteps(1000));
        Assert.Equal(16_000, PretrainingDefaults.WarmupSteps(1_000_000));
        Assert.Equal(100, new PretrainingOptions { OutputFolder = "x", Config = TinyTraining.Config, MaxSteps = 1000 }.Schedule.WarmupSteps);
    }
}
