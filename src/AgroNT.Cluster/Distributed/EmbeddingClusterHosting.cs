using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace AgroNT.Cluster.Distributed;

/// <summary>How silos and clients find each other: a Redis membership table, a cluster id and this host's endpoints.</summary>
public sealed record ClusterConnection
{
    /// <summary>The Redis server holding the membership table, <c>HOST:PORT</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>Orleans cluster id: silos and clients with the same id (and Redis) form one cluster.</summary>
    public string ClusterId { get; init; } = "agront";

    /// <summary>Orleans service id.</summary>
    public string ServiceId { get; init; } = "agront-embedding";

    /// <summary>The address other silos and clients reach this silo at; loopback by default (one machine).</summary>
    public IPAddress AdvertisedAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary>Client gateway port; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>
    /// How fast the cluster notices a dead silo: a silo probes its peers every <c>ProbeTimeout</c> and declares one dead
    /// after two missed probes; the membership table is re-read and clients refresh their gateway list at twice this
    /// interval. Null (the default, unless the environment variable <c>AGRONT_CLUSTER_PROBE_TIMEOUT</c> gives seconds)
    /// keeps Orleans' defaults (5 s probes, three misses, a 60 s table refresh). Give every silo and client the same value.
    /// </summary>
    public TimeSpan? ProbeTimeout { get; init; } = ProbeTimeoutFromEnvironment();

    /// <summary>Parses <c>HOST:PORT</c> into a Redis configuration, with a clear error.</summary>
    /// <returns>The Redis client configuration.</returns>
    /// <exception cref="ArgumentException"><see cref="Redis"/> is not <c>HOST:PORT</c>.</exception>
    public ConfigurationOptions RedisOptions()
    {
        int colon = Redis.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(Redis.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"The Redis address must be HOST:PORT (for example 127.0.0.1:6379), got '{Redis}'.");
        }
        var options = ConfigurationOptions.Parse(Redis);
        // Keep reconnecting while Redis restarts instead of failing the silo or client.
        options.AbortOnConnectFail = false;
        options.ConnectRetry = Math.Max(options.ConnectRetry, 5);
        return options;
    }

    private static TimeSpan? ProbeTimeoutFromEnvironment() =>
        Environment.GetEnvironmentVariable("AGRONT_CLUSTER_PROBE_TIMEOUT") is { Length: > 0 } text
            && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
}

/// <summary>Builds the silo and client hosts of an embedding cluster, and registers the grains' worker on a silo builder.</summary>
public static class EmbeddingClusterHosting
{
    /// <summary>Adds this silo's embedding worker (one per silo, on <see cref="EmbeddingWorkerOptions.Device"/>).</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configure">Sets the worker's device and threads.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddAgroNTEmbeddingWorker(this ISiloBuilder builder, Action<EmbeddingWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<EmbeddingWorkerOptions>().Configure(o => configure?.Invoke(o));
        builder.Services.AddHostedService<EmbeddingWorkerService>();
        return builder;
    }

    /// <summary>A silo host that joins the cluster through Redis and runs an embedding worker; start it with <c>StartAsync</c>.</summary>
    /// <param name="connection">Redis, cluster id and endpoints.</param>
    /// <param name="worker">The worker's device and threads.</param>
    /// <param name="logLevel">Minimum level printed to the console.</param>
    /// <returns>The host, not started.</returns>
    public static IHost BuildSilo(ClusterConnection connection, EmbeddingWorkerOptions worker, LogLevel logLevel = LogLevel.Warning)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(worker);
        var redis = connection.RedisOptions();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ConfigureLogging(builder.Logging, logLevel);
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = connection.ClusterId;
                o.ServiceId = connection.ServiceId;
            });
            if (connection.ProbeTimeout is { } probe)
            {
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = probe;
                    o.NumMissedProbesLimit = 2;
                    o.TableRefreshTimeout = 2 * probe;
                    o.IAmAliveTablePublishTimeout = 2 * probe;
                    o.DeathVoteExpirationTimeout = 10 * probe;
                });
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = Max(TimeSpan.FromSeconds(5), 5 * probe));
            }
            silo.ConfigureEndpoints(connection.AdvertisedAddress, FreePortOr(connection.SiloPort), FreePortOr(connection.GatewayPort), listenOnAnyHostAddress: !IPAddress.IsLoopback(connection.AdvertisedAddress));
            silo.AddAgroNTEmbeddingWorker(o =>
            {
                o.Device = worker.Device;
                o.OnnxThreads = worker.OnnxThreads;
                o.PollInterval = worker.PollInterval;
            });
        });
        return builder.Build();
    }

    /// <summary>A client host connected to the cluster through Redis; start it, then use its <see cref="IClusterClient"/>.</summary>
    /// <param name="connection">Redis and cluster id.</param>
    /// <param name="logLevel">Minimum level printed to the console.</param>
    /// <returns>The host, not started.</returns>
    public static IHost BuildClient(ClusterConnection connection, LogLevel logLevel = LogLevel.Warning)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var redis = connection.RedisOptions();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ConfigureLogging(builder.Logging, logLevel);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = connection.ClusterId;
                o.ServiceId = connection.ServiceId;
            });
            if (connection.ProbeTimeout is { } probe)
            {
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = 2 * probe);
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = Max(TimeSpan.FromSeconds(5), 5 * probe));
            }
        });
        return builder.Build();
    }

    /// <summary>
    /// Watches this host's own connection to the cluster's Redis and reports one line when it is lost and one when it is
    /// back. A running job does not need Redis (silos and clients talk directly), but while it is down no silo or client
    /// can join and no dead silo can be declared dead; its membership table must survive the restart (run Redis with
    /// <c>--appendonly yes</c> or its default snapshots, and stop it with SIGTERM or <c>redis-cli shutdown</c>).
    /// </summary>
    /// <param name="connection">The cluster's Redis.</param>
    /// <param name="report">Called with each line, from a Redis client thread.</param>
    /// <param name="prefix">Starts every line, e.g. <c>agront embed</c>.</param>
    /// <returns>Disposing it stops the watch.</returns>
    public static async Task<IDisposable> WatchRedisAsync(ClusterConnection connection, Action<string> report, string prefix)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(report);
        var options = connection.RedisOptions();
        options.ClientName = prefix.Replace(' ', '-') + "-watch";
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        int down = redis.IsConnected ? 0 : 1;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        redis.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref down, 1) == 0)
            {
                clock.Restart();
                report($"{prefix}: Redis {connection.Redis} connection lost ({e.FailureType}); the running job goes on, silos and clients cannot join until it is back");
            }
        };
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref down, 0) == 1)
            {
                report(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}: Redis {connection.Redis} back after {clock.Elapsed.TotalSeconds:F1} s"));
            }
        };
        return redis;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static void ConfigureLogging(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(level);
        // Orleans warns at every start about server GC and slow watchdog checks on a busy machine, and while a silo is
        // dying it (and its Polly retry pipeline) logs every failed connection attempt: noise for a CLI, whose worker and
        // client say in one line per event what happened. Verbose runs keep Orleans' warnings.
        var orleans = level > LogLevel.Information ? LogLevel.Critical : LogLevel.Warning;
        logging.AddFilter("Orleans", orleans);
        logging.AddFilter("Polly", orleans);
    }

    private static int FreePortOr(int port)
    {
        if (port != 0)
        {
            return port;
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
