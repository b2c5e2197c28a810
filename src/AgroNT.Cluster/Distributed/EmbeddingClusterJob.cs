using AgroNT.Cluster.Sharding;

namespace AgroNT.Cluster.Distributed;

/// <summary>Client-side settings of a distributed job.</summary>
public sealed record ClusterJobOptions
{
    /// <summary>A shard whose worker stops renewing its lease for this long goes to another worker.</summary>
    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the client polls progress (and resubmits the job if its grain was lost).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Failed attempts after which a shard fails the job.</summary>
    public int MaxAttemptsPerShard { get; init; } = 3;

    /// <summary>Consecutive polls that may time out (while the cluster recovers from a dead silo) before the client gives up.</summary>
    public int MaxUnansweredPolls { get; init; } = 20;
}

/// <summary>
/// <c>agront embed --cluster</c>: plans the job in its output folder (or continues the one there), submits it to the
/// job grain, and polls until every shard is done. Each poll re-registers the job, and resubmits it when the job grain
/// was lost with its silo, so the client is what keeps a job alive; the manifest on the shared folder is its memory.
/// </summary>
public static class EmbeddingClusterJob
{
    /// <summary>The job grain's key for an output folder: its full path.</summary>
    /// <param name="outputFolder">The job's output folder.</param>
    /// <returns>The key.</returns>
    public static string JobId(string outputFolder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder));

    /// <summary>Runs a job on the cluster until it completes.</summary>
    /// <param name="grains">A connected client's grain factory.</param>
    /// <param name="inputPath">The input file (same path on every silo).</param>
    /// <param name="spec">How records are embedded.</param>
    /// <param name="shardCount">Shards to split the input into.</param>
    /// <param name="outputFolder">The job's folder (same path on every silo).</param>
    /// <param name="options">Lease timeout and polling.</param>
    /// <param name="progress">Called after every poll.</param>
    /// <param name="cancellationToken">Cancels the job on the cluster (finished shards stay done) and throws.</param>
    /// <returns>The final progress (state <see cref="EmbeddingJobState.Completed"/>).</returns>
    /// <exception cref="InvalidOperationException">The job failed; the message says which shard and why.</exception>
    public static async Task<EmbeddingJobProgress> RunAsync(IGrainFactory grains, string inputPath, EmbeddingJobSpec spec, int shardCount, string outputFolder,
        ClusterJobOptions? options = null, IProgress<EmbeddingJobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        options ??= new ClusterJobOptions();
        var manifest = ShardPlanner.Prepare(inputPath, spec, shardCount, outputFolder);
        string jobId = JobId(outputFolder);
        var submission = new EmbeddingJobSubmission
        {
            OutputFolder = jobId,
            Fingerprint = manifest.Fingerprint,
            LeaseTimeout = options.LeaseTimeout,
            MaxAttemptsPerShard = options.MaxAttemptsPerShard,
        };
        var job = grains.GetGrain<IEmbeddingJobGrain>(jobId);
        var registry = grains.GetGrain<IEmbeddingJobRegistryGrain>(0);
        var state = await job.SubmitAsync(submission);
        int unanswered = 0;
        try
        {
            while (true)
            {
                progress?.Report(state);
                switch (state.State)
                {
                    case EmbeddingJobState.Completed:
                        return state;
                    case EmbeddingJobState.Failed:
                        throw new InvalidOperationException($"The cluster job for '{jobId}' failed: {state.Error}");
                    case EmbeddingJobState.Cancelled:
                        throw new OperationCanceledException($"The cluster job for '{jobId}' was cancelled by a client; rerun the same command to continue it.");
                    case EmbeddingJobState.NotSubmitted:
                        // The job grain's silo died: a fresh activation continues from the manifest.
                        state = await job.SubmitAsync(submission);
                        continue;
                }
                await Task.Delay(options.PollInterval, cancellationToken);
                try
                {
                    await registry.RegisterAsync(jobId);
                    state = await job.GetProgressAsync();
                    unanswered = 0;
                }
                catch (Exception e) when (e is TimeoutException or OrleansException && ++unanswered < options.MaxUnansweredPolls)
                {
                    // A silo just died and took the job or registry grain with it; the cluster notices within seconds.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await job.CancelAsync();
            throw;
        }
    }
}
