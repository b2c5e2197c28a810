using AgroNT.Transforms.ModelFolders;
using System.Security.Cryptography;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Hub;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;

namespace AgroNT.MLNet.Tests.Hub;

public sealed class HubDownloaderTests : IDisposable
{
    private const string RepoId = "InstaDeepAI/agro-tiny";

    private readonly FakeHubServer _server = new();
    private readonly TempFolder _temp = new();
    private readonly FakeHubRepository _repository;
    private readonly string _commit;

    public HubDownloaderTests()
    {
        _repository = _server.AddTinyModel(RepoId, out _commit);
    }

    private string Cache => _temp.File("hub");

    private string RepoFolder => Path.Combine(Cache, "models--InstaDeepAI--agro-tiny");

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task DownloadAsync_FreshCache_LaysOutBlobsSnapshotLinksAndRefLikeHuggingFaceHub()
    {
        HubSnapshot snapshot = await Download();

        Assert.Equal(_commit, snapshot.Commit);
        Assert.Equal(Path.Combine(RepoFolder, "snapshots", _commit), snapshot.Folder);
        Assert.Equal(_commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        var files = _repository.FilesAt(_commit);
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), snapshot.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        foreach (HubSnapshotFile file in snapshot.Files)
        {
            FakeHubFile expected = files[file.Path];
            Assert.True(file.Downloaded);
            Assert.Equal(expected.ETag, file.ETag);
            Assert.Equal(expected.Content.Length, file.Size);
            string blob = Path.Combine(RepoFolder, "blobs", expected.ETag);
            Assert.Equal(expected.Content, File.ReadAllBytes(blob));
            var entry = new FileInfo(Path.Combine(snapshot.Folder, file.Path));
            Assert.Equal(Path.Combine("..", "..", "blobs", expected.ETag), entry.LinkTarget);
            Assert.Equal(expected.Content, File.ReadAllBytes(entry.FullName));
        }
        // LFS blobs are named by their sha256, git files by their git blob id.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "model.safetensors")))),
            snapshot.Files.Single(f => f.Path == "model.safetensors").ETag);
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs"), "*.incomplete"));
        Assert.Equal(snapshot.Folder, HuggingFaceModelLocator.Resolve(RepoId, Cache));
    }

    [Fact]
    public async Task DownloadAsync_LfsFile_HeadReadsLinkedHeadersAndGetFollowsTheRedirectToStorage()
    {
        await Download(settings => settings with { Token = "hf_secret" });

        FakeHubRequest head = Assert.Single(_server.RequestsTo("hub"), r => r.Method == "HEAD" && r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal));
        Assert.Equal(302, head.Status);
        Assert.Contains($"/{RepoId}/resolve/{_commit}/", head.Path, StringComparison.Ordinal);
        Assert.Equal("Bearer hf_secret", head.Header("Authorization"));
        FakeHubRequest get = Assert.Single(_server.RequestsTo("storage"));
        Assert.Equal("GET", get.Method);
        Assert.Null(get.Header("Authorization"));
        Assert.DoesNotContain(_server.RequestsTo("hub"), r => r.Method == "GET" && r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownloadAsync_SecondTime_IsANoOpThatOnlyAsksForTheCommit()
    {
        await Download();
        int before = _server.Requests.Count;
        var progress = new List<HubDownloadProgress>();

        HubSnapshot again = await Download(options: new HubDownloadOptions { Progress = new ListProgress(progress) });

        Assert.All(again.Files, f => Assert.False(f.Downloaded));
        Assert.Equal(0, again.BytesDownloaded);
        FakeHubRequest only = Assert.Single(_server.Requests.Skip(before));
        Assert.StartsWith("/api/models/", only.Path, StringComparison.Ordinal);
        Assert.All(progress, p => Assert.Equal(HubDownloadStage.Cached, p.Stage));
        Assert.Equal(again.Files.Count, progress.Count);
    }

    [Fact]
    public async Task DownloadAsync_ConnectionDroppedMidFile_ResumesWithARangeRequest()
    {
        _server.DropAfterBytes = 100_000;
        _server.DropNextDownloads(1);
        var progress = new List<HubDownloadProgress>();

        HubSnapshot snapshot = await Download(options: new HubDownloadOptions { Progress = new ListProgress(progress) });

        var gets = _server.RequestsTo("storage");
        Assert.Equal(2, gets.Count);
        Assert.Null(gets[0].Header("Range"));
        Assert.Equal("bytes=100000-", gets[1].Header("Range"));
        Assert.Equal(206, gets[1].Status);
        Assert.Contains(progress, p => p.Stage == HubDownloadStage.Retrying && p.BytesDone == 100_000);
        Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "model.safetensors")), File.ReadAllBytes(Path.Combine(snapshot.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadAsync_InterruptedRun_KeepsOnlyTheIncompleteFileAndTheNextRunResumes()
    {
        _server.DropAfterBytes = 50_000;
        _server.DropNextDownloads(1);

        var error = await Assert.ThrowsAsync<HubException>(() => Download(options: new HubDownloadOptions { MaxAttempts = 1 }));

        Assert.Equal(HubErrorKind.Network, error.Kind);
        Assert.Contains("resume", error.Message, StringComparison.Ordinal);
        string etag = _repository.FilesAt(_commit)["model.safetensors"].ETag;
        string blob = Path.Combine(RepoFolder, "blobs", etag);
        Assert.False(File.Exists(blob));
        Assert.Equal(50_000, new FileInfo(blob + ".incomplete").Length);
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", _commit, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")));

        HubSnapshot snapshot = await Download();

        Assert.Equal("bytes=50000-", _server.RequestsTo("storage")[^1].Header("Range"));
        Assert.True(File.Exists(blob));
        Assert.False(File.Exists(blob + ".incomplete"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "model.safetensors")), File.ReadAllBytes(Path.Combine(snapshot.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadAsync_CorruptedLfsFile_FailsTheSha256CheckAndKeepsNothing()
    {
        _server.CorruptStorage = true;

        var error = await Assert.ThrowsAsync<HubException>(() => Download(options: new HubDownloadOptions { Include = ["model.safetensors"] }));

        Assert.Equal(HubErrorKind.Integrity, error.Kind);
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs")));
        Assert.False(Directory.Exists(Path.Combine(RepoFolder, "snapshots")));
    }

    [Fact]
    public async Task DownloadAsync_GatedRepositoryWithoutToken_Is401NamingHfTokenAndTheLicence()
    {
        _repository.Token = "hf_right";

        var error = await Assert.ThrowsAsync<HubException>(() => Download());

        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains("licence", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{_server.Endpoint.AbsoluteUri}{RepoId}", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RepoFolder));

        var refused = await Assert.ThrowsAsync<HubException>(() => Download(settings => settings with { Token = "hf_wrong" }));
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);

        HubSnapshot snapshot = await Download(settings => settings with { Token = "hf_right" });
        Assert.Equal(6, snapshot.Files.Count);
    }

    [Fact]
    public async Task DownloadAsync_UnknownRepository_Is404NamingTheRepository()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Download(repoId: "InstaDeepAI/no-such-model"));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("InstaDeepAI/no-such-model", error.Message, StringComparison.Ordinal);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_UnknownRevision_Is404NamingTheRevision()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Download(options: new HubDownloadOptions { Revision = "v9" }));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("revision 'v9'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_IncludePatterns_FetchesOnlyMatchingFiles()
    {
        HubSnapshot snapshot = await Download(options: new HubDownloadOptions { Include = ["config.json", "*.txt"] });

        Assert.Equal(["config.json", "vocab.txt"], snapshot.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Empty(_server.RequestsTo("storage"));
        Assert.Equal(["config.json", "vocab.txt"], Directory.GetFiles(snapshot.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DownloadAsync_PatternMatchingNothing_SaysWhatTheRepositoryHas()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Download(options: new HubDownloadOptions { Include = ["*.onnx"] }));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_Offline_ResolvesFromTheCacheWithoutAnyRequest()
    {
        await Download(options: new HubDownloadOptions { Include = ["config.json", "vocab.txt", "*.safetensors"] });
        int before = _server.Requests.Count;

        HubSnapshot offline = await Download(settings => settings with { Offline = true });

        Assert.Equal(before, _server.Requests.Count);
        Assert.Equal(_commit, offline.Commit);
        Assert.Equal(["config.json", "model.safetensors", "vocab.txt"], offline.Files.Select(f => f.Path));
        Assert.Equal(_repository.FilesAt(_commit)["model.safetensors"].ETag, offline.Files[1].ETag);
        Assert.Equal(new FileInfo(Path.Combine(SharedData.TinyModel, "model.safetensors")).Length, offline.Files[1].Size);
    }

    [Fact]
    public async Task DownloadAsync_OfflineAndNotCached_FailsNamingTheDownloadCommand()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Download(settings => settings with { Offline = true }));

        Assert.Equal(HubErrorKind.NotCachedOffline, error.Kind);
        Assert.Contains("HF_HUB_OFFLINE", error.Message, StringComparison.Ordinal);
        Assert.Contains($"agront download {RepoId}", error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task DownloadAsync_NewCommitOnTheBranch_MovesTheRefAndReusesUnchangedBlobs()
    {
        await Download();
        var files = _repository.FilesAt(_commit).Values.Where(f => f.Path != "config.json").ToList();
        string newCommit = _repository.AddCommit("main", [.. files, FakeHubFile.Text("config.json", File.ReadAllText(Path.Combine(SharedData.TinyModel, "config.json")) + "\n")]);
        int storageBefore = _server.RequestsTo("storage").Count;

        HubSnapshot snapshot = await Download();

        Assert.Equal(newCommit, snapshot.Commit);
        Assert.Equal(newCommit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        Assert.Equal(storageBefore, _server.RequestsTo("storage").Count);
        Assert.Equal(["config.json"], snapshot.Files.Where(f => f.Downloaded).Select(f => f.Path));
        Assert.True(Directory.Exists(Path.Combine(RepoFolder, "snapshots", _commit)));
    }

    [Fact]
    public async Task DownloadAsync_TwoAtOnce_TheBlobLockLetsOnlyOneFetchIt()
    {
        var settings = new HubSettings { Endpoint = _server.Endpoint, CacheDirectory = Cache };
        using var first = new HubDownloader(settings);
        using var second = new HubDownloader(settings);
        var options = new HubDownloadOptions { Include = ["model.safetensors"] };

        HubSnapshot[] snapshots = await Task.WhenAll(
            Task.Run(() => first.DownloadAsync(RepoId, options)), Task.Run(() => second.DownloadAsync(RepoId, options)));

        Assert.Single(_server.RequestsTo("storage"));
        Assert.Equal(snapshots[0].Folder, snapshots[1].Folder);
        Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.TinyModel, "model.safetensors")), File.ReadAllBytes(Path.Combine(snapshots[0].Folder, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadAsync_CommitRevision_WritesNoRef()
    {
        HubSnapshot snapshot = await Download(options: new HubDownloadOptions { Revision = _commit, Include = ["config.json"] });

        Assert.Equal(_commit, snapshot.Commit);
        Assert.False(Directory.Exists(Path.Combine(RepoFolder, "refs")));
        Assert.Equal(snapshot.Folder, HuggingFaceModelLocator.Resolve($"{RepoId}@{_commit}", Cache));
    }

    [Fact]
    public async Task DownloadAsync_WithoutSymbolicLinks_PutsTheFilesThemselvesInTheSnapshot()
    {
        HubSnapshot snapshot = await Download(settings => settings with { SymbolicLinksDisabled = true });

        foreach (HubSnapshotFile file in snapshot.Files)
        {
            var entry = new FileInfo(file.LocalPath);
            Assert.Null(entry.LinkTarget);
            Assert.Equal(_repository.FilesAt(_commit)[file.Path].Content, File.ReadAllBytes(entry.FullName));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(RepoFolder, "blobs")));
    }

    [Fact]
    public async Task DownloadAsync_HubUnreachable_IsANetworkErrorSuggestingOfflineMode()
    {
        var settings = new HubSettings { Endpoint = _server.Endpoint, CacheDirectory = Cache };
        _server.Dispose();
        using var hub = new HubDownloader(settings);

        var error = await Assert.ThrowsAsync<HubException>(() => hub.DownloadAsync(RepoId, new HubDownloadOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(10) }));

        Assert.Equal(HubErrorKind.Network, error.Kind);
        Assert.Contains("after 2 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_OFFLINE=1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_ListedPathEscapingTheSnapshot_IsRefused()
    {
        _server.AddRepository("evil/model").AddCommit("main", FakeHubFile.Text("../../../escape.txt", "x"));

        var error = await Assert.ThrowsAsync<HubException>(() => Download(repoId: "evil/model"));

        Assert.Equal(HubErrorKind.Protocol, error.Kind);
        Assert.False(File.Exists(Path.Combine(Cache, "escape.txt")));
    }

    [Theory]
    [InlineData("no-slash")]
    [InlineData("a/b/c")]
    [InlineData("../etc")]
    [InlineData("org/name@main")]
    public async Task DownloadAsync_MalformedRepoId_ThrowsArgumentException(string repoId)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Download(repoId: repoId));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Download_Synchronous_LoadsAsAModelByHubId()
    {
        using var hub = new HubDownloader(new HubSettings { Endpoint = _server.Endpoint, CacheDirectory = Cache });

        HubSnapshot snapshot = hub.Download(RepoId);

        using var model = AgroNTModel.Load(snapshot.Folder);
        Assert.Equal(64, model.Config.HiddenSize);
        Assert.Equal(4105, model.Tokenizer.Vocabulary.Count);
    }

    [Fact]
    public async Task DownloadAsync_Dataset_UsesTheDatasetRoutesAndCacheFolderAndFetchesOnlyTheIncludedFiles()
    {
        const string DatasetId = "InstaDeepAI/plant-genomic-benchmark";
        string commit = AddBenchmarkDataset(DatasetId);

        HubSnapshot snapshot = await Download(options: new HubDownloadOptions { RepositoryType = HubRepositoryType.Dataset, Include = ["poly_a/*"] }, repoId: DatasetId);

        string folder = Path.Combine(Cache, "datasets--InstaDeepAI--plant-genomic-benchmark");
        Assert.Equal(Path.Combine(folder, "snapshots", commit), snapshot.Folder);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(folder, "refs", "main")));
        Assert.Equal(["poly_a/arabidopsis_thaliana_test.fa", "poly_a/arabidopsis_thaliana_train.fa"], snapshot.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa")),
            File.ReadAllBytes(Path.Combine(snapshot.Folder, "poly_a", "arabidopsis_thaliana_train.fa")));
        Assert.Contains(_server.RequestsTo("hub"), r => r.Method == "GET" && r.Path == $"/api/datasets/{DatasetId}/revision/main");
        Assert.Contains(_server.RequestsTo("hub"), r => r.Method == "HEAD" && r.Path == $"/datasets/{DatasetId}/resolve/{commit}/poly_a/arabidopsis_thaliana_train.fa");
        Assert.DoesNotContain(_server.RequestsTo("hub"), r => r.Path.Contains("lncrna", StringComparison.Ordinal) || r.Path.StartsWith("/api/models/", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(Cache, "models--InstaDeepAI--plant-genomic-benchmark")));

        // The cached id is a benchmark root: the locator finds the snapshot, the loader streams the task from it.
        string root = HuggingFaceModelLocator.ResolveDataset(DatasetId, Cache);
        Assert.Equal(snapshot.Folder, root);
        var test = PlantGenomicBenchmark.Load(root, "poly_a/arabidopsis_thaliana", BenchmarkSplit.Test);
        Assert.Equal(134, test.ReadExamples().Count());
    }

    [Fact]
    public async Task DownloadAsync_DatasetInterrupted_ResumesWithARangeRequestAndVerifies()
    {
        const string DatasetId = "org/pgb";
        string commit = AddBenchmarkDataset(DatasetId);
        _server.DropAfterBytes = 40_000;
        _server.DropNextDownloads(1);
        var options = new HubDownloadOptions { RepositoryType = HubRepositoryType.Dataset, Include = ["poly_a/arabidopsis_thaliana_train.fa"], MaxAttempts = 1 };

        var error = await Assert.ThrowsAsync<HubException>(() => Download(options: options, repoId: DatasetId));
        Assert.Equal(HubErrorKind.Network, error.Kind);
        HubSnapshot snapshot = await Download(options: options, repoId: DatasetId);

        Assert.Equal("bytes=40000-", _server.RequestsTo("storage")[^1].Header("Range"));
        Assert.Equal(Path.Combine(Cache, "datasets--org--pgb", "snapshots", commit), snapshot.Folder);
        Assert.Equal(File.ReadAllBytes(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa")),
            File.ReadAllBytes(Path.Combine(snapshot.Folder, "poly_a", "arabidopsis_thaliana_train.fa")));
    }

    [Fact]
    public void ResolveDataset_NotCached_SaysHowToDownloadIt()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => HuggingFaceModelLocator.ResolveDataset("org/absent", Cache));

        Assert.Contains("The dataset org/absent (revision main) is not in the local Hugging Face cache", error.Message, StringComparison.Ordinal);
        Assert.Contains("agront download --dataset org/absent", error.Message, StringComparison.Ordinal);
        Assert.Contains("huggingface-cli download org/absent --repo-type dataset", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(Cache, "datasets--org--absent"), error.Message, StringComparison.Ordinal);
    }

    /// <summary>The chloroplast task files served as two benchmark configs (the training file through LFS storage).</summary>
    private string AddBenchmarkDataset(string datasetId)
    {
        string task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding");
        return _server.AddDataset(datasetId).AddCommit("main",
            FakeHubFile.Text("README.md", "# plant genomic benchmark (test copy)\n"),
            FakeHubFile.FromDisk("poly_a/arabidopsis_thaliana_train.fa", Path.Combine(task, "train.fa"), lfs: true),
            FakeHubFile.FromDisk("poly_a/arabidopsis_thaliana_test.fa", Path.Combine(task, "test.fa"), lfs: false),
            FakeHubFile.FromDisk("lncrna/g_max_train.fa", Path.Combine(task, "validation.fa"), lfs: false));
    }

    private async Task<HubSnapshot> Download(Func<HubSettings, HubSettings>? configure = null, HubDownloadOptions? options = null, string repoId = RepoId)
    {
        var settings = new HubSettings { Endpoint = _server.Endpoint, CacheDirectory = Cache };
        using var hub = new HubDownloader(configure?.Invoke(settings) ?? settings);
        options ??= new HubDownloadOptions();
        return await hub.DownloadAsync(repoId, options with { RetryDelay = TimeSpan.FromMilliseconds(10) });
    }

    /// <summary>Collects reports synchronously, in order (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class ListProgress(List<HubDownloadProgress> reports) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
