using System.Diagnostics;
using System.Globalization;
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

    /// <summary>
    /// How long the client keeps retrying while the cluster cannot answer (a silo died and membership has not yet
    /// declared it dead, the client's gateway went away, Redis restarts) before it gives up with an error.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between two retries while the cluster cannot answer; waits start at <see cref="PollInterval"/> and double.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Called with one line per fault event (a silo lost, a retry, a resubmission, a lease that expired, the cluster back); the CLI prints them to stderr.</summary>
    public Action<string>? Events { get; init; }
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
        EmbeddingJobProgress? state = null;
        string? lastHost = null;
        var watch = new FaultWatch(options.Events);
        bool submit = true;
        var delay = options.PollInterval;
        Stopwatch? failingFor = null;
        try
        {
            while (true)
            {
                try
                {
                    if (submit || state?.State == EmbeddingJobState.NotSubmitted)
                    {
                        // Idempotent: a running job grain answers with its progress; a fresh activation (its silo died)
                        // continues from the manifest, whose done shards stay done.
                        bool again = state is not null;
                        state = await job.SubmitAsync(submission);
                        if (again)
                        {
                            options.Events?.Invoke($"agront embed: job resubmitted to the job grain on {state.Host}; {state.ShardsDone}/{state.ShardsTotal} shards already done, continuing from the manifest");
                        }
                        submit = false;
                    }
                    else
                    {
                        await registry.RegisterAsync(jobId);
                        state = await job.GetProgressAsync();
                    }
                    if (failingFor is not null)
                    {
                        options.Events?.Invoke(string.Create(CultureInfo.InvariantCulture, $"agront embed: cluster answering again after {failingFor.Elapsed.TotalSeconds:F1} s; job grain on {state.Host}"));
                        failingFor = null;
                        delay = options.PollInterval;
                    }
                }
                catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
                {
                    failingFor ??= Stopwatch.StartNew();
                    if (failingFor.Elapsed > options.RecoveryTimeout)
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                            $"The cluster did not answer for {failingFor.Elapsed.TotalSeconds:F0} s (last error: {Short(e)}); finished shards are kept in '{jobId}', rerun the same command once the silos and Redis are up to continue."), e);
                    }
                    options.Events?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"agront embed: {(lastHost is { } host ? $"silo {host} (job grain)" : "the cluster")} not answering ({Short(e)}); retrying job grain in {delay.TotalSeconds:0.#} s"));
                    submit = true;
                    await Task.Delay(delay, cancellationToken);
                    delay = TimeSpan.FromTicks(Math.Min(2 * delay.Ticks, options.MaxRetryDelay.Ticks));
                    continue;
                }
                watch.Observe(state);
                if (state.State != EmbeddingJobState.NotSubmitted)
                {
                    lastHost = state.Host;
                }
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
                        // The job grain's silo died and a fresh activation answered: resubmit at once.
                        options.Events?.Invoke(lastHost == state.Host
                            ? $"agront embed: the job grain on {state.Host} was reactivated (a lost silo held its directory entry) and lost its job state; resubmitting from the manifest"
                            : $"agront embed: silo {lastHost ?? "(unknown)"} holding the job grain was lost; a fresh job grain on {state.Host} takes the job, resubmitting from the manifest");
                        continue;
                }
                await Task.Delay(options.PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                await job.CancelAsync().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (Exception e) when (IsTransient(e))
            {
                options.Events?.Invoke($"agront embed: could not cancel the job on the cluster ({Short(e)}); its workers stop when their leases expire");
            }
            throw;
        }
    }

    /// <summary>Faults a cluster rides out: a dead or unreachable silo, a call that timed out, a lost connection (also to Redis).</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        OrleansException or TimeoutException or IOException or System.Net.Sockets.SocketException or StackExchange.Redis.RedisException => true,
        AggregateException a => a.InnerExceptions.All(IsTransient),
        _ => e.InnerException is { } inner && inner is not ArgumentException && IsTransient(inner),
    };

    /// <summary>An exception as one short line: its type and the first sentence of its message.</summary>
    internal static string Short(Exception e)
    {
        string message = e.Message.ReplaceLineEndings(" ");
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        if (end > 0)
        {
            message = message[..end];
        }
        if (message.Length > 160)
        {
            message = message[..160] + "...";
        }
        return $"{e.GetType().Name}: {message}";
    }

    /// <summary>Turns progress snapshots into fault lines: leases that expired (their worker died or stalled).</summary>
    private sealed class FaultWatch(Action<string>? events)
    {
        private EmbeddingJobProgress? _last;

        public void Observe(EmbeddingJobProgress now)
        {
            if (events is not null && _last is not null && !_last.Silos.IsEmpty && !now.Silos.IsEmpty)
            {
                foreach (string lost in _last.Silos.Except(now.Silos, StringComparer.Ordinal))
                {
                    events($"agront embed: silo {lost} left the cluster (declared dead); its shards go to the other workers");
                }
                foreach (string joined in now.Silos.Except(_last.Silos, StringComparer.Ordinal))
                {
                    events($"agront embed: silo {joined} joined the cluster");
                }
            }
            if (events is not null && _last is not null && now.State == EmbeddingJobState.Running && now.ExpiredLeases > _last.ExpiredLeases
                && _last.Host == now.Host)
            {
                events(string.Create(CultureInfo.InvariantCulture,
                    $"agront embed: {now.ExpiredLeases - _last.ExpiredLeases} shard lease(s) expired (a worker died or stalled); the shard goes back to the queue, {now.Running.Length} running now"));
            }
            _last = now.Silos.IsEmpty && _last is not null ? now with { Silos = _last.Silos } : now;
        }
    }
}
