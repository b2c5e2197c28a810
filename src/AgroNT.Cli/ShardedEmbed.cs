using System.Globalization;
using AgroNT.Cluster.Distributed;
using AgroNT.Cluster.Sharding;
using AgroNT.MLNet.EmbeddingFiles;
using Microsoft.Extensions.DependencyInjection;

namespace AgroNT.Cli;

/// <summary><c>agront embed --shards N</c> (this machine) and <c>agront embed --cluster HOST:PORT</c> (an Orleans cluster): output is a folder of shard files plus a manifest.</summary>
internal static class ShardedEmbed
{
    public static readonly OptionSpec[] Options =
    [
        new("shards", null, true, "split the input into N record ranges, one Parquet file each under -o DIR, with manifest.json; a rerun skips finished shards"),
        new("workers", null, true, "with --shards: workers on this machine (default: one per --device entry, e.g. --device cuda:0,cuda:1)"),
        new("merge", null, true, "after the shards are done, concatenate them in order into this file (.parquet, .csv, .jsonl or .npy)"),
        new("cluster", null, true, "run the shards on the Orleans cluster whose Redis membership table is HOST:PORT (silos: agront cluster silo)"),
        new("cluster-id", null, true, "Orleans cluster id (default agront)"),
        new("lease-timeout", null, true, "with --cluster: seconds without a renewal after which a shard goes to another silo (default 60)"),
    ];

    public static bool Applies(ParsedArguments args) => args.Has("shards") || args.Has("cluster");

    public static int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string folder = args.Require("output");
        if (Path.GetExtension(folder).ToLowerInvariant() is ".parquet" or ".csv" or ".jsonl" or ".npy")
        {
            throw new UsageException($"with --shards or --cluster, -o names a folder for the shard files and manifest, not a file ('{folder}'); use --merge FILE for one merged file.");
        }
        string input = args.Require("input");
        CommonOptions.CheckOutputs(CommonOptions.Paths(args, "input", "model"), CommonOptions.Paths(args, "output", "merge"), ("--merge", [".parquet", ".csv", ".jsonl", ".npy"]));
        CommonOptions.RequireInputFile(input, "--input");
        int shards = args.GetInt("shards", 1, 1, 1_000_000);
        var spec = Spec(args);
        try
        {
            spec.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (args.Get("merge") is { } mergeTarget)
        {
            _ = EmbeddingFileFormats.FromPath(mergeTarget);
        }
        if (args.Has("threads"))
        {
            TorchSharp.torch.set_num_threads(args.GetInt("threads", 0, 1, 1024));
        }

        if (args.Get("cluster") is { } redis)
        {
            RunOnCluster(args, redis, input, spec, shards, folder, stdout, stderr, cancellationToken);
        }
        else
        {
            RunLocally(args, input, spec, shards, folder, stdout, stderr, cancellationToken);
        }
        if (args.Get("merge") is { } merge)
        {
            long rows = ShardMerger.Merge(folder, merge, cancellationToken);
            stdout.WriteLine($"agront embed: merged {rows:N0} rows into {merge}");
        }
        return 0;
    }

    internal static EmbeddingJobSpec Spec(ParsedArguments args)
    {
        string model = CommonOptions.ModelFolder(args);
        return new EmbeddingJobSpec
        {
            // Workers load the model themselves: give them a path that does not depend on their working folder.
            ModelFolder = Directory.Exists(model) ? Path.GetFullPath(model) : model,
            Engine = args.Get("engine") ?? "torch",
            Layer = args.Has("layer") ? args.GetInt("layer", 0, 0) : null,
            Pooling = args.Get("pooling") ?? "mean",
            BatchSize = args.GetInt("batch-size", 8, 1, 4096),
            Precision = args.Get("precision") ?? "fp32",
            TokenizerMode = args.Get("tokenizer-mode") ?? "normalize",
            LengthPolicy = args.Get("length-policy") ?? "error",
            WindowStride = args.Has("stride") ? args.GetInt("stride", 0, 1, 100_000) : null,
            Strand = args.Get("strand") ?? "forward",
        };
    }

    private static void RunLocally(ParsedArguments args, string input, EmbeddingJobSpec spec, int shards, string folder, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var devices = (args.Get("device") ?? "cpu").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int workers = args.GetInt("workers", devices.Length, 1, 1024);
        var options = new ShardedRunOptions
        {
            Devices = [.. Enumerable.Range(0, workers).Select(i => devices[i % devices.Length])],
            OnnxThreads = args.Has("threads") ? args.GetInt("threads", 0, 1, 1024) : null,
        };
        ShardedRunResult result;
        using (var display = CliProgress.Create(args, stderr, "embed", ProgressUnit.Of("records")))
        {
            var progress = new SynchronousProgress<ShardedRunProgress>(p => display.Report(p.RecordsDone, p.RecordsTotal,
                string.Create(CultureInfo.InvariantCulture, $"shard {p.Finished.Index} done; {p.ShardsDone}/{p.ShardsTotal} shards")));
            result = ShardedEmbeddingRun.Run(input, spec, shards, folder, options, progress, cancellationToken);
            display.Complete();
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agront embed: {result.Manifest.Shards.Count} shards in {folder}: {result.ShardsComputed} computed, {result.ShardsSkipped} already done; {result.Manifest.TotalRecords:N0} records; {result.Elapsed.TotalSeconds:N1} s"));
    }

    private static void RunOnCluster(ParsedArguments args, string redis, string input, EmbeddingJobSpec spec, int shards, string folder, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Has("workers"))
        {
            throw new UsageException("--workers applies to --shards on this machine; on a cluster each silo runs one worker on its own --device.");
        }
        var connection = new ClusterConnection { Redis = redis, ClusterId = args.Get("cluster-id") ?? "agront" };
        using var display = CliProgress.Create(args, stderr, "embed", ProgressUnit.Of("records"));
        // One line per fault event (a silo lost, a retry, a resubmission, an expired lease, Redis lost and back),
        // printed above the bar.
        Action<string> events = line =>
        {
            lock (display)
            {
                display.WriteLine(line);
            }
        };
        var options = new ClusterJobOptions { LeaseTimeout = TimeSpan.FromSeconds(args.GetInt("lease-timeout", 60, 1, 86_400)), Events = events };
        var progress = new SynchronousProgress<EmbeddingJobProgress>(p =>
        {
            display.Report(p.RecordsDone, p.RecordsTotal > 0 ? p.RecordsTotal : null,
                string.Create(CultureInfo.InvariantCulture, $"{p.State.ToString().ToLowerInvariant()}, {p.ShardsDone}/{p.ShardsTotal} shards, {p.Running.Length} running"));
            if (p.State != EmbeddingJobState.Running)
            {
                display.WriteLine(ClusterVerb.Describe(p));
            }
        });
        var final = SyncOverAsync(async () =>
        {
            using var host = EmbeddingClusterHosting.BuildClient(connection);
            await host.StartAsync(cancellationToken);
            using var redisWatch = await EmbeddingClusterHosting.WatchRedisAsync(connection, events, "agront embed");
            try
            {
                var client = host.Services.GetRequiredService<IClusterClient>();
                return await EmbeddingClusterJob.RunAsync(client, input, spec, Math.Max(1, shards), folder, options, progress, cancellationToken);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        });
        display.Complete();
        display.Dispose();
        stdout.WriteLine(ClusterVerb.Closing(final));
    }

    // The command line's one wait on asynchronous work (Orleans client and silo host), through the thread pool.
    internal static T SyncOverAsync<T>(Func<Task<T>> run) => Task.Run(run).GetAwaiter().GetResult();

    internal static void SyncOverAsync(Func<Task> run) => Task.Run(run).GetAwaiter().GetResult();

    internal static string Eta(TimeSpan? eta) => eta is { } t ? t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "unknown";
}
