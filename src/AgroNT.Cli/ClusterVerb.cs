using System.Globalization;
using System.Net;
using System.Text;
using AgroNT.Cluster.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace AgroNT.Cli;

/// <summary><c>agront cluster silo|status|cancel</c>: run a worker silo of an embedding cluster, or watch and cancel a job on it.</summary>
internal sealed class ClusterVerb : IVerb
{
    public string Name => "cluster";

    public string Summary => "Orleans embedding cluster: run a worker silo, show or cancel a job";

    public string Usage => "agront cluster silo --redis HOST:PORT [--device cpu|cuda:N] [--threads T] | agront cluster status|cancel --redis HOST:PORT -o JOBDIR";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("redis", null, true, "the Redis server holding the cluster's membership table, HOST:PORT"),
        new("cluster-id", null, true, "Orleans cluster id (default agront)"),
        new("device", null, true, "silo: the device its worker computes on, cpu (default) or cuda[:N]; run one silo per GPU"),
        new("threads", null, true, "silo: libtorch and ONNX Runtime intra-op threads (default: all cores)"),
        new("address", null, true, "silo: the IP address other machines reach it at (default 127.0.0.1, one machine)"),
        new("port", null, true, "silo: silo-to-silo port (default: a free one)"),
        new("gateway-port", null, true, "silo: client gateway port (default: a free one)"),
        new("verbose", "v", false, "silo: log each shard"),
        CommonOptions.Output,
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string action = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("name one action: silo, status or cancel (agront cluster --help).");
        var connection = new ClusterConnection
        {
            Redis = args.Require("redis"),
            ClusterId = args.Get("cluster-id") ?? "agront",
            AdvertisedAddress = args.Get("address") is { } address
                ? IPAddress.TryParse(address, out var ip) ? ip : throw new UsageException($"--address must be an IP address, got '{address}'.")
                : IPAddress.Loopback,
            SiloPort = args.GetInt("port", 0, 1, 65535),
            GatewayPort = args.GetInt("gateway-port", 0, 1, 65535),
        };
        try
        {
            _ = connection.RedisOptions();
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--redis: " + e.Message);
        }
        return action switch
        {
            "silo" => RunSilo(args, connection, stdout, stderr, cancellationToken),
            "status" or "cancel" => ShardedEmbed.SyncOverAsync(() => WithJobAsync(args, connection, action, stdout, cancellationToken)),
            _ => throw new UsageException($"unknown action '{action}'; use silo, status or cancel."),
        };
    }

    private static int RunSilo(ParsedArguments args, ClusterConnection connection, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string device = args.Get("device") ?? "cpu";
        int? threads = args.Has("threads") ? args.GetInt("threads", 0, 1, 1024) : null;
        if (threads is { } t)
        {
            TorchSharp.torch.set_num_threads(t);
        }
        using var host = EmbeddingClusterHosting.BuildSilo(connection, new EmbeddingWorkerOptions { Device = device, OnnxThreads = threads },
            args.Has("verbose") ? LogLevel.Information : LogLevel.Warning);
        ShardedEmbed.SyncOverAsync(() => host.StartAsync(cancellationToken));
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>();
        stdout.WriteLine($"agront cluster silo: joined cluster '{connection.ClusterId}' via Redis {connection.Redis} as {silo.SiloAddress} (gateway {silo.GatewayAddress}), device {device}; Ctrl+C to stop");
        stdout.Flush();
        using var redisWatch = ShardedEmbed.SyncOverAsync(() => EmbeddingClusterHosting.WatchRedisAsync(connection, line =>
        {
            lock (stderr)
            {
                stderr.WriteLine(line);
                stderr.Flush();
            }
        }, "agront cluster silo"));
        // Ctrl+C reaches the verb's token; SIGTERM (kill, systemd, a container runtime) reaches the host's lifetime.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        try
        {
            Task.Delay(Timeout.Infinite, stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        ShardedEmbed.SyncOverAsync(() => host.StopAsync(CancellationToken.None));
        stdout.WriteLine("agront cluster silo: stopped");
        return 0;
    }

    private static async Task<int> WithJobAsync(ParsedArguments args, ClusterConnection connection, string action, TextWriter stdout, CancellationToken cancellationToken)
    {
        string jobId = EmbeddingClusterJob.JobId(args.Require("output"));
        using var host = EmbeddingClusterHosting.BuildClient(connection);
        await host.StartAsync(cancellationToken);
        try
        {
            var job = host.Services.GetRequiredService<IClusterClient>().GetGrain<IEmbeddingJobGrain>(jobId);
            if (action == "cancel")
            {
                await job.CancelAsync();
            }
            stdout.WriteLine(Describe(await job.GetProgressAsync()));
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>One progress line: shards, records, records/s per worker, ETA.</summary>
    internal static string Describe(EmbeddingJobProgress p)
    {
        var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"agront cluster: {p.JobId}: {p.State.ToString().ToLowerInvariant()}, {p.ShardsDone}/{p.ShardsTotal} shards, {p.RecordsDone:N0}/{p.RecordsTotal:N0} records{(p.RecordsTotal > 0 ? $" ({100.0 * p.RecordsDone / p.RecordsTotal:0}%)" : "")}, {p.Running.Length} running, ETA {ShardedEmbed.Eta(p.Eta)}"));
        foreach (var w in p.Workers)
        {
            line.Append(CultureInfo.InvariantCulture, $"; {w.Worker}: {w.RecordsPerSecond:N1} records/s");
        }
        if (p.Error is not null)
        {
            line.Append("; error: ").Append(p.Error);
        }
        return line.ToString();
    }

    /// <summary>The closing lines of a cluster job: per-worker throughput and coordination cost per shard.</summary>
    internal static string Closing(EmbeddingJobProgress p)
    {
        double wall = Math.Max(p.Elapsed.TotalSeconds, 1e-9);
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"agront embed: {p.ShardsTotal} shards, {p.RecordsTotal:N0} records done on the cluster in {p.Elapsed.TotalSeconds:N1} s; this submission {p.Workers.Sum(w => w.Records) / wall:N1} records/s; {p.ExpiredLeases} expired leases"));
        foreach (var w in p.Workers)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture,
                $"  {w.Worker}: {w.Shards} shards, {w.Records:N0} records, {w.RecordsPerSecond:N1} records/s while computing, coordination {1000 * w.CoordinationSeconds / Math.Max(1, w.Shards):N1} ms/shard");
        }
        return text.ToString();
    }
}
