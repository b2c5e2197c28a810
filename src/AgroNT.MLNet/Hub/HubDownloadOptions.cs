using AgroNT.Transforms.ModelFolders;

namespace AgroNT.MLNet.Hub;

/// <summary>What one <see cref="HubDownloader.DownloadAsync"/> call fetches, and how patiently.</summary>
public sealed record HubDownloadOptions
{
    /// <summary>
    /// A model (the default) or a dataset repository, such as <c>InstaDeepAI/plant-genomic-benchmark</c>; datasets are
    /// cached in <c>datasets--ORG--NAME</c>, where <see cref="HuggingFaceModelLocator.ResolveDataset"/> finds them.
    /// </summary>
    public HubRepositoryType RepositoryType { get; init; } = HubRepositoryType.Model;

    /// <summary>A branch, tag or 40-hex commit (default <c>main</c>).</summary>
    public string Revision { get; init; } = "main";

    /// <summary>
    /// Glob patterns (<c>*</c> any text including <c>/</c>, <c>?</c> one character, <c>[abc]</c> a set; a pattern
    /// ending in <c>/</c> means everything under that folder) of the repository files to fetch, e.g.
    /// <c>config.json</c>, <c>vocab.txt</c>, <c>*.safetensors</c>; empty (the default) fetches every file.
    /// </summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Receives file-by-file and byte progress; called on the downloading thread, so keep it quick.</summary>
    public IProgress<HubDownloadProgress>? Progress { get; init; }

    /// <summary>Tries per request before a network failure (a refused or dropped connection, a 5xx, a 429) is final; downloads resume where they stopped.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the first retry; doubled for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A response that sends nothing for this long counts as a dropped connection.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
