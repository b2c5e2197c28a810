using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using AgroNT.Cluster.Sharding;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Transforms.Sequences;
using AgroNT.Tests.Common;
using Xunit.Abstractions;

namespace AgroNT.Cluster.Tests.Distributed;

/// <summary>
/// Faults as they happen to a real cluster: redis-server, two <c>agront cluster silo</c> processes and an
/// <c>agront embed --cluster --merge</c> client process; one silo gets a real SIGKILL (the one holding the job grain
/// once a shard is done, or a worker in the middle of its shard), or Redis is stopped and started again on the same
/// port mid-job. The client must exit 0, say on stderr what happened, and merge a file byte-identical to a plain
/// <c>agront embed</c> with every record exactly once. Failure detection is tightened through
/// <c>AGRONT_CLUSTER_PROBE_TIMEOUT=1</c> and <c>--lease-timeout 4</c> so that each test takes seconds.
/// Needs redis-server (under CI=true its absence fails the tests; elsewhere they return early and say so).
/// </summary>
[Collection(RealClusterProcesses.Name)]
public sealed partial class SiloKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Shards = 5;
    // Plain `agront embed` of the same input in its own process, started with the first cluster and shared by the tests.
    private static readonly Lazy<Task<byte[]>> PlainEmbed = new(() => Task.Run(PlainEmbedBytes));

    private readonly TempFolder _temp = new();
    private readonly List<Process> _processes = [];
    // Every line of every process, and the lines tests wait for; one lock for both so that no line is missed.
    private readonly List<(string Name, string Stream, string Line)> _log = [];
    private readonly List<(Func<string, string, bool> Match, TaskCompletionSource<string> Seen)> _waits = [];

    // The 1,204 real chloroplast records of the task's training split, eight times over (9,632 records, renamed so each
    // name is unique): five shards of whole 256-record chunks, one to two seconds each on one thread. Once is not enough:
    // packed batches embed all 1,204 records with the tiny model in well under a second, and the whole job could end
    // before the fault is injected.
    private static string Input => s_input.Value;

    private static readonly Lazy<string> s_input = new(() =>
    {
        var records = SequenceReader.ReadFile(ClusterTestData.Chloroplast("train")).ToList();
        var text = new StringBuilder();
        for (int copy = 1; copy <= 8; copy++)
        {
            foreach (var record in records)
            {
                text.Append('>').Append(record.Name).Append("_copy").Append(copy).Append('\n').Append(record.Sequence).Append('\n');
            }
        }
        // Beside the test binaries: written once per test run, removed with the build output.
        string path = Path.Combine(AppContext.BaseDirectory, "silo-kill-input.fa");
        File.WriteAllText(path, text.ToString());
        return path;
    });

    public void Dispose()
    {
        ClusterTestData.KillAll(_processes);
        _temp.Dispose();
    }

    [Fact]
    public async Task SigkillOfTheJobGrainSilo_AfterAShardIsDone_ClientResubmitsAndMergesTheSameBytes()
    {
        if (StartCluster(persistentRedis: false) is not { } cluster)
        {
            return;
        }
        var grainHost = WaitFor((_, line) => line.Contains("taken by the job grain on ", StringComparison.Ordinal), "the job grain's first submission");
        var shardDone = WaitFor((name, line) => name.StartsWith("silo", StringComparison.Ordinal) && ShardDone().IsMatch(line), "a finished shard");
        var client = StartClient(cluster.RedisPort);
        string host = SiloAddress().Match(await grainHost).Value;
        await shardDone;

        var victim = cluster.Silos.Single(s => s.Address == host);
        Assert.False(ManifestComplete(), "the job finished before the kill; the test needs more work left");
        victim.Process.Kill();
        output.WriteLine($"SIGKILL sent to {victim.Address} (job grain) at {DateTime.UtcNow:HH:mm:ss.fff}");

        string stderr = FinishClient(client);
        // Either a poll failed against the dead silo, or the first poll after its death reached a fresh job grain.
        Assert.True(stderr.Contains($"silo {host} (job grain) not answering", StringComparison.Ordinal)
            || stderr.Contains($"silo {host} holding the job grain was lost", StringComparison.Ordinal), stderr);
        Assert.Contains("job resubmitted to the job grain on ", stderr);
        Assert.Contains($"agront embed: silo {host} left the cluster (declared dead)", stderr);
        await AssertMergedEqualsPlainEmbedAsync(survivor: cluster.Silos.Single(s => s.Address != host).Address);
    }

    [Fact]
    public async Task SigkillOfAWorkerSilo_MidShard_ClientSaysItLeftAndTheOtherWorkerComputesTheShard()
    {
        if (StartCluster(persistentRedis: false) is not { } cluster)
        {
            return;
        }
        var grainHost = WaitFor((_, line) => line.Contains("taken by the job grain on ", StringComparison.Ordinal), "the job grain's first submission");
        var client = StartClient(cluster.RedisPort);
        string host = SiloAddress().Match(await grainHost).Value;
        var worker = cluster.Silos.Single(s => s.Address != host);
        // The worker that does not hold the job grain, the moment it starts a shard (a shard takes seconds).
        var computing = WaitFor((name, line) => name == worker.Name && line.Contains(": computing shard ", StringComparison.Ordinal), $"{worker.Name} computing a shard");
        string shard = Regex.Match(await computing, @"computing shard (\d+)").Groups[1].Value;

        worker.Process.Kill();
        output.WriteLine($"SIGKILL sent to {worker.Address} (worker of shard {shard}) at {DateTime.UtcNow:HH:mm:ss.fff}");

        string stderr = FinishClient(client);
        Assert.Contains($"agront embed: silo {worker.Address} left the cluster (declared dead)", stderr);
        await AssertMergedEqualsPlainEmbedAsync(survivor: host);
        var manifest = ShardManifest.TryLoad(_temp.Sub("job"))!;
        Assert.StartsWith(host, manifest.Shards[int.Parse(shard, CultureInfo.InvariantCulture)].Worker, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisStoppedAndStartedAgainMidJob_ClientAndSilosRideItOut()
    {
        if (StartCluster(persistentRedis: true) is not { } cluster)
        {
            return;
        }
        var shardDone = WaitFor((name, line) => name.StartsWith("silo", StringComparison.Ordinal) && ShardDone().IsMatch(line), "a finished shard");
        var client = StartClient(cluster.RedisPort);
        await shardDone;
        Assert.False(ManifestComplete(), "the job finished before Redis stopped; the test needs more work left");

        // SIGTERM: Redis writes its append-only file and exits, as `systemctl restart redis-server` does.
        var stopped = WaitFor((name, line) => name == "client" && line.Contains("connection lost", StringComparison.Ordinal), "the client noticing Redis is gone");
        using (var kill = Process.Start("kill", ["-TERM", cluster.Redis.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
        }
        Assert.True(cluster.Redis.WaitForExit(20_000), "redis-server did not stop on SIGTERM");
        await stopped;
        await Task.Delay(3_000);
        StartRedis(cluster.RedisPort, persistent: true, name: "redis-again");

        string stderr = FinishClient(client);
        Assert.Contains($"agront embed: Redis 127.0.0.1:{cluster.RedisPort} connection lost", stderr);
        await AssertMergedEqualsPlainEmbedAsync(survivor: null);
        // The membership table survived the restart: a new client finds the silos through Redis and reads the job.
        var status = StartAgront("status", "cluster", "status", "--redis", $"127.0.0.1:{cluster.RedisPort}", "-o", _temp.Sub("job"));
        Assert.True(status.WaitForExit(180_000) && status.ExitCode == 0, "agront cluster status failed after the Redis restart");
        status.WaitForExit();
        Assert.Contains(Lines("status", "out"), l => l.Contains("completed, 5/5 shards", StringComparison.Ordinal));
        Assert.All(cluster.Silos, s => Assert.False(s.Process.HasExited, $"{s.Name} died with Redis"));
    }

    private sealed record Silo(string Name, string Address, Process Process);

    private sealed record Cluster(int RedisPort, Process Redis, IReadOnlyList<Silo> Silos);

    private Cluster? StartCluster(bool persistentRedis)
    {
        if (FindOnPath("redis-server") is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 },
                "redis-server is not installed; install Debian's package (apt-get install -y redis-server) or let .ci/run do it.");
            output.WriteLine("SKIPPED: redis-server is not installed (apt-get install -y redis-server); this test runs under .ci/run.");
            return null;
        }
        _ = PlainEmbed.Value;
        int port = FreePort();
        var redis = StartRedis(port, persistentRedis);
        // Both silos start at once (each takes seconds to join).
        var starting = Enumerable.Range(0, 2).Select(i =>
        {
            string name = $"silo{i}";
            var joined = WaitFor((n, line) => n == name && line.Contains("agront cluster silo: joined cluster", StringComparison.Ordinal), $"{name} joining");
            return (Name: name, Joined: joined, Process: StartAgront(name, "cluster", "silo", "--redis", $"127.0.0.1:{port}", "--threads", "1", "--verbose"));
        }).ToList();
        var silos = starting.Select(s => new Silo(s.Name, SiloAddress().Match(s.Joined.Result).Value, s.Process)).ToList();
        return new Cluster(port, redis, silos);
    }

    private Process StartRedis(int port, bool persistent, string name = "redis")
    {
        string dir = _temp.Sub("redis");
        Directory.CreateDirectory(dir);
        var ready = WaitFor((n, line) => n == name && line.Contains("Ready to accept connections", StringComparison.OrdinalIgnoreCase), "redis-server ready");
        string[] persistence = persistent ? ["--appendonly", "yes", "--dir", dir] : ["--save", "", "--appendonly", "no"];
        var redis = Start(name, "redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", .. persistence]);
        _ = ready.Result;
        return redis;
    }

    private Process StartClient(int redisPort) => StartAgront("client", "embed", "--model", ClusterTestData.TinyModel, "-i", Input, "-o", _temp.Sub("job"),
        "--cluster", $"127.0.0.1:{redisPort}", "--shards", Shards.ToString(CultureInfo.InvariantCulture), "--merge", _temp.Sub("merged.parquet"),
        "--lease-timeout", "4", "--threads", "1");

    // Waits for the client to exit 0; returns its stderr.
    private string FinishClient(Process client)
    {
        var clock = Stopwatch.StartNew();
        // Seconds on an idle machine; the slack is for a CI machine running other test assemblies at the same time.
        Assert.True(client.WaitForExit(180_000), "the client did not finish within 180 s after the fault");
        client.WaitForExit();
        output.WriteLine($"client exited {client.ExitCode} {clock.Elapsed.TotalSeconds:F1} s after the fault");
        string stderr = string.Join('\n', Lines("client", "err"));
        Assert.True(client.ExitCode == 0, $"client exit {client.ExitCode}: {stderr}");
        return stderr;
    }

    private async Task AssertMergedEqualsPlainEmbedAsync(string? survivor)
    {
        string merged = _temp.Sub("merged.parquet");
        var names = ClusterTestData.InputNames(Input);
        var ids = EmbeddingFileReader.Read(merged).Select(r => r.Id).ToList();
        Assert.Equal(names.Count, ids.Count);
        Assert.Equal(names.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(names, ids);
        Assert.True((await PlainEmbed.Value).AsSpan().SequenceEqual(File.ReadAllBytes(merged)), "the merged file differs from plain `agront embed` output");
        var manifest = ShardManifest.TryLoad(_temp.Sub("job"))!;
        Assert.All(manifest.Shards, s => Assert.Equal(ShardStatus.Done, s.Status));
        Assert.Equal(names.Count, manifest.Shards.Sum(s => s.Rows));
        if (survivor is not null)
        {
            Assert.Contains(manifest.Shards, s => s.Worker!.StartsWith(survivor, StringComparison.Ordinal));
        }
    }

    private static async Task<byte[]> PlainEmbedBytes()
    {
        using var temp = new TempFolder();
        string merged = temp.Sub("plain.parquet");
        var info = new ProcessStartInfo("dotnet", [Agront, "embed", "--model", ClusterTestData.TinyModel, "-i", Input, "-o", merged, "--threads", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"plain agront embed failed: {await stderr}{await stdout}");
        return await File.ReadAllBytesAsync(merged);
    }

    private static string Agront => Path.Combine(AppContext.BaseDirectory, "agront.dll");

    private bool ManifestComplete() => ShardManifest.TryLoad(_temp.Sub("job")) is { IsComplete: true };

    private List<string> Lines(string name, string stream)
    {
        lock (_waits)
        {
            return [.. _log.Where(l => l.Name == name && l.Stream == stream).Select(l => l.Line)];
        }
    }

    private string Tail()
    {
        lock (_waits)
        {
            return string.Join('\n', _log.TakeLast(40).Select(l => $"[{l.Name}:{l.Stream}] {l.Line}"));
        }
    }

    private Task<string> WaitFor(Func<string, string, bool> match, string what)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            // A line printed before the wait was set up counts too.
            if (_log.FirstOrDefault(l => match(l.Name, l.Line)) is { Line: not null } past)
            {
                seen.TrySetResult(past.Line);
            }
            _waits.Add((match, seen));
        }
        return seen.Task.WaitAsync(TimeSpan.FromSeconds(180)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result
            : throw new TimeoutException($"no line showing {what} within 180 s; log:\n{Tail()}"), TaskScheduler.Default);
    }

    private Process StartAgront(string name, params string[] arguments)
    {
        Assert.True(File.Exists(Agront), $"{Agront} is missing; build the solution first.");
        return Start(name, "dotnet", [Agront, .. arguments]);
    }

    private Process Start(string name, string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        info.Environment["AGRONT_CLUSTER_PROBE_TIMEOUT"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        _processes.Add(process);
        process.OutputDataReceived += (_, e) => OnLine(name, "out", e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(name, "err", e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void OnLine(string name, string stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{name}:{stream}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended; a process still printing is being killed.
        }
        lock (_waits)
        {
            _log.Add((name, stream, line));
            foreach (var (match, seen) in _waits.Where(w => !w.Seen.Task.IsCompleted && w.Match(name, line)))
            {
                seen.TrySetResult(line);
            }
        }
    }

    [GeneratedRegex(@"S127\.0\.0\.1:\d+:\d+")]
    private static partial Regex SiloAddress();

    [GeneratedRegex(@": shard \d+ of .* done \(")]
    private static partial Regex ShardDone();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>Tests that start redis-server and silo processes run one at a time: each already runs three or four processes.</summary>
[CollectionDefinition(Name)]
public sealed class RealClusterProcesses
{
    /// <summary>The collection's name.</summary>
    public const string Name = "real cluster processes";
}
