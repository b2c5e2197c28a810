using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using AgroNT.Transforms.Tokenization;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Packaging;

/// <summary>
/// Packs AgroNT.Transforms and AgroNT.MLNet as NuGet packages and builds a throwaway console app against them offline:
/// sources are the temporary feed and the machine's global packages folder (for the dependencies), any HTTP request
/// would go to a closed loopback proxy, and the packages land in a private packages folder. Slow (about a minute of
/// dotnet processes): filter it out of a quick loop with <c>--filter Category!=Slow</c>; CI runs it.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PackageConsumptionTests : IDisposable
{
    private const string Version = "0.0.1-packtest";
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _root = Directory.CreateTempSubdirectory("agront-pack-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Pack_BothLibraries_ConsoleAppBuildsOfflineAndRunsAPipeline()
    {
        string feed = Path.Combine(_root, "feed");
        foreach (string project in new[] { "AgroNT.Transforms", "AgroNT.MLNet" })
        {
            Dotnet(SharedData.RepositoryRoot, "pack", Path.Combine("src", project, project + ".csproj"), "-c", Configuration, "--no-build",
                "-o", feed, $"-p:PackageVersion={Version}", $"-p:NuspecOutputPath={Path.Combine(_root, "nuspec", project)}/");
        }

        CheckPackage(Path.Combine(feed, $"AgroNT.Transforms.{Version}.nupkg"), "AgroNT.Transforms", dependsOn: "Microsoft.ML");
        CheckPackage(Path.Combine(feed, $"AgroNT.MLNet.{Version}.nupkg"), "AgroNT.MLNet", dependsOn: "AgroNT.Transforms");

        string app = WriteConsumer(feed);
        Dotnet(app, "build", "-c", "Release");
        string output = Dotnet(app, "run", "--no-build", "-c", "Release", "--", SharedData.TinyModel);

        const string Sequence = "ATGCGTACGTTAGCATGCAA";
        int[] expected = KmerTokenizer.Create(SharedData.TinyModel).EncodeToIds(Sequence).ToArray();
        Assert.Contains($"ids {string.Join(' ', expected)}", output, StringComparison.Ordinal);
        Assert.Contains("parameters 666578", output, StringComparison.Ordinal);
        // Restored from the feed into the private folder, never from or into the machine's global folder.
        Assert.True(Directory.Exists(Path.Combine(_root, "packages", "agront.mlnet", Version)));
    }

    private static void CheckPackage(string path, string id, string dependsOn)
    {
        using ZipArchive package = ZipFile.OpenRead(path);
        string[] entries = [.. package.Entries.Select(e => e.FullName)];
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        using Stream nuspecStream = package.GetEntry($"{id}.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        XElement? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);
        Assert.Equal(Version, Element("version")!.Value);
        Assert.Equal("README.md", Element("readme")!.Value);
        Assert.Equal("expression", (string?)Element("license")!.Attribute("type"));
        Assert.Equal("MIT", Element("license")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(Element("description")!.Value));
        XElement repository = Element("repository")!;
        Assert.Equal("git", (string?)repository.Attribute("type"));
        Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");
        Assert.Contains(metadata.Descendants().Where(e => e.Name.LocalName == "dependency"), d => (string?)d.Attribute("id") == dependsOn);
    }

    private string WriteConsumer(string feed)
    {
        string app = Path.Combine(_root, "consumer");
        Directory.CreateDirectory(app);
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_root, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="agront-feed" value="{feed}" />
                <add key="global-packages" value="{globalPackages}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="global-packages" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AgroNT.MLNet" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using AgroNT.MLNet;
            using AgroNT.Transforms;
            using Microsoft.ML;
            using Microsoft.ML.Data;

            string modelFolder = args[0];
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromEnumerable(new[] { new Row { Sequence = "ATGCGTACGTTAGCATGCAA" } });
            IDataView tokens = ml.Transforms.TokenizeDna("TokenIds", "Sequence", modelFolder).Fit(data).Transform(data);
            VBuffer<int> ids = tokens.GetColumn<VBuffer<int>>("TokenIds").Single();
            Console.WriteLine("ids " + string.Join(' ', ids.DenseValues()));
            Console.WriteLine("parameters " + AgroNTModelInfo.Read(modelFolder).ParameterCount);

            public sealed class Row
            {
                public string Sequence { get; set; } = "";
            }
            """);
        return app;
    }

    /// <summary>Runs the dotnet CLI without build servers or node reuse (nothing outlives the test), offline.</summary>
    private static string Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (arguments[0] is "build" or "pack")
        {
            start.ArgumentList.Add("--disable-build-servers");
            start.ArgumentList.Add("-nodeReuse:false");
        }
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "NUGET_PACKAGES").ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Offline: any HTTP request would go to a closed loopback port and fail at once.
        foreach (string proxy in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            start.Environment[proxy] = "http://127.0.0.1:9";
        }
        start.Environment.Remove("NO_PROXY");
        start.Environment.Remove("no_proxy");

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish in 3 minutes:\n{output}");
        }
        process.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
        return text;
    }
}
