using AgroNT.Transforms.ModelFolders;
using System.Text.RegularExpressions;
using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Hub;

/// <summary>
/// One model repository's folder in the Hugging Face cache, laid out as huggingface_hub lays it out so that Python and
/// .NET share it: <c>blobs/ETAG</c> holds each file's bytes once (<c>ETAG.incomplete</c> while it arrives),
/// <c>snapshots/COMMIT/PATH</c> are relative symbolic links to the blobs, <c>refs/REVISION</c> holds the commit a branch
/// or tag pointed to, and <c>../.locks/models--ORG--NAME/ETAG.lock</c> serialises writers of one blob (an exclusive
/// lock; .NET and Python's filelock both use <c>flock</c> on Unix).
/// </summary>
internal sealed partial class HubCacheRepository
{
    private readonly bool _symbolicLinksDisabled;

    public HubCacheRepository(string cacheDirectory, string repoId, bool symbolicLinksDisabled = false, HubRepositoryType type = HubRepositoryType.Model)
    {
        string cache = Path.GetFullPath(cacheDirectory);
        string folderName = HuggingFaceModelLocator.GetCacheFolderName(repoId, type);
        Root = Path.Combine(cache, folderName);
        LockFolder = Path.Combine(cache, ".locks", folderName);
        _symbolicLinksDisabled = symbolicLinksDisabled;
    }

    /// <summary><c>.../models--ORG--NAME</c> (or <c>datasets--ORG--NAME</c>).</summary>
    public string Root { get; }

    public string LockFolder { get; }

    public string BlobPath(string etag) => Path.Combine(Root, "blobs", etag);

    public string SnapshotFolder(string commit) => Path.Combine(Root, "snapshots", commit);

    public string SnapshotPath(string commit, string repoPath) =>
        Path.Combine(SnapshotFolder(commit), repoPath.Replace('/', Path.DirectorySeparatorChar));

    public string RefPath(string revision) => Path.Combine(Root, "refs", revision.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Whether a git commit id: snapshots of a commit never change, so a present file needs no request.</summary>
    public static bool IsCommit(string revision) => CommitId().IsMatch(revision);

    /// <summary>The commit a revision points to in the cache: itself when a commit with a snapshot, else the content of its ref.</summary>
    public string? TryResolveCommit(string revision)
    {
        if (IsCommit(revision) && Directory.Exists(SnapshotFolder(revision)))
        {
            return revision;
        }
        string reference = RefPath(revision);
        if (!File.Exists(reference))
        {
            return null;
        }
        string commit = File.ReadAllText(reference).Trim();
        return IsCommit(commit) && Directory.Exists(SnapshotFolder(commit)) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> points to <paramref name="commit"/> (no-op for a commit).</summary>
    public void WriteRef(string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }
        string path = RefPath(revision);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == commit)
        {
            return;
        }
        Transforms.IO.StagedFile.WriteAllText(path, commit);
    }

    /// <summary>Whether the snapshot entry exists and reaches a file (a dangling link does not count).</summary>
    public static bool EntryExists(string entry, out long size)
    {
        size = 0;
        var info = new FileInfo(entry);
        if (info.LinkTarget is not null)
        {
            if (info.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } target)
            {
                return false;
            }
            size = target.Length;
            return true;
        }
        if (!info.Exists)
        {
            return false;
        }
        size = info.Length;
        return true;
    }

    /// <summary>
    /// Points the snapshot entry at the blob with a relative symbolic link (replacing what was there in one rename).
    /// Where links cannot be made, a new blob is moved into the snapshot (as huggingface_hub does, so the bytes are not
    /// stored twice) and an existing one copied.
    /// </summary>
    public void Link(string entry, string blob, bool newBlob)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
        string temporary = TemporaryName(entry);
        if (!_symbolicLinksDisabled)
        {
            try
            {
                File.CreateSymbolicLink(temporary, Path.GetRelativePath(Path.GetDirectoryName(entry)!, blob));
                File.Move(temporary, entry, overwrite: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                File.Delete(temporary);
            }
        }
        if (newBlob)
        {
            File.Move(blob, entry, overwrite: true);
            return;
        }
        File.Copy(blob, temporary, overwrite: true);
        File.Move(temporary, entry, overwrite: true);
    }

    /// <summary>The etag of a snapshot entry that links to a blob, else null.</summary>
    public static string? LinkedETag(string entry)
    {
        var info = new FileInfo(entry);
        return info.LinkTarget is { } target ? Path.GetFileName(target) : null;
    }

    /// <summary>
    /// Takes the exclusive lock on one blob, waiting while another download (this process or another, .NET or Python)
    /// holds it.
    /// </summary>
    public async Task<IDisposable> LockBlobAsync(string etag, Action? waiting, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(LockFolder);
        string path = Path.Combine(LockFolder, etag + ".lock");
        bool reported = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!reported)
                {
                    waiting?.Invoke();
                    reported = true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string TemporaryName(string path) => path + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp";

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitId();
}
