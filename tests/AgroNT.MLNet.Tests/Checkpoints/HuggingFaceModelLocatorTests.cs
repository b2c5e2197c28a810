using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;

namespace AgroNT.MLNet.Tests.Checkpoints;

/// <summary>These tests set the process's Hugging Face cache variables, so nothing may run beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HuggingFaceCacheEnvironmentCollection
{
    public const string Name = "Hugging Face cache environment variables";
}

[Collection(HuggingFaceCacheEnvironmentCollection.Name)]
public sealed class HuggingFaceModelLocatorTests : IDisposable
{
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private const string OtherCommit = "fedcba9876543210fedcba9876543210fedcba98";
    private static readonly string[] Variables = ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"];

    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly TempFolder _temp = new();

    public HuggingFaceModelLocatorTests()
    {
        foreach (string variable in Variables)
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    public void Dispose()
    {
        foreach ((string variable, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
        _temp.Dispose();
    }

    [Fact]
    public void Resolve_ExistingFolder_ReturnsItsFullPath()
    {
        Assert.Equal(Path.GetFullPath(TinyModel.Folder), HuggingFaceModelLocator.Resolve(TinyModel.Folder));
    }

    [Fact]
    public void Resolve_HubIdInHfHubCache_ReturnsTheMainSnapshot()
    {
        string cache = _temp.File("hub");
        string snapshot = FakeCache(cache, "InstaDeepAI/agro-nucleotide-transformer-1b", ("main", Commit));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        string folder = HuggingFaceModelLocator.Resolve("InstaDeepAI/agro-nucleotide-transformer-1b");

        Assert.Equal(snapshot, folder);
        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
    }

    [Fact]
    public void Resolve_HubIdWithBranchRevision_FollowsItsRef()
    {
        string cache = _temp.File("hub");
        FakeCache(cache, "Org/Name", ("main", Commit));
        string v2 = FakeCache(cache, "Org/Name", ("v2", OtherCommit));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        Assert.Equal(v2, HuggingFaceModelLocator.Resolve("Org/Name@v2"));
    }

    [Fact]
    public void Resolve_HubIdWithCommitRevision_UsesTheSnapshotDirectly()
    {
        string cache = _temp.File("hub");
        string snapshot = FakeCache(cache, "Org/Name", ("main", Commit));
        File.Delete(Path.Combine(cache, "models--Org--Name", "refs", "main"));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        Assert.Equal(snapshot, HuggingFaceModelLocator.Resolve("Org/Name@" + Commit));
    }

    [Fact]
    public void Resolve_HfHomeSet_LooksInItsHubFolder()
    {
        string home = _temp.File("hf-home");
        string snapshot = FakeCache(Path.Combine(home, "hub"), "Org/Name", ("main", Commit));
        Environment.SetEnvironmentVariable("HF_HOME", home);

        Assert.Equal(Path.Combine(home, "hub"), HuggingFaceModelLocator.GetHubCacheDirectory());
        Assert.Equal(snapshot, HuggingFaceModelLocator.Resolve("Org/Name"));
    }

    [Fact]
    public void GetHubCacheDirectory_HfHubCacheAndHfHomeSet_PrefersHfHubCache()
    {
        Environment.SetEnvironmentVariable("HF_HOME", _temp.File("home"));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", _temp.File("hub"));

        Assert.Equal(_temp.File("hub"), HuggingFaceModelLocator.GetHubCacheDirectory());
    }

    [Fact]
    public void GetHubCacheDirectory_NothingSet_UsesTheHomeCache()
    {
        string expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");

        Assert.Equal(expected, HuggingFaceModelLocator.GetHubCacheDirectory());
    }

    [Fact]
    public void Resolve_HubIdNotCached_ThrowsWithDownloadCommandsAndSearchedPaths()
    {
        string cache = _temp.File("hub");
        Directory.CreateDirectory(cache);
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        var error = Assert.Throws<DirectoryNotFoundException>(() => HuggingFaceModelLocator.Resolve("InstaDeepAI/agro-nucleotide-transformer-1b"));

        Assert.Contains("agront download InstaDeepAI/agro-nucleotide-transformer-1b", error.Message);
        Assert.Contains("huggingface-cli download InstaDeepAI/agro-nucleotide-transformer-1b", error.Message);
        Assert.Contains(Path.Combine(cache, "models--InstaDeepAI--agro-nucleotide-transformer-1b", "refs", "main"), error.Message);
    }

    [Fact]
    public void Resolve_RevisionNotCached_ListsTheCachedRevisionsAndAsksForTheRightOne()
    {
        string cache = _temp.File("hub");
        FakeCache(cache, "Org/Name", ("v1", Commit));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        var error = Assert.Throws<DirectoryNotFoundException>(() => HuggingFaceModelLocator.Resolve("Org/Name@v3"));

        Assert.Contains("agront download Org/Name --revision v3", error.Message);
        Assert.Contains("huggingface-cli download Org/Name --revision v3", error.Message);
        Assert.Contains("The cache has Org/Name at: v1", error.Message);
    }

    [Fact]
    public void Resolve_RefPointsAtMissingSnapshot_ThrowsListingBothPaths()
    {
        string cache = _temp.File("hub");
        FakeCache(cache, "Org/Name", ("main", Commit));
        Directory.Delete(Path.Combine(cache, "models--Org--Name", "snapshots", Commit), recursive: true);

        var error = Assert.Throws<DirectoryNotFoundException>(() => HuggingFaceModelLocator.Resolve("Org/Name", cache));

        Assert.Contains(Path.Combine(cache, "models--Org--Name", "snapshots", Commit), error.Message);
    }

    [Theory]
    [InlineData("just-a-name")]
    [InlineData("a/b/c")]
    [InlineData("Org/Name@../../etc")]
    public void Resolve_NeitherFolderNorHubId_Throws(string text)
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => HuggingFaceModelLocator.Resolve(text, _temp.Path));

        Assert.Contains("neither an existing folder nor a Hugging Face Hub id", error.Message);
    }

    [Fact]
    public void CheckpointReaderOpen_HubId_OpensTheCachedSnapshot()
    {
        string cache = _temp.File("hub");
        string snapshot = FakeCache(cache, "Org/Tiny", ("main", Commit));
        File.Copy(TinyModel.SafeTensors, Path.Combine(snapshot, "model.safetensors"));
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);

        using CheckpointReader reader = CheckpointReader.Open("Org/Tiny");

        Assert.Equal(Path.Combine(snapshot, "model.safetensors"), reader.Location);
    }

    [Fact]
    public void GetCacheFolderName_RepoId_UsesDoubleDashes()
    {
        Assert.Equal("models--InstaDeepAI--agro-nucleotide-transformer-1b",
            HuggingFaceModelLocator.GetCacheFolderName("InstaDeepAI/agro-nucleotide-transformer-1b"));
    }

    /// <summary>Lays out <c>models--ORG--NAME/refs/REF</c> and <c>snapshots/COMMIT/config.json</c>; returns the snapshot.</summary>
    [Fact]
    public void HubId_TokenizerOnnxEmbedderAndFeaturizers_ResolveTheCachedSnapshot()
    {
        // A cached Hub id means the same folder to every entry point: the tokenizer (TokenizeDna), the ONNX embedder
        // (FeaturizeAgroNTOnnx) and the TorchSharp model (FeaturizeAgroNT).
        string cache = _temp.File("hub");
        string snapshot = FakeCache(cache, "org/tiny", ("main", Commit));
        foreach (string file in Directory.GetFiles(TinyModel.Folder))
        {
            File.Copy(file, Path.Combine(snapshot, Path.GetFileName(file)), overwrite: true);
        }
        string onnxSnapshot = FakeCache(cache, "org/tiny-onnx", ("main", OtherCommit));
        AgroNT.MLNet.Onnx.OnnxExporter.Export(TinyModel.Folder, onnxSnapshot);
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);
        string[] dna = ["ACCTGAACGTTCTGAGTCAAGT", "TTGACCA"];

        var fromId = AgroNT.Transforms.Tokenization.SequenceTokenizer.FromModelFolder("org/tiny", null).EncodeToIds(dna[0], null);
        var fromFolder = AgroNT.Transforms.Tokenization.SequenceTokenizer.FromModelFolder(TinyModel.Folder, null).EncodeToIds(dna[0], null);
        using var onnx = new AgroNT.Transforms.Onnx.AgroNTOnnxEmbedder("org/tiny-onnx");
        using var model = AgroNTModel.Load("org/tiny");

        Assert.Equal(fromFolder, fromId);
        Assert.Equal(onnxSnapshot, onnx.ModelFolder);
        var expected = new AgroNT.MLNet.Featurization.AgroNTEmbedder(model).Embed(dna);
        var actual = onnx.Embed(dna);
        Assert.True(expected.Zip(actual, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max() < 1e-4);
    }

    private static string FakeCache(string cache, string repoId, (string Ref, string Commit) reference)
    {
        string repo = Path.Combine(cache, "models--" + repoId.Replace("/", "--"));
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", reference.Ref), reference.Commit);
        string snapshot = Path.Combine(repo, "snapshots", reference.Commit);
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, "config.json"), "{}");
        return snapshot;
    }
}
