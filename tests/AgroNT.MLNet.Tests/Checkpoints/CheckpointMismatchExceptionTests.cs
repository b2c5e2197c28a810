using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointMismatchExceptionTests
{
    [Fact]
    public void Message_ManyMissingKeys_ListsTheFirstTwentyAndCountsTheRest()
    {
        var missing = Enumerable.Range(0, 25).Select(i => $"esm.encoder.layer.{i}.output.dense.weight").ToList();

        var error = new CheckpointMismatchException("/m/model.safetensors", missing, ["extra.weight"], []);

        Assert.Contains("The checkpoint /m/model.safetensors does not fit the model: 25 missing, 1 unexpected, 0 mis-shaped", error.Message);
        Assert.Contains("Missing from the checkpoint (25):", error.Message);
        Assert.Contains("esm.encoder.layer.19.output.dense.weight", error.Message);
        Assert.DoesNotContain("esm.encoder.layer.20.output.dense.weight", error.Message);
        Assert.Contains("... and 5 more", error.Message);
        Assert.Contains("Not in the model (unexpected) (1):\n  extra.weight", error.Message.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("Shapes differ", error.Message);
        Assert.Equal(25, error.MissingKeys.Count);
        Assert.Equal("/m/model.safetensors", error.CheckpointPath);
    }

    [Fact]
    public void Message_ShapeMismatch_ShowsExpectedAndFound()
    {
        var error = new CheckpointMismatchException("c", [], [], [new CheckpointShapeMismatch("w", [2, 2], [3])]);

        Assert.Contains("Shapes differ (1):", error.Message);
        Assert.Contains("w: model [2, 2], checkpoint [3]", error.Message);
        Assert.Contains("Nothing was loaded", error.Message);
    }
}
