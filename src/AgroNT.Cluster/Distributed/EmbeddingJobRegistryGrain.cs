using System.Collections.Immutable;

namespace AgroNT.Cluster.Distributed;

/// <summary>
/// Keeps the running jobs in memory. If its silo dies the list is lost with it; clients re-register their job on every
/// progress poll, so the list is back within one poll interval.
/// </summary>
internal sealed class EmbeddingJobRegistryGrain : Grain, IEmbeddingJobRegistryGrain
{
    private ImmutableArray<string> _jobs = [];

    public Task RegisterAsync(string jobId)
    {
        if (!_jobs.Contains(jobId, StringComparer.Ordinal))
        {
            _jobs = _jobs.Add(jobId);
        }
        return Task.CompletedTask;
    }

    public Task UnregisterAsync(string jobId)
    {
        _jobs = _jobs.Remove(jobId, StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<string>> GetJobsAsync() => Task.FromResult(_jobs);
}
