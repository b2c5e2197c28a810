using AgroNT.MLNet.Hub;
using AgroNT.MLNet.Tests.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Hub;

[Collection(HuggingFaceCacheEnvironmentCollection.Name)]
public sealed class HubSettingsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FromEnvironment_NothingSet_UsesThePublicHubAndTheHomeCache()
    {
        using var environment = EnvironmentScope.HuggingFace(("HF_HOME", _temp.Path));

        HubSettings settings = HubSettings.FromEnvironment();

        Assert.Equal(new Uri(HubSettings.DefaultEndpoint), settings.Endpoint);
        Assert.Null(settings.Token);
        Assert.False(settings.Offline);
        Assert.Equal(Path.Combine(_temp.Path, "hub"), settings.CacheDirectory);
    }

    [Fact]
    public void FromEnvironment_HfVariables_AreHonoured()
    {
        using var environment = EnvironmentScope.HuggingFace(
            ("HF_ENDPOINT", "http://127.0.0.1:9/"), ("HF_TOKEN", "hf_abc"), ("HF_HUB_OFFLINE", "1"), ("HF_HUB_CACHE", _temp.File("cache")));

        HubSettings settings = HubSettings.FromEnvironment();

        Assert.Equal(new Uri("http://127.0.0.1:9"), settings.Endpoint);
        Assert.Equal("hf_abc", settings.Token);
        Assert.True(settings.Offline);
        Assert.Equal(_temp.File("cache"), settings.CacheDirectory);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    public void FromEnvironment_HfHubOffline_AcceptsHuggingFaceHubsTruthyValues(string value, bool expected)
    {
        using var environment = EnvironmentScope.HuggingFace(("HF_HOME", _temp.Path), ("HF_HUB_OFFLINE", value));

        Assert.Equal(expected, HubSettings.FromEnvironment().Offline);
    }

    [Fact]
    public void FromEnvironment_NoHfToken_ReadsTheLoginTokenFile()
    {
        File.WriteAllText(_temp.File("token"), "hf_from_file\n");
        using var environment = EnvironmentScope.HuggingFace(("HF_HOME", _temp.Path));

        Assert.Equal("hf_from_file", HubSettings.FromEnvironment().Token);
    }

    [Fact]
    public void FromEnvironment_EndpointNotHttp_Throws()
    {
        using var environment = EnvironmentScope.HuggingFace(("HF_HOME", _temp.Path), ("HF_ENDPOINT", "ftp://example"));

        var error = Assert.Throws<ArgumentException>(HubSettings.FromEnvironment);

        Assert.Contains("HF_ENDPOINT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_HfHubOfflineInTheEnvironment_SendsNothing()
    {
        using var server = new FakeHubServer();
        server.AddTinyModel("org/tiny", out string commit);
        using (EnvironmentScope.HuggingFace(("HF_ENDPOINT", server.Endpoint.AbsoluteUri), ("HF_HUB_CACHE", _temp.File("hub"))))
        {
            using var online = new HubDownloader();
            await online.DownloadAsync("org/tiny", new HubDownloadOptions { Include = ["config.json", "vocab.txt", "*.safetensors"] });
        }
        int before = server.Requests.Count;
        using var environment = EnvironmentScope.HuggingFace(
            ("HF_ENDPOINT", server.Endpoint.AbsoluteUri), ("HF_HUB_CACHE", _temp.File("hub")), ("HF_HUB_OFFLINE", "1"));

        using var hub = new HubDownloader();
        HubSnapshot snapshot = await hub.DownloadAsync("org/tiny");

        Assert.Equal(before, server.Requests.Count);
        Assert.Equal(commit, snapshot.Commit);
        using var model = AgroNTModel.Load("org/tiny");
        Assert.Equal(snapshot.Folder, model.Folder);
    }
}
