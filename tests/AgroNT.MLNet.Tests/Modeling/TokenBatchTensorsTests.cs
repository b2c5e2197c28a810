using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Modeling;

public sealed class TokenBatchTensorsTests
{
    [Fact]
    public void ToTensors_PaddedBatch_GivesInt64IdsAndMaskOfShapeCountBySequenceLength()
    {
        TokenBatch batch = TokenBatch.Pad([[3, 4100, 4101], [3]], padId: 1);

        using var scope = NewDisposeScope();
        var (ids, mask) = batch.ToTensors(CPU);

        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(ScalarType.Int64, mask.dtype);
        Assert.Equal([2L, 3], ids.shape);
        Assert.Equal([2L, 3], mask.shape);
        Assert.Equal([3L, 4100, 4101, 3, 1, 1], ids.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 0, 0], mask.data<long>().ToArray());
    }
}
