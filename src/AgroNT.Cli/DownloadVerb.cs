using System.Diagnostics;
using System.Globalization;
using AgroNT.MLNet.Hub;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront download ORG/NAME</c>: fetches a model repository into the shared Hugging Face cache and prints the snapshot
/// folder on standard output (progress goes to standard error), so <c>--model ORG/NAME</c> then works offline.
/// </summary>
internal sealed class DownloadVerb : IVerb
{
    public string Name => "download";

    public string Summary => "download a model (or with --dataset a dataset) from the Hugging Face Hub into the shared Hugging Face cache";

    public string Usage => "agront download ORG/NAME [--revision REV] [--include PATTERN...] [--cache-dir DIR]\n"
        + "       agront download --dataset ORG/NAME [--include 'poly_a/*'] [--revision REV] [--cache-dir DIR]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("revision", "r", true, "branch, tag or commit (default main; ORG/NAME@REV works too)"),
        new("include", null, true, "only files matching these globs, e.g. --include config.json vocab.txt '*.safetensors'", Repeatable: true),
        new("cache-dir", null, true, "Hugging Face cache folder (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)"),
        CommonOptions.Quiet,
        new("dataset", null, true, "download this dataset repository instead of a model (cached as datasets--ORG--NAME), e.g. --dataset InstaDeepAI/plant-genomic-benchmark --include 'poly_a/*'"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool dataset = args.Has("dataset");
        if (args.Positional.Count != (dataset ? 0 : 1))
        {
            throw new UsageException(dataset
                ? $"give the dataset once, as --dataset ORG/NAME, without a model id (got {string.Join(" ", args.Positional)})."
                : $"give exactly one model id, e.g. agront download InstaDeepAI/agro-nucleotide-transformer-1b, or --dataset ORG/NAME (got {args.Positional.Count}).");
        }
        string repoId = dataset ? args.Get("dataset")! : args.Positional[0];
        string? revision = args.Get("revision");
        int at = repoId.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (revision is not null)
            {
                throw new UsageException($"give the revision once: either {repoId} or --revision {revision}.");
            }
            revision = repoId[(at + 1)..];
            repoId = repoId[..at];
        }

        HubSettings settings = HubSettings.FromEnvironment();
        if (args.Get("cache-dir") is { } cacheDirectory)
        {
            settings = settings with { CacheDirectory = cacheDirectory };
        }
        var options = new HubDownloadOptions
        {
            Revision = revision ?? "main",
            RepositoryType = dataset ? Transforms.ModelFolders.HubRepositoryType.Dataset : Transforms.ModelFolders.HubRepositoryType.Model,
            Include = args.GetAll("include"),
        };
        using var progress = CliProgress.Create(args, stderr, Name, ProgressUnit.Bytes);
        options = options with { Progress = args.Has("quiet") ? null : new ProgressPrinter(progress, Name) };
        using var hub = new HubDownloader(settings);
        HubSnapshot snapshot;
        try
        {
            snapshot = hub.Download(repoId, options, cancellationToken);
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            throw new UsageException(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.Dispose();
            stderr.WriteLine($"agront {Name}: cancelled; what arrived stays in the cache as .incomplete and the same command resumes it.");
            return 130;
        }
        progress.Dispose();
        if (!args.Has("quiet"))
        {
            int fetched = snapshot.Files.Count(f => f.Downloaded);
            string commit = snapshot.Commit[..Math.Min(12, snapshot.Commit.Length)];
            stderr.WriteLine(settings.Offline
                ? $"agront {Name}: {repoId}@{options.Revision} (commit {commit}) resolved from the cache (HF_HUB_OFFLINE): {snapshot.Files.Count} files."
                : $"agront {Name}: {repoId}@{options.Revision} (commit {commit}): {snapshot.Files.Count} files, {fetched} downloaded " +
                  $"({ByteSize.Format(snapshot.BytesDownloaded)}), {snapshot.Files.Count - fetched} already cached. Use it with {(dataset ? "--pgb-root" : "--model")} {repoId}" +
                  (options.Revision == "main" ? "" : "@" + options.Revision) + ".");
        }
        stdout.WriteLine(snapshot.Folder);
        return 0;
    }

    /// <summary>One line per file event, and the current file's bytes as progress; synchronous, so lines stay in order.</summary>
    private sealed class ProgressPrinter(CliProgress progress, string verb) : IProgress<HubDownloadProgress>
    {
        private string? _file;

        public void Report(HubDownloadProgress value)
        {
            string name = $"[{value.FileIndex}/{value.FileCount}] {value.FileName}";
            string prefix = $"agront {verb}: {name}";
            if (value.FileName != _file)
            {
                if (_file != null)
                {
                    progress.Restart();
                }
                _file = value.FileName;
            }
            switch (value.Stage)
            {
                case HubDownloadStage.Cached:
                    progress.WriteLine($"{prefix}: already in the cache ({ByteSize.Format(value.BytesDone)})");
                    break;
                case HubDownloadStage.Retrying:
                    progress.WriteLine($"{prefix}: connection lost; resuming at {ByteSize.Format(value.BytesDone)}");
                    break;
                case HubDownloadStage.Completed:
                    progress.Report(value.BytesDone, value.BytesTotal ?? value.BytesDone, name);
                    progress.Complete();
                    progress.WriteLine($"{prefix}: done ({ByteSize.Format(value.BytesDone)})");
                    break;
                case HubDownloadStage.Downloading:
                    progress.Report(value.BytesDone, value.BytesTotal is > 0 ? value.BytesTotal : null, name);
                    break;
            }
        }
    }
}
