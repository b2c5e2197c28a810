using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class TensorCopierTests
{
    [Theory]
    [InlineData(1000L)]  // windows that are not a multiple of a row, nor of a page
    [InlineData(4L)]     // one element per window
    [InlineData(1L << 30)]
    public void Copy_AnyWindowSize_GivesTheSameValues(long chunkBytes)
    {
        using var file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using Tensor expected = file.ReadTensor("esm.embeddings.position_embeddings.weight");
        using Tensor target = full(1026, 64, float.NaN);

        TensorCopier.Copy(file.GetSource("esm.embeddings.position_embeddings.weight"), target, chunkBytes, CancellationToken.None);

        Assert.Equal(expected.data<float>().ToArray(), target.data<float>().ToArray());
    }

    [Fact]
    public void Copy_NonContiguousDestination_FillsTheView()
    {
        using var file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using Tensor expected = file.ReadTensor("lm_head.decoder.weight");
        using Tensor storage = zeros(64, 4105);
        using Tensor view = storage.t();

        TensorCopier.Copy(file.GetSource("lm_head.decoder.weight"), view, 4096, CancellationToken.None);

        Assert.False(view.is_contiguous());
        using Tensor contiguous = view.contiguous();
        Assert.Equal(expected.data<float>().ToArray(), contiguous.data<float>().ToArray());
    }

    [Fact]
    public void Copy_ConvertingIntoFloat64_UsesTheStagingBuffer()
    {
        using var file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using Tensor expected = file.ReadTensor("lm_head.bias");
        using Tensor target = empty(new long[] { 4105 }, ScalarType.Float64);

        TensorCopier.Copy(file.GetSource("lm_head.bias"), target, 100, CancellationToken.None);

        Assert.Equal(expected.data<float>().ToArray().Select(v => (double)v), target.data<double>().ToArray());
    }

    [Fact]
    public void Copy_CancelledToken_Throws()
    {
        using var file = SafeTensorsFile.Open(TinyModel.SafeTensors);
        using Tensor target = empty(4105);

        Assert.Throws<OperationCanceledException>(() =>
            TensorCopier.Copy(file.GetSource("lm_head.bias"), target, TensorCopier.DefaultChunkBytes, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Copy_EmptyTensor_DoesNothing()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("e.safetensors"), HandBuilt.SafeTensors("", ("e", "F32", [0, 5], [])));
        using var file = SafeTensorsFile.Open(temp.File("e.safetensors"));
        using Tensor target = empty(0, 5);

        TensorCopier.Copy(file.GetSource("e"), target, 16, CancellationToken.None);

        Assert.Equal(0, target.numel());
    }
}
