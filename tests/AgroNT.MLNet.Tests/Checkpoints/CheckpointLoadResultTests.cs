using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointLoadResultTests
{
    [Fact]
    public void Result_BinLoad_DescribesWhatWasRead()
    {
        using var scope = NewDisposeScope();
        var targets = CheckpointLoaderTests.EmptyTargets(TinyModel.StateDict());

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, TinyModel.Bin);

        Assert.Equal(Path.GetFullPath(TinyModel.Bin), result.CheckpointPath);
        Assert.Equal(CheckpointFormat.PyTorch, result.Format);
        Assert.Equal(44, result.LoadedTensorCount);
        Assert.Equal(TinyModel.StateDict().Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b)) * 4, result.LoadedBytes);
        Assert.Empty(result.SkippedCheckpointKeys);
        Assert.Empty(result.UnloadedModelKeys);
        Assert.True(result.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public void LoadInto_OpenReader_LeavesItOpen()
    {
        using var scope = NewDisposeScope();
        using CheckpointReader reader = CheckpointReader.Open(TinyModel.Folder);
        var targets = new Dictionary<string, Tensor> { ["lm_head.bias"] = empty(4105) };

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, reader,
            new CheckpointLoadOptions { IgnoredUnexpectedKeys = ["*"] });

        Assert.Equal(1, result.LoadedTensorCount);
        Assert.Equal(43, result.SkippedCheckpointKeys.Count);
        using Tensor again = reader.ReadTensor("lm_head.bias");
        Assert.Equal(again.data<float>().ToArray(), targets["lm_head.bias"].data<float>().ToArray());
    }
}
