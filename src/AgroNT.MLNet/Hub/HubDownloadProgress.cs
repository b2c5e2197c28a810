namespace AgroNT.MLNet.Hub;

/// <summary>What a <see cref="HubDownloadProgress"/> report is about.</summary>
public enum HubDownloadStage
{
    /// <summary>The file is already in the cache for this commit; nothing is fetched.</summary>
    Cached,

    /// <summary>Bytes of the file are arriving (<see cref="HubDownloadProgress.BytesDone"/> counts those on disk, resumed ones included).</summary>
    Downloading,

    /// <summary>The connection failed; the download resumes from <see cref="HubDownloadProgress.BytesDone"/> after a pause.</summary>
    Retrying,

    /// <summary>The file is complete, verified and linked into the snapshot.</summary>
    Completed,
}

/// <summary>One progress report of a Hub download.</summary>
/// <param name="FileName">The repository path of the file (<c>config.json</c>, <c>model.safetensors</c>).</param>
/// <param name="FileIndex">1-based position of the file among <paramref name="FileCount"/>.</param>
/// <param name="FileCount">The number of files this download fetches or finds cached.</param>
/// <param name="Stage">What happened.</param>
/// <param name="BytesDone">Bytes of the file on disk.</param>
/// <param name="BytesTotal">The file's size, when the Hub said.</param>
public readonly record struct HubDownloadProgress(string FileName, int FileIndex, int FileCount, HubDownloadStage Stage, long BytesDone, long? BytesTotal);
