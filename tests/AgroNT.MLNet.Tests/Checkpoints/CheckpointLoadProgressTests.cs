using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class CheckpointLoadProgressTests
{
    [Fact]
    public void Progress_TinyModelLoad_ReportsEveryTensorUpToTheTotals()
    {
        using var scope = NewDisposeScope();
        var targets = CheckpointLoaderTests.EmptyTargets(TinyModel.StateDict());
        var reports = new Recorder();

        CheckpointLoader.LoadInto(targets, TinyModel.Folder, new CheckpointLoadOptions { Progress = reports });

        Assert.Equal(44, reports.Items.Count);
        Assert.Equal(Enumerable.Range(1, 44), reports.Items.Select(r => r.TensorsDone));
        Assert.All(reports.Items, r => Assert.Equal(44, r.TensorCount));
        CheckpointLoadProgress last = reports.Items[^1];
        Assert.Equal(last.ByteCount, last.BytesDone);
        Assert.Equal(2670968 - 8 - 4648, last.ByteCount);
        Assert.Equal("lm_head.layer_norm.weight", last.LastTensor); // data order
    }

    /// <summary>Records synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Recorder : IProgress<CheckpointLoadProgress>
    {
        public List<CheckpointLoadProgress> Items { get; } = [];

        public void Report(CheckpointLoadProgress value) => Items.Add(value);
    }
}
