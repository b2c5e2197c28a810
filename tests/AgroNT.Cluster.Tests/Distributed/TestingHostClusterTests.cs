using AgroNT.Cluster.Distributed;
using AgroNT.Cluster.Sharding;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace AgroNT.Cluster.Tests.Distributed;

/// <summary>Three in-process silos (Orleans TestingHost), each running the embedding worker.</summary>
public sealed class TestingHostClusterTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static EmbeddingJobSpec Spec => new() { ModelFolder = ClusterTestData.TinyModel };

    private static async Task<TestCluster> StartClusterAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<WorkerSilo>();
        builder.AddClientBuilderConfigurator<FastClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    [Fact]
    public async Task Job_ThreeSilos_EveryShardDoneAndMergeEqualsSingleProcessEmbed()
    {
        await using var cluster = await StartClusterAsync();
        // The chloroplast task's training sequences: 1,204 records, 5 shards of whole 256-record chunks.
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("job");

        var final = await EmbeddingClusterJob.RunAsync(cluster.Client, input, Spec, 5, folder, new ClusterJobOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        ShardMerger.Merge(folder, _temp.Sub("merged.parquet"));

        Assert.Equal(EmbeddingJobState.Completed, final.State);
        Assert.Equal((5, 1204L), (final.ShardsDone, final.RecordsDone));
        Assert.Equal(1204, final.Workers.Sum(w => w.Records));
        Assert.All(final.Workers, w => Assert.True(w.RecordsPerSecond > 0));
        var silos = cluster.Silos.Select(s => s.SiloAddress.ToString()).ToList();
        Assert.All(ShardManifest.TryLoad(folder)!.Shards, s => Assert.Contains(silos, silo => s.Worker!.StartsWith(silo, StringComparison.Ordinal)));
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), _temp.Sub("merged.parquet"));
    }

    [Fact]
    public async Task Job_SiloKilledWhileHoldingAShard_CompletesWithEveryRecordExactlyOnce()
    {
        await using var cluster = await StartClusterAsync();
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("job");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var options = new ClusterJobOptions { LeaseTimeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(100) };
        var job = Task.Run(() => EmbeddingClusterJob.RunAsync(cluster.Client, input, Spec, 5, folder, options, cancellationToken: timeout.Token));

        // Kill a secondary silo as soon as it holds a shard (the primary hosts the test cluster's membership table).
        var grain = cluster.Client.GetGrain<IEmbeddingJobGrain>(EmbeddingClusterJob.JobId(folder));
        SiloHandle? victim = null;
        while (victim is null && !job.IsCompleted)
        {
            var progress = await grain.GetProgressAsync();
            victim = cluster.SecondarySilos.FirstOrDefault(s => progress.Running.Any(r => r.Worker.StartsWith(s.SiloAddress.ToString(), StringComparison.Ordinal)));
            await Task.Delay(10);
        }
        Assert.NotNull(victim);
        await cluster.KillSiloAsync(victim);
        var final = await job;

        Assert.Equal(EmbeddingJobState.Completed, final.State);
        var manifest = ShardManifest.TryLoad(folder)!;
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Done, s.Status));
        ShardMerger.Merge(folder, _temp.Sub("merged.parquet"));
        var merged = AgroNT.MLNet.EmbeddingFiles.EmbeddingFileReader.Read(_temp.Sub("merged.parquet")).Select(r => r.Id).ToList();
        Assert.Equal(ClusterTestData.InputNames(input), merged);
        Assert.Equal(merged.Count, merged.Distinct().Count());
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), _temp.Sub("merged.parquet"));
    }

    [Fact]
    public async Task Cancel_FromAnotherClient_StopsTheJobAndKeepsFinishedShards()
    {
        await using var cluster = await StartClusterAsync();
        string input = ClusterTestData.Chloroplast("train");
        string folder = _temp.Sub("job");
        var job = Task.Run(() => EmbeddingClusterJob.RunAsync(cluster.Client, input, Spec, 5, folder, new ClusterJobOptions { PollInterval = TimeSpan.FromMilliseconds(50) }));
        var grain = cluster.Client.GetGrain<IEmbeddingJobGrain>(EmbeddingClusterJob.JobId(folder));
        while ((await grain.GetProgressAsync()).ShardsDone < 1)
        {
            await Task.Delay(20);
        }

        await grain.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job);
        Assert.Contains("cancelled by a client", e.Message);
        var progress = await grain.GetProgressAsync();
        Assert.Equal(EmbeddingJobState.Cancelled, progress.State);
        Assert.Empty(progress.Running);
        Assert.True(progress.ShardsDone < progress.ShardsTotal);
        Assert.Null(await grain.LeaseShardAsync("late worker"));
    }

    private sealed class WorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddAgroNTEmbeddingWorker(o => o.PollInterval = TimeSpan.FromMilliseconds(50));
            // Declare a killed silo dead within a few seconds instead of the production defaults.
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        }
    }

    private sealed class FastClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
    }
}
