using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DownloadVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private readonly FakeHubServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _cli.Dispose();
    }

    private string Cache => _cli.PathOf("hub");

    private EnvironmentScope Environment(params (string Name, string? Value)[] extra) =>
        EnvironmentScope.HuggingFace([("HF_ENDPOINT", _server.Endpoint.AbsoluteUri), ("HF_HUB_CACHE", Cache), ("HF_HOME", _cli.PathOf("hf-home")), .. extra]);

    [Fact]
    public void Download_FakeHub_PrintsTheSnapshotAndTheModelThenWorksByHubId()
    {
        _server.AddTinyModel("InstaDeepAI/agro-tiny", out string commit);
        using var environment = Environment();

        var (code, stdout, stderr) = _cli.Run("download", "InstaDeepAI/agro-tiny");

        Assert.True(code == 0, stderr);
        string snapshot = Path.Combine(Cache, "models--InstaDeepAI--agro-tiny", "snapshots", commit);
        Assert.Equal(snapshot, stdout.Trim());
        Assert.Contains("[6/6] vocab.txt: done", stderr, StringComparison.Ordinal);
        Assert.Contains("6 files, 6 downloaded", stderr, StringComparison.Ordinal);
        Assert.Contains("--model InstaDeepAI/agro-tiny", stderr, StringComparison.Ordinal);

        string input = _cli.PathOf("in.txt");
        File.WriteAllText(input, "ACGTACGTACGTAC\n");
        var tokenize = _cli.Run("tokenize", "--model", "InstaDeepAI/agro-tiny", "-i", input, "-o", _cli.PathOf("ids.jsonl"));
        Assert.True(tokenize.ExitCode == 0, tokenize.Stderr);
        var embed = _cli.Run("embed", "--model", "InstaDeepAI/agro-tiny", "-i", input, "-o", _cli.PathOf("e.jsonl"));
        Assert.True(embed.ExitCode == 0, embed.Stderr);
        Assert.Equal(64, JsonNode.Parse(File.ReadAllLines(_cli.PathOf("e.jsonl"))[0])!["embedding"]!.AsArray().Count);
        var info = _cli.Run("info", "--model", "InstaDeepAI/agro-tiny");
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains(snapshot, info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Download_SecondTimeAndOffline_FetchNothing()
    {
        _server.AddTinyModel("org/tiny", out _);
        using var environment = Environment();
        Assert.Equal(0, _cli.Run("download", "org/tiny", "--include", "config.json", "vocab.txt").ExitCode);
        int before = _server.Requests.Count;

        var again = _cli.Run("download", "org/tiny", "--include", "config.json", "vocab.txt");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("0 downloaded", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before + 1, _server.Requests.Count);

        environment.Set("HF_HUB_OFFLINE", "1");
        var offline = _cli.Run("download", "org/tiny");
        Assert.True(offline.ExitCode == 0, offline.Stderr);
        Assert.Contains("resolved from the cache", offline.Stderr, StringComparison.Ordinal);
        Assert.Equal(before + 1, _server.Requests.Count);
    }

    [Fact]
    public void Download_IncludeAndRevisionInTheId_FetchOnlyThoseFiles()
    {
        var repository = _server.AddTinyModel("org/tiny", out _);
        string v2 = repository.AddCommit("v2", FakeHubFile.Text("config.json", "{}"), FakeHubFile.Text("README.md", "hello"));
        using var environment = Environment();

        var (code, stdout, stderr) = _cli.Run("download", "org/tiny@v2", "--include", "*.md", "--quiet");

        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Equal(["README.md"], Directory.GetFiles(stdout.Trim()).Select(Path.GetFileName));
        Assert.Equal(v2, File.ReadAllText(Path.Combine(Cache, "models--org--tiny", "refs", "v2")));
    }

    [Fact]
    public void Download_GatedWithoutToken_ExitsOneSayingToSetHfToken()
    {
        _server.AddTinyModel("org/gated", out _).Token = "hf_ok";
        using var environment = Environment();

        var (code, stdout, stderr) = _cli.Run("download", "org/gated");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("agront download: error: ", line, StringComparison.Ordinal);
        Assert.Contains("401", line, StringComparison.Ordinal);
        Assert.Contains("set HF_TOKEN", line, StringComparison.Ordinal);

        environment.Set("HF_TOKEN", "hf_ok");
        Assert.Equal(0, _cli.Run("download", "org/gated", "--quiet").ExitCode);
    }

    [Fact]
    public void Download_UnknownRepository_ExitsOneWith404()
    {
        using var environment = Environment();

        var (code, _, stderr) = _cli.Run("download", "org/nothing");

        Assert.Equal(1, code);
        Assert.Contains("org/nothing", stderr, StringComparison.Ordinal);
        Assert.Contains("404", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("a/b", "c/d")]
    [InlineData("a/b@main", "--revision", "v1")]
    [InlineData("not-an-id")]
    [InlineData("a/b", "--include", "")]
    public void Download_BadArguments_ExitTwo(params string[] arguments)
    {
        using var environment = Environment();

        var (code, _, stderr) = _cli.Run(["download", .. arguments]);

        Assert.Equal(2, code);
        Assert.StartsWith("agront download: error: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", stderr, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Embed_HubIdNotCached_ExitsOneWithTheExactDownloadCommand()
    {
        using var environment = Environment();
        string input = _cli.PathOf("in.txt");
        File.WriteAllText(input, "ACGTAC\n");

        var (code, _, stderr) = _cli.Run("embed", "--model", "InstaDeepAI/agro-nucleotide-transformer-1b@v1", "-i", input, "-o", _cli.PathOf("e.jsonl"));

        Assert.Equal(1, code);
        Assert.Contains("agront download InstaDeepAI/agro-nucleotide-transformer-1b --revision v1", stderr, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public void Download_Dataset_CachesItAndBenchAndTheLoaderTakeTheDatasetId()
    {
        const string DatasetId = "InstaDeepAI/plant-genomic-benchmark";
        string task = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding");
        string commit = _server.AddDataset(DatasetId).AddCommit("main",
            FakeHubFile.FromDisk("poly_a/arabidopsis_thaliana_train.fa", Path.Combine(task, "train.fa"), lfs: true),
            FakeHubFile.FromDisk("poly_a/arabidopsis_thaliana_test.fa", Path.Combine(task, "test.fa"), lfs: true),
            FakeHubFile.FromDisk("lncrna/g_max_train.fa", Path.Combine(task, "validation.fa"), lfs: false));
        using var environment = Environment();

        var (code, stdout, stderr) = _cli.Run("download", "--dataset", DatasetId, "--include", "poly_a/*");

        Assert.True(code == 0, stderr);
        Assert.Equal(Path.Combine(Cache, "datasets--InstaDeepAI--plant-genomic-benchmark", "snapshots", commit), stdout.Trim());
        Assert.Contains("2 files, 2 downloaded", stderr, StringComparison.Ordinal);
        Assert.Contains("--pgb-root InstaDeepAI/plant-genomic-benchmark", stderr, StringComparison.Ordinal);
        Assert.Equal(67, Transforms.Benchmarks.PlantGenomicBenchmark.Load(DatasetId, "poly_a/arabidopsis_thaliana", Transforms.Benchmarks.BenchmarkSplit.Test)
            .ReadExamples().Count(e => e.Labels[0] == 1f));

        var bench = _cli.Run("bench", "--pgb-root", DatasetId, "--task", "poly_a/arabidopsis_thaliana", "--method", "kmer-lightgbm", "--max-train", "60", "--max-test", "40");

        Assert.True(bench.ExitCode == 0, bench.Stderr);
        Assert.Contains("poly_a/arabidopsis_thaliana", bench.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_UncachedDatasetId_SaysHowToDownloadIt()
    {
        using var environment = Environment();

        var (code, _, stderr) = _cli.Run("bench", "--pgb-root", "org/absent", "--task", "g_max");

        Assert.Equal(1, code);
        Assert.Contains("The dataset org/absent (revision main) is not in the local Hugging Face cache", stderr, StringComparison.Ordinal);
        Assert.Contains("agront download --dataset org/absent", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Download_DatasetAndModelId_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("download", "--dataset", "org/data", "org/model");

        Assert.Equal(2, code);
        Assert.Contains("give the dataset once, as --dataset ORG/NAME", stderr, StringComparison.Ordinal);
    }
}
