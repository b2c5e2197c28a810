using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgroNT.Cli;
using AgroNT.Cluster.Sharding;
using AgroNT.Tests.Common;
using Xunit.Abstractions;

namespace AgroNT.Cluster.Tests.Distributed;

/// <summary>
/// The whole thing as users run it: Debian's redis-server on 127.0.0.1, two <c>agront cluster silo</c> processes and
/// an <c>agront embed --cluster</c> client. Needs redis-server (<c>apt-get install redis-server</c>; <c>.ci/run</c>
/// installs it): under CI=true its absence fails the test, elsewhere the test returns early and says so.
/// </summary>
[Collection(RealClusterProcesses.Name)]
public sealed class RealProcessClusterTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        ClusterTestData.KillAll(_processes);
        _temp.Dispose();
    }

    [Fact]
    public void EmbedCluster_RedisTwoSiloProcessesAndAClient_MergedOutputEqualsSingleProcess()
    {
        string input = ClusterTestData.Chloroplast("train");
        if (RunOnCluster(ClusterTestData.TinyModel, input, shards: 5) is not var (merged, stdout))
        {
            return;
        }

        Assert.Contains("5 shards, 1,204 records done on the cluster", stdout);
        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbed(input, _temp.Path), merged);
    }

    [Fact]
    public void EmbedCluster_FineTunedFolder_EqualsPlainEmbedOfThatFolderNotTheBaseModel()
    {
        string model = ClusterTestData.FineTuneTiny(_temp.Path);
        string input = ClusterTestData.Chloroplast("test");
        if (RunOnCluster(model, input, shards: 3) is not var (merged, _))
        {
            return;
        }

        ClusterTestData.AssertIdentical(ClusterTestData.SingleProcessEmbedOf(model, input, _temp.Path), merged);
        double adapterEffect = ClusterTestData.MaxDifference(ClusterTestData.SingleProcessEmbed(input, _temp.Path), merged);
        Assert.True(adapterEffect > 1e-3, $"the cluster embedded the base weights (difference from the base model {adapterEffect})");
    }

    // Redis, two real silo processes and an in-process client; null (after saying why) where redis-server is absent outside CI.
    private (string Merged, string Stdout)? RunOnCluster(string model, string input, int shards)
    {
        string? redisServer = FindOnPath("redis-server");
        if (redisServer is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") is { Length: > 0 },
                "redis-server is not installed; install Debian's package (apt-get install -y redis-server) or let .ci/run do it.");
            output.WriteLine("SKIPPED: redis-server is not installed (apt-get install -y redis-server); this test runs under .ci/run.");
            return null;
        }
        int port = FreePort();
        var redis = Start(redisServer, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no", "ready to accept connections", "redis");
        string agront = Path.Combine(AppContext.BaseDirectory, "agront.dll");
        Assert.True(File.Exists(agront), $"{agront} is missing; build the solution first.");
        for (int i = 0; i < 2; i++)
        {
            Start("dotnet", $"\"{agront}\" cluster silo --redis 127.0.0.1:{port} --threads 1", "agront cluster silo: joined cluster", $"silo{i}");
        }
        string folder = _temp.Sub("job");
        string merged = _temp.Sub("merged.parquet");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = CliApp.Run(["embed", "--model", model, "-i", input, "-o", folder, "--cluster", $"127.0.0.1:{port}", "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture), "--merge", merged], stdout, stderr);

        output.WriteLine(stdout.ToString());
        Assert.True(code == 0, stderr.ToString());
        Assert.All(ShardManifest.TryLoad(folder)!.Shards, s => Assert.StartsWith("S127.0.0.1:", s.Worker));
        Assert.False(redis.HasExited);
        return (merged, stdout.ToString());
    }

    private Process Start(string file, string arguments, string readyLine, string name)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        _processes.Add(process);
        var ready = new TaskCompletionSource();
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            output.WriteLine($"[{name}] {e.Data}");
            if (e.Data.Contains(readyLine, StringComparison.OrdinalIgnoreCase))
            {
                ready.TrySetResult();
            }
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(90)))
        {
            throw new TimeoutException($"{name} did not print '{readyLine}' within 90 s (exited: {process.HasExited}).");
        }
        return process;
    }

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
