using AgroNT.MLNet.Hub;
using AgroNT.MLNet.Tests.Checkpoints.Support;

namespace AgroNT.MLNet.Tests.Hub;

public sealed class HubCacheRepositoryTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly TempFolder _temp = new();
    private readonly HubCacheRepository _cache;

    public HubCacheRepositoryTests()
    {
        _cache = new HubCacheRepository(_temp.Path, "org/name");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Paths_FollowHuggingFaceHubsLayout()
    {
        Assert.Equal(Path.Combine(_temp.Path, "models--org--name"), _cache.Root);
        Assert.Equal(Path.Combine(_cache.Root, "blobs", "abc"), _cache.BlobPath("abc"));
        Assert.Equal(Path.Combine(_cache.Root, "snapshots", Commit, "sub", "f.txt"), _cache.SnapshotPath(Commit, "sub/f.txt"));
        Assert.Equal(Path.Combine(_cache.Root, "refs", "pr", "1"), _cache.RefPath("pr/1"));
        Assert.Equal(Path.Combine(_temp.Path, ".locks", "models--org--name"), _cache.LockFolder);
    }

    [Fact]
    public void WriteRef_BranchWithSlash_WritesTheCommitWithoutNewlineAndResolves()
    {
        Directory.CreateDirectory(_cache.SnapshotFolder(Commit));

        _cache.WriteRef("pr/1", Commit);

        Assert.Equal(Commit, File.ReadAllText(_cache.RefPath("pr/1")));
        Assert.Equal(Commit, _cache.TryResolveCommit("pr/1"));
        Assert.Equal(Commit, _cache.TryResolveCommit(Commit));
        Assert.Null(_cache.TryResolveCommit("main"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_cache.Root, "refs", "pr"), "*.tmp"));
    }

    [Fact]
    public void WriteRef_Commit_WritesNothing()
    {
        _cache.WriteRef(Commit, Commit);

        Assert.False(Directory.Exists(Path.Combine(_cache.Root, "refs")));
    }

    [Fact]
    public void Link_NestedPath_IsARelativeLinkThatEntryExistsFollows()
    {
        string blob = _cache.BlobPath("abc");
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllText(blob, "12345");
        string entry = _cache.SnapshotPath(Commit, "sub/f.txt");

        _cache.Link(entry, blob, newBlob: true);

        Assert.Equal(Path.Combine("..", "..", "..", "blobs", "abc"), new FileInfo(entry).LinkTarget);
        Assert.True(HubCacheRepository.EntryExists(entry, out long size));
        Assert.Equal(5, size);
        Assert.Equal("abc", HubCacheRepository.LinkedETag(entry));
        File.Delete(blob);
        Assert.False(HubCacheRepository.EntryExists(entry, out _));
    }

    [Fact]
    public async Task LockBlobAsync_HeldElsewhere_WaitsUntilReleased()
    {
        IDisposable held = await _cache.LockBlobAsync("abc", waiting: null, CancellationToken.None);
        bool waited = false;

        Task<IDisposable> second = _cache.LockBlobAsync("abc", () => waited = true, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        Assert.True(waited);
        held.Dispose();

        using IDisposable acquired = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(Path.Combine(_cache.LockFolder, "abc.lock")));
    }

    [Fact]
    public async Task LockBlobAsync_Cancelled_Throws()
    {
        using IDisposable held = await _cache.LockBlobAsync("abc", waiting: null, CancellationToken.None);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _cache.LockBlobAsync("abc", waiting: null, cancellation.Token));
    }
}
