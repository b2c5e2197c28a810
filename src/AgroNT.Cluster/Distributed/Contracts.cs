using System.Collections.Immutable;
using AgroNT.Cluster.Sharding;

namespace AgroNT.Cluster.Distributed;

/// <summary>Where a distributed embedding job stands.</summary>
[GenerateSerializer]
public enum EmbeddingJobState
{
    /// <summary>The job grain holds no job (never submitted, or its silo died and nobody has resubmitted it yet).</summary>
    NotSubmitted,

    /// <summary>Shards are being handed out.</summary>
    Running,

    /// <summary>Every shard is done.</summary>
    Completed,

    /// <summary>A client cancelled it; finished shards stay done and a resubmission continues from them.</summary>
    Cancelled,

    /// <summary>A shard failed on every attempt; <see cref="EmbeddingJobProgress.Error"/> says why.</summary>
    Failed,
}

/// <summary>What a client hands the job grain: the folder whose manifest (already planned) describes the job.</summary>
[GenerateSerializer, Immutable]
public sealed record EmbeddingJobSubmission
{
    /// <summary>The job's output folder, on a filesystem every silo sees at this path.</summary>
    [Id(0)]
    public required string OutputFolder { get; init; }

    /// <summary>The manifest's fingerprint the client planned; the grain refuses a folder holding another job.</summary>
    [Id(1)]
    public required string Fingerprint { get; init; }

    /// <summary>A shard whose worker has not renewed its lease for this long is handed to another worker.</summary>
    [Id(2)]
    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Failed attempts (errors, not lost leases) after which a shard fails the job.</summary>
    [Id(3)]
    public int MaxAttemptsPerShard { get; init; } = 3;
}

/// <summary>A shard handed to one worker until <see cref="Timeout"/> passes without a renewal.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardLease
{
    /// <summary>Unique id of this hand-out.</summary>
    [Id(0)]
    public required string LeaseId { get; init; }

    /// <summary>The job grain's key.</summary>
    [Id(1)]
    public required string JobId { get; init; }

    /// <summary>The input file.</summary>
    [Id(2)]
    public required string InputPath { get; init; }

    /// <summary>The job's output folder.</summary>
    [Id(3)]
    public required string OutputFolder { get; init; }

    /// <summary>How records are embedded.</summary>
    [Id(4)]
    public required EmbeddingJobSpec Spec { get; init; }

    /// <summary>The shard's index.</summary>
    [Id(5)]
    public required int ShardIndex { get; init; }

    /// <summary>Its first record.</summary>
    [Id(6)]
    public required long FirstRecord { get; init; }

    /// <summary>Its record count.</summary>
    [Id(7)]
    public required long RecordCount { get; init; }

    /// <summary>Its file name inside <see cref="OutputFolder"/>.</summary>
    [Id(8)]
    public required string File { get; init; }

    /// <summary>Renew before this much time passes.</summary>
    [Id(9)]
    public required TimeSpan Timeout { get; init; }

    /// <summary>Byte offset of its first record in a plain FASTA input (see <see cref="ShardEntry.ByteOffset"/>).</summary>
    [Id(10)]
    public long? ByteOffset { get; init; }

    /// <summary>The shard as a manifest entry, for <see cref="ShardProcessor"/>.</summary>
    public ShardEntry ToEntry() => new() { Index = ShardIndex, FirstRecord = FirstRecord, RecordCount = RecordCount, File = File, ByteOffset = ByteOffset };
}

/// <summary>A worker's report of a finished shard.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardReport
{
    /// <summary>The lease it was computed under.</summary>
    [Id(0)]
    public required string LeaseId { get; init; }

    /// <summary>The shard.</summary>
    [Id(1)]
    public required int ShardIndex { get; init; }

    /// <summary>The worker (silo address and device).</summary>
    [Id(2)]
    public required string Worker { get; init; }

    /// <summary>Rows written.</summary>
    [Id(3)]
    public required long Rows { get; init; }

    /// <summary>SHA-256 of the file written.</summary>
    [Id(4)]
    public required string Sha256 { get; init; }

    /// <summary>Seconds reading, embedding and writing.</summary>
    [Id(5)]
    public required double ComputeSeconds { get; init; }

    /// <summary>Seconds the worker spent in grain calls for this shard (lease, renewals, this report's predecessor calls).</summary>
    [Id(6)]
    public required double CoordinationSeconds { get; init; }
}

/// <summary>What one worker has done for a job.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStatistics
{
    /// <summary>The worker (silo address and device).</summary>
    [Id(0)]
    public required string Worker { get; init; }

    /// <summary>Shards it finished.</summary>
    [Id(1)]
    public int Shards { get; init; }

    /// <summary>Records in them.</summary>
    [Id(2)]
    public long Records { get; init; }

    /// <summary>Seconds it spent computing them.</summary>
    [Id(3)]
    public double ComputeSeconds { get; init; }

    /// <summary>Seconds it spent in grain calls for them.</summary>
    [Id(4)]
    public double CoordinationSeconds { get; init; }

    /// <summary>Records per second of its compute time.</summary>
    public double RecordsPerSecond => ComputeSeconds > 0 ? Records / ComputeSeconds : 0;
}

/// <summary>A shard out on lease.</summary>
/// <param name="ShardIndex">The shard.</param>
/// <param name="Worker">Who holds it.</param>
[GenerateSerializer, Immutable]
public sealed record RunningShard([property: Id(0)] int ShardIndex, [property: Id(1)] string Worker);

/// <summary>A snapshot of a job, from any client.</summary>
[GenerateSerializer, Immutable]
public sealed record EmbeddingJobProgress
{
    /// <summary>The job grain's key (the output folder).</summary>
    [Id(0)]
    public required string JobId { get; init; }

    /// <summary>Where the job stands.</summary>
    [Id(1)]
    public EmbeddingJobState State { get; init; }

    /// <summary>Shards in the job.</summary>
    [Id(2)]
    public int ShardsTotal { get; init; }

    /// <summary>Shards done (including those done before this submission).</summary>
    [Id(3)]
    public int ShardsDone { get; init; }

    /// <summary>Shards out on lease.</summary>
    [Id(4)]
    public ImmutableArray<RunningShard> Running { get; init; } = [];

    /// <summary>Records in the job.</summary>
    [Id(5)]
    public long RecordsTotal { get; init; }

    /// <summary>Records in done shards.</summary>
    [Id(6)]
    public long RecordsDone { get; init; }

    /// <summary>Time since the job grain took the job.</summary>
    [Id(7)]
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time left at the rate of this submission; null before its first shard.</summary>
    [Id(8)]
    public TimeSpan? Eta { get; init; }

    /// <summary>Per-worker figures of this submission.</summary>
    [Id(9)]
    public ImmutableArray<WorkerStatistics> Workers { get; init; } = [];

    /// <summary>Leases that expired (their worker died or stalled) and whose shard went back to the queue.</summary>
    [Id(10)]
    public int ExpiredLeases { get; init; }

    /// <summary>Why the job failed, when it did.</summary>
    [Id(11)]
    public string? Error { get; init; }

    /// <summary>The silo the job grain runs on (its address, as workers are named); a client names it when that silo is lost.</summary>
    [Id(12)]
    public string? Host { get; init; }

    /// <summary>The silos the job grain's silo sees as active members of the cluster; a client compares snapshots to say which silo was lost.</summary>
    [Id(13)]
    public ImmutableArray<string> Silos { get; init; } = [];
}

/// <summary>The job grain: owns a job's manifest, hands out shards on lease, records finished ones, reports progress.</summary>
public interface IEmbeddingJobGrain : IGrainWithStringKey
{
    /// <summary>Takes the job planned in the submission's folder, or continues it; idempotent.</summary>
    Task<EmbeddingJobProgress> SubmitAsync(EmbeddingJobSubmission submission);

    /// <summary>The next pending shard for <paramref name="worker"/>, or null when none is left (or the job is not running).</summary>
    Task<ShardLease?> LeaseShardAsync(string worker);

    /// <summary>Extends a lease; false when the lease is gone (expired and reassigned, or the job was cancelled): stop computing.</summary>
    Task<bool> RenewLeaseAsync(string leaseId);

    /// <summary>Records a finished shard after checking its file; false when it was already done by another worker.</summary>
    Task<bool> CompleteShardAsync(ShardReport report);

    /// <summary>Gives a shard back after an error (or a worker shutting down), so that another worker takes it.</summary>
    Task AbandonShardAsync(string leaseId, string worker, string? error);

    /// <summary>A progress snapshot.</summary>
    Task<EmbeddingJobProgress> GetProgressAsync();

    /// <summary>Stops handing out shards and revokes the leases; finished shards stay done.</summary>
    Task CancelAsync();
}

/// <summary>The list of running jobs that workers poll (one grain, key 0).</summary>
public interface IEmbeddingJobRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a job; idempotent.</summary>
    Task RegisterAsync(string jobId);

    /// <summary>Removes a job; idempotent.</summary>
    Task UnregisterAsync(string jobId);

    /// <summary>The registered jobs, oldest first.</summary>
    Task<ImmutableArray<string>> GetJobsAsync();
}
