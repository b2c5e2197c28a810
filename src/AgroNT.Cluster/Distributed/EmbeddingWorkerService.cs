using AgroNT.Transforms.Embeddings;
using System.Diagnostics;
using AgroNT.Cluster.Sharding;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace AgroNT.Cluster.Distributed;

/// <summary>Options of the embedding worker that runs on every silo.</summary>
public sealed record EmbeddingWorkerOptions
{
    /// <summary>The device this silo's worker computes on: <c>cpu</c> or <c>cuda[:N]</c> (one silo per GPU).</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>ONNX Runtime intra-op threads (<c>onnx</c> jobs); null for its default. libtorch threads are set per process by the host.</summary>
    public int? OnnxThreads { get; set; }

    /// <summary>How long an idle worker waits before asking for work again.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// The worker on each silo: asks the registry for running jobs, leases a shard from a job grain, computes it with a
/// model loaded once per job spec on this silo's device, renews the lease while it works, and reports the result.
/// A shard whose lease is lost (cancelled job, or expired after a stall) is dropped; on shutdown the shard in hand is
/// given back at once.
/// </summary>
internal sealed class EmbeddingWorkerService(IGrainFactory grains, ILocalSiloDetails silo, IOptions<EmbeddingWorkerOptions> options, ILogger<EmbeddingWorkerService> logger) : BackgroundService
{
    private readonly EmbeddingWorkerOptions _options = options.Value;
    private IDnaEmbedder? _engine;
    private EmbeddingJobSpec? _engineSpec;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(4);

    private string WorkerName => $"{silo.SiloAddress}/{_options.Device}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registry = grains.GetGrain<IEmbeddingJobRegistryGrain>(0);
        var delay = _options.PollInterval;
        Stopwatch? failingFor = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool worked = false;
                try
                {
                    foreach (string jobId in await registry.GetJobsAsync())
                    {
                        var job = grains.GetGrain<IEmbeddingJobGrain>(jobId);
                        var coordination = Stopwatch.StartNew();
                        var lease = await job.LeaseShardAsync(WorkerName);
                        coordination.Stop();
                        if (failingFor is not null)
                        {
                            logger.LogWarning("Embedding worker {Worker}: cluster answering again after {Seconds:F1} s", WorkerName, failingFor.Elapsed.TotalSeconds);
                            failingFor = null;
                        }
                        if (lease is not null)
                        {
                            await RunLeaseAsync(job, lease, coordination.Elapsed, stoppingToken);
                            worked = true;
                            break;
                        }
                    }
                    delay = _options.PollInterval;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested && EmbeddingClusterJob.IsTransient(e))
                {
                    // A silo died (the registry's or a job grain's) and membership has not declared it dead yet, or Redis
                    // restarts: back off instead of hammering, one line per retry.
                    failingFor ??= Stopwatch.StartNew();
                    delay = TimeSpan.FromTicks(Math.Min(2 * delay.Ticks, MaxRetryDelay.Ticks));
                    logger.LogWarning("Embedding worker {Worker}: cluster not answering ({Error}); retrying in {Delay:0.#} s", WorkerName, EmbeddingClusterJob.Short(e), delay.TotalSeconds);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Embedding worker {Worker}: {Message}; retrying", WorkerName, e.Message);
                }
                if (!worked)
                {
                    await Task.Delay(failingFor is null ? _options.PollInterval : delay, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _engine?.Dispose();
            _engine = null;
        }
    }

    private async Task RunLeaseAsync(IEmbeddingJobGrain job, ShardLease lease, TimeSpan leaseCall, CancellationToken stoppingToken)
    {
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var coordination = new CoordinationClock(leaseCall);
        logger.LogInformation("Embedding worker {Worker}: computing shard {Shard} of {Job}", WorkerName, lease.ShardIndex, lease.JobId);
        var renewal = RenewAsync(job, lease, coordination, leaseLost);
        try
        {
            var outcome = await Task.Run(() =>
            {
                if (_engine is null || _engineSpec != lease.Spec)
                {
                    _engine?.Dispose();
                    _engine = null;
                    _engine = lease.Spec.OpenEmbedder(_options.Device, _options.OnnxThreads);
                    _engineSpec = lease.Spec;
                }
                return ShardProcessor.Process(lease.InputPath, lease.ToEntry(), lease.OutputFolder, _engine, leaseLost.Token);
            }, CancellationToken.None);
            await leaseLost.CancelAsync();
            await renewal;
            var clock = Stopwatch.StartNew();
            var report = new ShardReport
            {
                LeaseId = lease.LeaseId,
                ShardIndex = lease.ShardIndex,
                Worker = WorkerName,
                Rows = outcome.Rows,
                Sha256 = outcome.Sha256,
                ComputeSeconds = outcome.Seconds,
                // The report call itself is measured below and cannot be included in the report it carries.
                CoordinationSeconds = coordination.Seconds,
            };
            if (!await ReportAsync(job, lease, report, stoppingToken))
            {
                return;
            }
            logger.LogInformation("Embedding worker {Worker}: shard {Shard} of {Job} done ({Rows} rows, {Seconds:F2} s compute, {Coordination:F3} s coordination + {Report:F3} s report)",
                WorkerName, lease.ShardIndex, lease.JobId, outcome.Rows, outcome.Seconds, coordination.Seconds, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                await GiveBackAsync(job, lease, null);
            }
            else
            {
                logger.LogInformation("Embedding worker {Worker}: lease on shard {Shard} of {Job} lost; dropped", WorkerName, lease.ShardIndex, lease.JobId);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            await GiveBackAsync(job, lease, e.Message.ReplaceLineEndings(" "));
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewal;
        }
    }

    // Reports a finished shard, retrying while the job grain's silo is being declared dead; false when the report was
    // refused (another worker finished it first, or a fresh job grain does not hold the job yet: the shard is then
    // computed again, to the same bytes) or could not be delivered.
    private async Task<bool> ReportAsync(IEmbeddingJobGrain job, ShardLease lease, ShardReport report, CancellationToken stoppingToken)
    {
        var delay = _options.PollInterval;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await job.CompleteShardAsync(report))
                {
                    return true;
                }
                logger.LogInformation("Embedding worker {Worker}: the job grain did not take shard {Shard} of {Job} (done by another worker, or the job is being resubmitted)", WorkerName, lease.ShardIndex, lease.JobId);
                return false;
            }
            catch (Exception e) when (EmbeddingClusterJob.IsTransient(e) && !stoppingToken.IsCancellationRequested && clock.Elapsed < 2 * lease.Timeout)
            {
                delay = TimeSpan.FromTicks(Math.Min(2 * delay.Ticks, MaxRetryDelay.Ticks));
                logger.LogWarning("Embedding worker {Worker}: reporting shard {Shard} failed ({Error}); retrying in {Delay:0.#} s", WorkerName, lease.ShardIndex, EmbeddingClusterJob.Short(e), delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task GiveBackAsync(IEmbeddingJobGrain job, ShardLease lease, string? error)
    {
        try
        {
            await job.AbandonShardAsync(lease.LeaseId, WorkerName, error).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or InvalidOperationException or ObjectDisposedException)
        {
            logger.LogWarning("Embedding worker {Worker}: could not give shard {Shard} back ({Message}); its lease will expire", WorkerName, lease.ShardIndex, e.Message);
        }
    }

    private async Task RenewAsync(IEmbeddingJobGrain job, ShardLease lease, CoordinationClock coordination, CancellationTokenSource leaseLost)
    {
        var interval = lease.Timeout / 3;
        try
        {
            while (!leaseLost.IsCancellationRequested)
            {
                await Task.Delay(interval, leaseLost.Token);
                var clock = Stopwatch.StartNew();
                bool held;
                try
                {
                    held = await job.RenewLeaseAsync(lease.LeaseId);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The job grain may be moving after its silo died; keep computing and try again next interval.
                    logger.LogWarning("Embedding worker {Worker}: renewing shard {Shard} failed ({Error}); still computing, next try in {Delay:0.#} s", WorkerName, lease.ShardIndex, EmbeddingClusterJob.Short(e), interval.TotalSeconds);
                    continue;
                }
                coordination.Add(clock.Elapsed);
                if (!held)
                {
                    await leaseLost.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Time spent in grain calls for one shard; written by the renewal loop, read after it stops.</summary>
    private sealed class CoordinationClock(TimeSpan start)
    {
        private long _ticks = start.Ticks;

        public double Seconds => TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalSeconds;

        public void Add(TimeSpan span) => Interlocked.Add(ref _ticks, span.Ticks);
    }
}
