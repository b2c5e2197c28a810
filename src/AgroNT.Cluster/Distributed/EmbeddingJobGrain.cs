using System.Collections.Immutable;
using System.Diagnostics;
using AgroNT.Cluster.Sharding;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AgroNT.Cluster.Distributed;

/// <summary>
/// Owns one job's manifest while it runs: hands out pending shards in order on leases, takes them back when a lease
/// expires (its silo died or stalled) or is abandoned, checks each finished file's checksum before marking it done,
/// and saves the manifest after every change. Its state is the manifest on disk plus in-memory leases, so if this
/// grain's silo dies the client's next poll resubmits and a fresh activation continues from the manifest.
/// </summary>
internal sealed class EmbeddingJobGrain(ILocalSiloDetails silo, IClusterMembershipService membership, ILogger<EmbeddingJobGrain> logger) : Grain, IEmbeddingJobGrain
{
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _failures = [];
    private readonly Dictionary<string, WorkerStatistics> _workers = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = new();
    private EmbeddingJobSubmission? _submission;
    private ShardManifest? _manifest;
    private EmbeddingJobState _state = EmbeddingJobState.NotSubmitted;
    private long _recordsThisSubmission;
    private int _expired;
    private string? _error;

    private string JobId => this.GetPrimaryKeyString();

    public async Task<EmbeddingJobProgress> SubmitAsync(EmbeddingJobSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (_state == EmbeddingJobState.Running && _submission?.Fingerprint == submission.Fingerprint)
        {
            return Snapshot();
        }
        var manifest = ShardManifest.TryLoad(submission.OutputFolder)
            ?? throw new InvalidOperationException($"'{submission.OutputFolder}' has no {ShardManifest.FileName} on this silo; plan the job first and put the folder on a filesystem every silo sees at the same path.");
        if (manifest.Fingerprint != submission.Fingerprint)
        {
            throw new InvalidOperationException($"'{submission.OutputFolder}' holds another job than the one submitted (fingerprints differ); use a new output folder.");
        }
        _submission = submission;
        _manifest = manifest;
        _leases.Clear();
        _failures.Clear();
        _workers.Clear();
        _recordsThisSubmission = 0;
        _expired = 0;
        _error = null;
        _clock.Restart();
        _state = manifest.IsComplete ? EmbeddingJobState.Completed : EmbeddingJobState.Running;
        var registry = GrainFactory.GetGrain<IEmbeddingJobRegistryGrain>(0);
        await (_state == EmbeddingJobState.Running ? registry.RegisterAsync(JobId) : registry.UnregisterAsync(JobId));
        logger.LogInformation("Job {Job}: taken by the job grain on {Silo}; {Done}/{Total} shards already done, state {State}", JobId, silo.SiloAddress, manifest.Shards.Count(s => s.Status == ShardStatus.Done), manifest.Shards.Count, _state);
        return Snapshot();
    }

    public Task<ShardLease?> LeaseShardAsync(string worker)
    {
        ExpireLeases();
        if (_state != EmbeddingJobState.Running || _manifest is null || _submission is null)
        {
            return Task.FromResult<ShardLease?>(null);
        }
        var taken = _leases.Values.Select(l => l.ShardIndex).ToHashSet();
        var shard = _manifest.Shards.FirstOrDefault(s => s.Status != ShardStatus.Done && !taken.Contains(s.Index));
        if (shard is null)
        {
            return Task.FromResult<ShardLease?>(null);
        }
        string id = Guid.NewGuid().ToString("N");
        _leases[id] = new Lease(shard.Index, worker, Stopwatch.GetTimestamp() + ToTicks(_submission.LeaseTimeout));
        return Task.FromResult<ShardLease?>(new ShardLease
        {
            LeaseId = id,
            JobId = JobId,
            InputPath = _manifest.InputPath,
            OutputFolder = _submission.OutputFolder,
            Spec = _manifest.Spec,
            ShardIndex = shard.Index,
            FirstRecord = shard.FirstRecord,
            RecordCount = shard.RecordCount,
            File = shard.File,
            Timeout = _submission.LeaseTimeout,
            ByteOffset = shard.ByteOffset,
        });
    }

    public Task<bool> RenewLeaseAsync(string leaseId)
    {
        ExpireLeases();
        if (_state != EmbeddingJobState.Running || _submission is null || !_leases.TryGetValue(leaseId, out var lease))
        {
            return Task.FromResult(false);
        }
        _leases[leaseId] = lease with { ExpiresAt = Stopwatch.GetTimestamp() + ToTicks(_submission.LeaseTimeout) };
        return Task.FromResult(true);
    }

    public async Task<bool> CompleteShardAsync(ShardReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _leases.Remove(report.LeaseId);
        if (_manifest is null || _submission is null || _state is EmbeddingJobState.NotSubmitted)
        {
            return false;
        }
        var shard = _manifest.Shards[report.ShardIndex];
        if (shard.Status == ShardStatus.Done)
        {
            // A worker whose lease expired finished anyway: its file is the same bytes, the first report stands.
            return false;
        }
        string file = Path.Combine(_submission.OutputFolder, shard.File);
        if (report.Rows != shard.RecordCount || !File.Exists(file) || ShardPlanner.FileSha256(file) != report.Sha256)
        {
            logger.LogWarning("Job {Job}: shard {Shard} reported by {Worker} does not match its file; it stays pending", JobId, shard.Index, report.Worker);
            return false;
        }
        foreach (var other in _leases.Where(l => l.Value.ShardIndex == shard.Index).Select(l => l.Key).ToList())
        {
            _leases.Remove(other);
        }
        _manifest = _manifest.WithShard(shard with
        {
            Status = ShardStatus.Done,
            Rows = report.Rows,
            Sha256 = report.Sha256,
            Worker = report.Worker,
            Seconds = report.ComputeSeconds,
            CompletedUtc = DateTimeOffset.UtcNow,
        });
        _manifest.Save(_submission.OutputFolder);
        _recordsThisSubmission += report.Rows;
        var stats = _workers.GetValueOrDefault(report.Worker) ?? new WorkerStatistics { Worker = report.Worker };
        _workers[report.Worker] = stats with
        {
            Shards = stats.Shards + 1,
            Records = stats.Records + report.Rows,
            ComputeSeconds = stats.ComputeSeconds + report.ComputeSeconds,
            CoordinationSeconds = stats.CoordinationSeconds + report.CoordinationSeconds,
        };
        if (_manifest.IsComplete && _state == EmbeddingJobState.Running)
        {
            _state = EmbeddingJobState.Completed;
            _clock.Stop();
            await GrainFactory.GetGrain<IEmbeddingJobRegistryGrain>(0).UnregisterAsync(JobId);
            logger.LogInformation("Job {Job}: all {Total} shards done in {Seconds:F1} s", JobId, _manifest.Shards.Count, _clock.Elapsed.TotalSeconds);
        }
        return true;
    }

    public async Task AbandonShardAsync(string leaseId, string worker, string? error)
    {
        if (!_leases.Remove(leaseId, out var lease) || error is null || _submission is null)
        {
            return;
        }
        int failures = _failures[lease.ShardIndex] = _failures.GetValueOrDefault(lease.ShardIndex) + 1;
        logger.LogWarning("Job {Job}: shard {Shard} failed on {Worker} (attempt {Attempt}): {Error}", JobId, lease.ShardIndex, worker, failures, error);
        if (failures >= _submission.MaxAttemptsPerShard && _state == EmbeddingJobState.Running)
        {
            _state = EmbeddingJobState.Failed;
            _error = $"Shard {lease.ShardIndex} failed {failures} times; last error on {worker}: {error}";
            _leases.Clear();
            await GrainFactory.GetGrain<IEmbeddingJobRegistryGrain>(0).UnregisterAsync(JobId);
        }
    }

    public Task<EmbeddingJobProgress> GetProgressAsync()
    {
        ExpireLeases();
        return Task.FromResult(Snapshot());
    }

    public async Task CancelAsync()
    {
        if (_state == EmbeddingJobState.Running)
        {
            _state = EmbeddingJobState.Cancelled;
            _leases.Clear();
            _clock.Stop();
        }
        await GrainFactory.GetGrain<IEmbeddingJobRegistryGrain>(0).UnregisterAsync(JobId);
    }

    private void ExpireLeases()
    {
        long now = Stopwatch.GetTimestamp();
        foreach (var (id, lease) in _leases.Where(l => l.Value.ExpiresAt < now).ToList())
        {
            _leases.Remove(id);
            _expired++;
            logger.LogWarning("Job {Job}: the lease of shard {Shard} held by {Worker} expired; the shard goes back to the queue", JobId, lease.ShardIndex, lease.Worker);
        }
    }

    private EmbeddingJobProgress Snapshot()
    {
        if (_manifest is null)
        {
            return new EmbeddingJobProgress { JobId = JobId, State = _state, Host = silo.SiloAddress.ToString(), Silos = ActiveSilos() };
        }
        long done = _manifest.Shards.Where(s => s.Status == ShardStatus.Done).Sum(s => s.RecordCount);
        double seconds = _clock.Elapsed.TotalSeconds;
        TimeSpan? eta = _recordsThisSubmission > 0 && seconds > 0
            ? TimeSpan.FromSeconds((_manifest.TotalRecords - done) / (_recordsThisSubmission / seconds))
            : null;
        return new EmbeddingJobProgress
        {
            JobId = JobId,
            State = _state,
            ShardsTotal = _manifest.Shards.Count,
            ShardsDone = _manifest.Shards.Count(s => s.Status == ShardStatus.Done),
            Running = [.. _leases.Values.OrderBy(l => l.ShardIndex).Select(l => new RunningShard(l.ShardIndex, l.Worker))],
            RecordsTotal = _manifest.TotalRecords,
            RecordsDone = done,
            Elapsed = _clock.Elapsed,
            Eta = _state == EmbeddingJobState.Completed ? TimeSpan.Zero : eta,
            Workers = [.. _workers.Values.OrderBy(w => w.Worker, StringComparer.Ordinal)],
            ExpiredLeases = _expired,
            Error = _error,
            Host = silo.SiloAddress.ToString(),
            Silos = ActiveSilos(),
        };
    }

    private ImmutableArray<string> ActiveSilos() =>
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToString()).Order(StringComparer.Ordinal)];

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private sealed record Lease(int ShardIndex, string Worker, long ExpiresAt);
}
