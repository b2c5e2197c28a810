using AgroNT.MLNet.Checkpoints;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointTensorInfoTests
{
    [Fact]
    public void ElementCountAndByteCount_Matrix_AreProductAndBytes()
    {
        var info = new CheckpointTensorInfo("w", ScalarType.BFloat16, [4105, 1500]);

        Assert.Equal(4105L * 1500, info.ElementCount);
        Assert.Equal(4105L * 1500 * 2, info.ByteCount);
    }

    [Fact]
    public void ElementCount_Scalar_IsOne()
    {
        Assert.Equal(1, new CheckpointTensorInfo("s", ScalarType.Float32, []).ElementCount);
    }

    [Fact]
    public void Equals_SameValuesInDifferentLists_AreEqual()
    {
        var a = new CheckpointTensorInfo("w", ScalarType.Float32, new long[] { 2, 3 });
        var b = new CheckpointTensorInfo("w", ScalarType.Float32, new List<long> { 2, 3 });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Shape = [3, 2] });
        Assert.NotEqual(a, b with { DType = ScalarType.Float16 });
    }

    [Fact]
    public void ToString_Matrix_ShowsNameTypeAndShape()
    {
        Assert.Equal("lm_head.decoder.weight: Float32 [4105, 64]",
            new CheckpointTensorInfo("lm_head.decoder.weight", ScalarType.Float32, [4105, 64]).ToString());
    }
}
