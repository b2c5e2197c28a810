namespace AgroNT.MLNet.Hub;

/// <summary>A model repository at one commit in the local Hugging Face cache, as a download left it.</summary>
/// <param name="RepoId">The repository id, <c>ORG/NAME</c>.</param>
/// <param name="Revision">The revision asked for (a branch, tag or commit).</param>
/// <param name="Commit">The 40-hex commit the revision resolved to.</param>
/// <param name="Folder">The snapshot folder (<c>.../models--ORG--NAME/snapshots/COMMIT</c>): pass it, or the Hub id, as a model folder.</param>
/// <param name="Files">The files fetched or found, in repository order.</param>
public sealed record HubSnapshot(string RepoId, string Revision, string Commit, string Folder, IReadOnlyList<HubSnapshotFile> Files)
{
    /// <summary>The bytes this call transferred into the cache (resumed bytes from an earlier call not included).</summary>
    public long BytesDownloaded { get; init; }
}

/// <summary>One file of a <see cref="HubSnapshot"/>.</summary>
/// <param name="Path">The repository path, with <c>/</c> separators.</param>
/// <param name="LocalPath">The snapshot entry (a symbolic link to the blob, or a copy where links are not possible).</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="ETag">
/// The blob name: the file's sha256 for large (LFS) files, its git blob id otherwise; null when resolved offline from a
/// snapshot entry that is a copy.
/// </param>
/// <param name="Downloaded">False when the file was already in the cache.</param>
public sealed record HubSnapshotFile(string Path, string LocalPath, long Size, string? ETag, bool Downloaded);
