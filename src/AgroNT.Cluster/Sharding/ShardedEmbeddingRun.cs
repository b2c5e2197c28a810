using AgroNT.Transforms.Embeddings;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgroNT.Cluster.Sharding;

/// <summary>Where the workers of a one-machine sharded run compute.</summary>
public sealed record ShardedRunOptions
{
    /// <summary>One worker per entry (<c>cpu</c>, <c>cuda:0</c>, ...); repeat <c>cpu</c> for several CPU workers. Default: one CPU worker.</summary>
    public IReadOnlyList<string> Devices { get; init; } = ["cpu"];

    /// <summary>ONNX Runtime intra-op threads per worker; null for its default.</summary>
    public int? OnnxThreads { get; init; }
}

/// <summary>Progress of a sharded run, reported after each shard.</summary>
/// <param name="ShardsDone">Shards done, skipped ones included.</param>
/// <param name="ShardsTotal">Shards in the job.</param>
/// <param name="RecordsDone">Records in done shards.</param>
/// <param name="RecordsTotal">Records in the job.</param>
/// <param name="RecordsPerSecond">Records computed by this run per second of its wall time.</param>
/// <param name="Eta">Estimated time left at that rate; null before the first computed shard.</param>
/// <param name="Finished">The shard just finished.</param>
public sealed record ShardedRunProgress(int ShardsDone, int ShardsTotal, long RecordsDone, long RecordsTotal, double RecordsPerSecond, TimeSpan? Eta, ShardEntry Finished);

/// <summary>How a sharded run ended.</summary>
/// <param name="Manifest">The final manifest (every shard done).</param>
/// <param name="ShardsComputed">Shards this run computed.</param>
/// <param name="ShardsSkipped">Shards already done by an earlier run and left untouched.</param>
/// <param name="Elapsed">Wall time of this run, planning included.</param>
public sealed record ShardedRunResult(ShardManifest Manifest, int ShardsComputed, int ShardsSkipped, TimeSpan Elapsed);

/// <summary>
/// <c>agront embed --shards N</c> on one machine: plans (or resumes) the job in its output folder, then workers, one
/// per configured device, take pending shards in order and write each one's Parquet file; the manifest is updated
/// after every shard, so a crash or Ctrl+C loses at most the shards in flight and a rerun skips the finished ones.
/// </summary>
public static class ShardedEmbeddingRun
{
    /// <summary>Runs (or resumes) the job until every shard is done.</summary>
    /// <param name="inputPath">The input file.</param>
    /// <param name="spec">How records are embedded.</param>
    /// <param name="shardCount">Shards to split the input into.</param>
    /// <param name="outputFolder">Where the shard files and <c>manifest.json</c> go.</param>
    /// <param name="options">Workers; by default one on the CPU.</param>
    /// <param name="progress">Called after each shard (from a worker thread).</param>
    /// <param name="cancellationToken">Stops the workers; finished shards stay done.</param>
    /// <returns>What was computed and skipped.</returns>
    public static ShardedRunResult Run(string inputPath, EmbeddingJobSpec spec, int shardCount, string outputFolder,
        ShardedRunOptions? options = null, IProgress<ShardedRunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new ShardedRunOptions();
        if (options.Devices.Count == 0)
        {
            throw new ArgumentException("A sharded run needs at least one device.", nameof(options));
        }
        var clock = Stopwatch.StartNew();
        var manifest = ShardPlanner.Prepare(inputPath, spec, shardCount, outputFolder);
        var pending = new ConcurrentQueue<ShardEntry>(manifest.Shards.Where(s => s.Status != ShardStatus.Done));
        int skipped = manifest.Shards.Count - pending.Count, computed = 0;
        long computedRecords = 0;
        var gate = new object();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Work(string device, int slot)
        {
            IDnaEmbedder? engine = null;
            try
            {
                string worker = $"{Environment.MachineName}/pid{Environment.ProcessId}/{device}#{slot}";
                while (!failed.IsCancellationRequested && pending.TryDequeue(out var shard))
                {
                    engine ??= manifest.Spec.OpenEmbedder(device, options.OnnxThreads);
                    var outcome = ShardProcessor.Process(manifest.InputPath, shard, outputFolder, engine, failed.Token);
                    var done = shard with { Status = ShardStatus.Done, Rows = outcome.Rows, Sha256 = outcome.Sha256, Worker = worker, Seconds = outcome.Seconds, CompletedUtc = DateTimeOffset.UtcNow };
                    lock (gate)
                    {
                        manifest = manifest.WithShard(done);
                        manifest.Save(outputFolder);
                        computed++;
                        computedRecords += done.RecordCount;
                        int shardsDone = manifest.Shards.Count(s => s.Status == ShardStatus.Done);
                        long recordsDone = manifest.Shards.Where(s => s.Status == ShardStatus.Done).Sum(s => s.RecordCount);
                        double rate = computedRecords / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds((manifest.TotalRecords - recordsDone) / rate) : null;
                        progress?.Report(new ShardedRunProgress(shardsDone, manifest.Shards.Count, recordsDone, manifest.TotalRecords, rate, eta, done));
                    }
                }
            }
            catch
            {
                failed.Cancel();
                throw;
            }
            finally
            {
                engine?.Dispose();
            }
        }

        var workers = options.Devices.Select((device, slot) => Task.Factory.StartNew(() => Work(device, slot), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try
        {
            Task.WaitAll(workers);
        }
        catch (AggregateException e)
        {
            // The first real error, not the cancellations it caused in the other workers.
            var first = e.InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new ShardedRunResult(manifest, computed, skipped, clock.Elapsed);
    }
}
