using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointShapeMismatchTests
{
    [Fact]
    public void ToString_Mismatch_ShowsBothShapes()
    {
        var mismatch = new CheckpointShapeMismatch("esm.embeddings.word_embeddings.weight", [4105, 1500], [4105, 64]);

        Assert.Equal("esm.embeddings.word_embeddings.weight: model [4105, 1500], checkpoint [4105, 64]", mismatch.ToString());
    }
}
