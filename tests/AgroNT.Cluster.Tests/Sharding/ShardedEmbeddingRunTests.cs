using AgroNT.Cli;
using AgroNT.Cluster.Sharding;

namespace AgroNT.Cluster.Tests.Sharding;

public sealed class ShardedEmbeddingRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static EmbeddingJobSpec Spec => new() { ModelFolder = ClusterTestData.TinyModel };

    [Fact]
    public void Run_TwoWorkersMixedLengths_MergeEqualsSingleProcessEmbedBitForBit()
    {
        string input = ClusterTestData.WriteMixedLengthFasta(_temp.Path, 700);
        string folder = _temp.Sub("job");

        var result = ShardedEmbeddingRun.Run(input, Spec, 7, folder, new ShardedRunOptions { Devices = ["cpu", "cpu"] });
        long rows = ShardMerger.Merge(folder, _temp.Sub("merged.parquet"));

        // 700 records make 3 chunks of up to 256, so at most 3 shards.
        Assert.Equal((3, 0, 700L), (result.ShardsComputed, result.ShardsSkipped, rows));
        Assert.All(result.Manifest.Shards, s => Assert.Equal(s.RecordCount, s.Rows));
        Assert.Equal(2, result.Manifest.Shards.Select(s => s.Worker).Distinct().Count());
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), _temp.Sub("merged.parquet"));
    }

    [Fact]
    public void Run_StoppedAfterTwoShardsThenRerun_SkipsFinishedShardsAndCompletesIdentically()
    {
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("job");
        using var stop = new CancellationTokenSource();
        var stopAfterTwo = new CallbackProgress(p =>
        {
            if (p.ShardsDone == 2)
            {
                stop.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => ShardedEmbeddingRun.Run(input, Spec, 5, folder, progress: stopAfterTwo, cancellationToken: stop.Token));
        var interrupted = ShardManifest.TryLoad(folder)!;
        var finished = interrupted.Shards.Where(s => s.Status == ShardStatus.Done).ToList();
        var writeTimes = finished.ToDictionary(s => s.Index, s => File.GetLastWriteTimeUtc(Path.Combine(folder, s.File)));
        Assert.Equal(2, finished.Count);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp-*"));

        var result = ShardedEmbeddingRun.Run(input, Spec, 5, folder);

        Assert.Equal((3, 2), (result.ShardsComputed, result.ShardsSkipped));
        foreach (var shard in finished)
        {
            Assert.Equal(writeTimes[shard.Index], File.GetLastWriteTimeUtc(Path.Combine(folder, shard.File)));
            Assert.Equal(shard.CompletedUtc, result.Manifest.Shards[shard.Index].CompletedUtc);
        }
        ShardMerger.Merge(folder, _temp.Sub("merged.parquet"));
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), _temp.Sub("merged.parquet"));
    }

    [Fact]
    public void Run_DoneShardFileDeletedOrAltered_RecomputesOnlyThoseShards()
    {
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("job");
        var first = ShardedEmbeddingRun.Run(input, Spec, 4, folder);
        File.Delete(Path.Combine(folder, first.Manifest.Shards[1].File));
        File.AppendAllText(Path.Combine(folder, first.Manifest.Shards[3].File), "x");

        var second = ShardedEmbeddingRun.Run(input, Spec, 4, folder);

        Assert.Equal((2, 2), (second.ShardsComputed, second.ShardsSkipped));
        Assert.Equal(first.Manifest.Shards[1].Sha256, second.Manifest.Shards[1].Sha256);
        Assert.Equal(first.Manifest.Shards[3].Sha256, second.Manifest.Shards[3].Sha256);
    }

    [Fact]
    public void Merge_UnfinishedJob_ThrowsSayingToRerun()
    {
        string folder = _temp.Sub("job");
        ShardPlanner.Prepare(ClusterTestData.Chloroplast("train"), Spec, 3, folder);

        var e = Assert.Throws<InvalidOperationException>(() => ShardMerger.Merge(folder, _temp.Sub("m.parquet")));

        Assert.Contains("3 of 3 shards are not done", e.Message);
        Assert.False(File.Exists(_temp.Sub("m.parquet")));
    }

    [Fact]
    public void Cli_EmbedShardsTwiceWithMerge_SecondRunComputesNothingAndOutputsMatch()
    {
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("cli-job");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int first = CliApp.Run(["embed", "--model", ClusterTestData.TinyModel, "-i", input, "-o", folder, "--shards", "3", "--workers", "2", "--merge", _temp.Sub("a.parquet")], stdout, stderr);
        int second = CliApp.Run(["embed", "--model", ClusterTestData.TinyModel, "-i", input, "-o", folder, "--shards", "3", "--merge", _temp.Sub("b.jsonl")], stdout, stderr);

        Assert.True(first == 0 && second == 0, stderr.ToString());
        Assert.Contains("3 computed, 0 already done", stdout.ToString());
        Assert.Contains("0 computed, 3 already done", stdout.ToString());
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), _temp.Sub("a.parquet"));
        ClusterTestData.AssertIdentical(_temp.Sub("a.parquet"), _temp.Sub("b.jsonl"));
    }

    [Fact]
    public void Cli_ShardsWithFileOutput_UsageErrorNamingTheFix()
    {
        var stderr = new StringWriter();

        int code = CliApp.Run(["embed", "--model", ClusterTestData.TinyModel, "-i", ClusterTestData.Chloroplast("test"), "-o", _temp.Sub("x.parquet"), "--shards", "2"], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.Contains("-o names a folder", stderr.ToString());
        Assert.Contains("--merge FILE", stderr.ToString());
    }

    private sealed class CallbackProgress(Action<ShardedRunProgress> callback) : IProgress<ShardedRunProgress>
    {
        public void Report(ShardedRunProgress value) => callback(value);
    }
}
