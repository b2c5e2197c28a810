using System.Text.Json.Nodes;
using AgroNT.MLNet.Training.Checkpointing;

namespace AgroNT.MLNet.Tests.Training.Checkpointing;

public sealed class ResumeSettingsTests
{
    private static ResumeSettings Settings(double learningRate = 5e-5, int seed = 42, bool rcAugment = false) => new ResumeSettings()
        .Set("model", new JsonObject { ["hidden_size"] = 32 }, new ResumeOption("the model", "--model"))
        .Set("seed", seed, new ResumeOption("Seed", "--seed"))
        .SetJoined("optimizer", '/', (new("LearningRate", "--learning-rate"), learningRate), (new("HeadLearningRate", "--head-learning-rate"), 1e-3),
            (new("WeightDecay"), 0.01), (new("MaxGradientNorm"), (double?)null))
        .Set("rcAugment", rcAugment ? true : null, new ResumeOption("ReverseComplementAugment", "--rc-augment"), omitWhenNull: true);

    [Fact]
    public void ToJson_JoinsSeveralOptionsAsOneStringAndLeavesOutAnOmittedNull()
    {
        var json = Settings().ToJson();

        Assert.Equal("""{"model":{"hidden_size":32},"seed":42,"optimizer":"5E-05/0.001/0.01/"}""", json.ToJsonString());
    }

    [Fact]
    public void Differences_SameSettings_IsEmpty()
    {
        Assert.Empty(Settings().Differences(Settings().ToJson()));
    }

    [Fact]
    public void Differences_OnePartOfAJoinedEntry_NamesThatOptionInCliAndCSharpTermsWithBothValues()
    {
        var differences = Settings(learningRate: 1e-4).Differences(Settings(learningRate: 5e-5).ToJson());

        Assert.Equal(["--learning-rate 0.0001 (LearningRate) differs from the checkpoint's 5E-05"], differences);
    }

    [Fact]
    public void Differences_OptionWithoutAFlag_IsNamedByItsOptionName()
    {
        var saved = Settings().ToJson();
        saved["optimizer"] = "5E-05/0.001/0.1/";

        Assert.Equal(["WeightDecay 0.01 differs from the checkpoint's 0.1"], Settings().Differences(saved));
    }

    [Fact]
    public void Differences_ObjectValue_IsNamedWithoutPrintingIt()
    {
        var saved = Settings().ToJson();
        saved["model"] = new JsonObject { ["hidden_size"] = 64 };

        Assert.Equal(["--model (the model) differs from the checkpoint's"], Settings().Differences(saved));
    }

    [Fact]
    public void Differences_OmittedOptionSetNow_OrSetInTheCheckpoint_IsReported()
    {
        Assert.Equal(["--rc-augment true (ReverseComplementAugment) differs from the checkpoint's (not set)"],
            Settings(rcAugment: true).Differences(Settings().ToJson()));
        Assert.Equal(["--rc-augment (not set) (ReverseComplementAugment) differs from the checkpoint's true"],
            Settings().Differences(Settings(rcAugment: true).ToJson()));
    }

    [Fact]
    public void Differences_SettingOnlyTheCheckpointHas_IsReportedByItsKey()
    {
        var saved = Settings().ToJson();
        saved["precision"] = "BFloat16";

        Assert.Equal(["the checkpoint has a setting 'precision' (BFloat16) that this run does not"], Settings().Differences(saved));
    }

    [Fact]
    public void EnsureMatches_TwoDifferences_ThrowsOneMessageNamingTheCheckpointBothOptionsAndTheAdvice()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Settings(learningRate: 1e-4, seed: 8).EnsureMatches(Settings().ToJson(), "ckpt/step-00000010", "Resume with the same settings."));

        Assert.Equal("ckpt/step-00000010 was written with other settings: --seed 8 (Seed) differs from the checkpoint's 42; "
            + "--learning-rate 0.0001 (LearningRate) differs from the checkpoint's 5E-05. Resume with the same settings.", error.Message);
    }

    [Fact]
    public void Set_SameKeyTwice_KeepsTheLastValue()
    {
        var settings = new ResumeSettings().Set("validation", false, new ResumeOption("validation data", "--validation"));
        settings.Set("validation", true, new ResumeOption("validation data", "--validation"));

        Assert.Equal("""{"validation":true}""", settings.ToJson().ToJsonString());
    }
}
