using System.Text;
using System.Text.RegularExpressions;

namespace AgroNT.Transforms.ModelFolders;

/// <summary>
/// Turns what a user passes as a model (a folder, or a Hub id such as
/// <c>InstaDeepAI/agro-nucleotide-transformer-1b</c>) into a model folder. Hub ids are looked up in the local Hugging
/// Face cache that <c>huggingface-cli download</c> and <c>from_pretrained</c> fill
/// (<c>models--ORG--NAME/refs/REVISION</c> holds a commit, <c>models--ORG--NAME/snapshots/COMMIT/</c> the files);
/// nothing is ever downloaded here.
/// </summary>
public static partial class HuggingFaceModelLocator
{
    /// <summary>
    /// An existing folder is returned as a full path; <c>ORG/NAME</c> or <c>ORG/NAME@REVISION</c> (a branch, tag or
    /// commit; <c>main</c> when omitted) resolves to its snapshot folder in the cache from <see cref="GetHubCacheDirectory"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">
    /// Neither a folder nor a cached model; the message gives the commands that download it and the paths searched.
    /// </exception>
    public static string Resolve(string folderOrHubId) => Resolve(folderOrHubId, hubCacheDirectory: null);

    /// <summary>As <see cref="Resolve(string)"/>, looking in <paramref name="hubCacheDirectory"/> (when not null) instead of the environment's cache.</summary>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached model.</exception>
    public static string Resolve(string folderOrHubId, string? hubCacheDirectory) =>
        Resolve(folderOrHubId, hubCacheDirectory, HubRepositoryType.Model);

    /// <summary>
    /// A dataset given as a folder (returned as a full path; a <c>datasets--ORG--NAME</c> cache entry becomes its
    /// snapshot) or as a Hub dataset id <c>ORG/NAME[@REVISION]</c> in the Hugging Face cache (<c>datasets--ORG--NAME</c>,
    /// filled by <c>agront download --dataset</c> or <c>huggingface-cli download --repo-type dataset</c>).
    /// </summary>
    /// <param name="folderOrDatasetId">A folder, or a dataset id.</param>
    /// <param name="hubCacheDirectory">The cache to look in; <see langword="null"/> = <see cref="GetHubCacheDirectory"/>.</param>
    /// <returns>The folder holding the dataset's files.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither a folder nor a cached dataset; the message gives the download commands and the paths searched.</exception>
    public static string ResolveDataset(string folderOrDatasetId, string? hubCacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folderOrDatasetId);
        return Directory.Exists(folderOrDatasetId) && Directory.Exists(Path.Combine(folderOrDatasetId, "snapshots"))
            ? ResolveCacheEntry(Path.GetFullPath(folderOrDatasetId))
            : Resolve(folderOrDatasetId, hubCacheDirectory, HubRepositoryType.Dataset);
    }

    private static string Resolve(string folderOrHubId, string? hubCacheDirectory, HubRepositoryType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folderOrHubId);
        if (Directory.Exists(folderOrHubId))
        {
            return Path.GetFullPath(folderOrHubId);
        }
        Match match = HubId().Match(folderOrHubId);
        if (!match.Success || folderOrHubId.Contains("..", StringComparison.Ordinal))
        {
            throw new DirectoryNotFoundException(type == HubRepositoryType.Model
                ? $"'{folderOrHubId}' is neither an existing folder nor a Hugging Face Hub id (ORG/NAME, optionally " +
                  "@revision). Pass the folder that holds config.json and the weights, or a Hub id."
                : $"'{folderOrHubId}' is neither an existing folder nor a Hugging Face dataset id (ORG/NAME, optionally " +
                  "@revision). Pass the dataset's folder, or the id of a dataset downloaded with agront download --dataset ORG/NAME.");
        }
        string repoId = match.Groups["repo"].Value;
        string? revision = match.Groups["revision"].Success ? match.Groups["revision"].Value : null;
        string cache = Path.GetFullPath(hubCacheDirectory ?? GetHubCacheDirectory());
        string repoFolder = Path.Combine(cache, GetCacheFolderName(repoId, type));
        string wanted = revision ?? "main";
        var searched = new List<string>();

        string snapshots = Path.Combine(repoFolder, "snapshots");
        if (CommitHash().IsMatch(wanted))
        {
            string direct = Path.Combine(snapshots, wanted);
            searched.Add(direct);
            if (Directory.Exists(direct))
            {
                return direct;
            }
        }
        string reference = Path.Combine(repoFolder, "refs", wanted);
        searched.Add(reference);
        if (File.Exists(reference))
        {
            string commit = File.ReadAllText(reference).Trim();
            string snapshot = Path.Combine(snapshots, commit);
            searched.Add(snapshot);
            if (commit.Length > 0 && !commit.Contains('/') && !commit.Contains('\\') && Directory.Exists(snapshot))
            {
                return snapshot;
            }
        }
        throw new DirectoryNotFoundException(NotFoundMessage(repoId, revision, cache, repoFolder, searched, type));
    }

    /// <summary>
    /// A Hugging Face cache entry given as a folder (<c>models--ORG--NAME</c>, holding <c>refs/</c> and <c>snapshots/</c>)
    /// becomes its <c>main</c> snapshot, or its only snapshot when it has no <c>main</c> ref; any other folder is returned as is.
    /// </summary>
    /// <param name="folder">An existing folder.</param>
    /// <returns>The folder that holds the model files.</returns>
    public static string ResolveCacheEntry(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string snapshots = Path.Combine(folder, "snapshots");
        if (File.Exists(Path.Combine(folder, "config.json")) || File.Exists(Path.Combine(folder, "vocab.txt")) || !Directory.Exists(snapshots))
        {
            return folder;
        }
        string refMain = Path.Combine(folder, "refs", "main");
        if (File.Exists(refMain))
        {
            string commit = File.ReadAllText(refMain).Trim();
            string revision = Path.Combine(snapshots, commit);
            if (commit.Length > 0 && !commit.Contains('/') && !commit.Contains('\\') && Directory.Exists(revision))
            {
                return revision;
            }
        }
        string[] revisions = Directory.GetDirectories(snapshots);
        return revisions.Length == 1 ? revisions[0] : folder;
    }

    /// <summary>
    /// The Hugging Face Hub cache folder, chosen as huggingface_hub chooses it: <c>$HF_HUB_CACHE</c>, else
    /// <c>$HUGGINGFACE_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>$XDG_CACHE_HOME/huggingface/hub</c>, else
    /// <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public static string GetHubCacheDirectory()
    {
        if (NonEmpty("HF_HUB_CACHE") is { } hubCache)
        {
            return hubCache;
        }
        if (NonEmpty("HUGGINGFACE_HUB_CACHE") is { } legacyHubCache)
        {
            return legacyHubCache;
        }
        if (NonEmpty("HF_HOME") is { } home)
        {
            return Path.Combine(home, "hub");
        }
        if (NonEmpty("XDG_CACHE_HOME") is { } xdg)
        {
            return Path.Combine(xdg, "huggingface", "hub");
        }
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");
    }

    /// <summary>The cache's folder name for a model repository: <c>ORG/NAME</c> becomes <c>models--ORG--NAME</c>.</summary>
    public static string GetCacheFolderName(string repoId) => GetCacheFolderName(repoId, HubRepositoryType.Model);

    /// <summary>The cache's folder name for a repository: <c>models--ORG--NAME</c> or <c>datasets--ORG--NAME</c>.</summary>
    /// <param name="repoId"><c>ORG/NAME</c>.</param>
    /// <param name="type">Model or dataset.</param>
    /// <returns>The folder name.</returns>
    public static string GetCacheFolderName(string repoId, HubRepositoryType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repoId);
        return (type == HubRepositoryType.Dataset ? "datasets--" : "models--") + repoId.Replace("/", "--", StringComparison.Ordinal);
    }

    private static string NotFoundMessage(string repoId, string? revision, string cache, string repoFolder, List<string> searched, HubRepositoryType type)
    {
        bool dataset = type == HubRepositoryType.Dataset;
        string revisionArgument = revision is null ? "" : $" --revision {revision}";
        var text = new StringBuilder();
        text.Append($"The {(dataset ? "dataset" : "model")} {repoId} (revision {revision ?? "main"}) is not in the local Hugging Face cache {cache}.");
        text.AppendLine().Append("Searched:");
        foreach (string path in searched)
        {
            text.AppendLine().Append("  ").Append(path).Append(" (not found)");
        }
        string refs = Path.Combine(repoFolder, "refs");
        if (Directory.Exists(refs))
        {
            string available = string.Join(", ", Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(refs, f)).Order(StringComparer.Ordinal));
            if (available.Length > 0)
            {
                text.AppendLine().Append($"The cache has {repoId} at: {available} (ask for {repoId}@REVISION).");
            }
        }
        text.AppendLine().Append("Download it with:")
            .AppendLine().Append($"  agront download {(dataset ? "--dataset " : "")}{repoId}{revisionArgument}")
            .AppendLine().Append("or, with Python's huggingface_hub:")
            .AppendLine().Append($"  huggingface-cli download {repoId}{(dataset ? " --repo-type dataset" : "")}{revisionArgument}")
            .AppendLine().Append((dataset ? "or pass the dataset's folder." : "or pass the folder that holds config.json and the weights.") + " The cache folder comes from " +
                "$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.");
        return text.ToString();
    }

    private static string? NonEmpty(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;

    [GeneratedRegex(@"^(?<repo>[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)(@(?<revision>[A-Za-z0-9][A-Za-z0-9._/-]*))?$")]
    private static partial Regex HubId();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
