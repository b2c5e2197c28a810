using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;
using AgroNT.MLNet.Featurization;
using AgroNT.Transforms.Tokenization;
using AgroNT.Tests.Common;
using Xunit.Abstractions;

namespace AgroNT.MLNet.Tests.Packaging;

/// <summary>
/// Packs AgroNT.Transforms and AgroNT.MLNet as NuGet packages and uses them the way an application does: a console app
/// that references AgroNT.MLNet and libtorch-cpu-linux-x64 is restored into a fresh, empty package folder (sources: the
/// temporary feed and the package sources of this repository's nuget.config), built and run. It loads the tiny model,
/// embeds one sequence and prints the vector, which must equal the in-process embedder's. On a system whose libstdc++
/// lacks GLIBCXX_3.4.32 (Debian 12) this only works because the package's buildTransitive targets patch the app's copy of
/// libLibTorchSharp.so; with the patch switched off the app must fail with the loader's real reason. The package folder's
/// TorchSharp files must stay byte-identical to the downloaded package throughout.
/// Only libtorch-cpu-linux-x64 is seeded into the fresh folder, hard-linked from the machine's package folder when it is
/// there: it is a 128 MB download and 600 MB unpacked, nothing ever patches it, and restoring it would double the test's
/// time. Everything else, TorchSharp included, is restored by NuGet into the fresh folder.
/// Slow (about a minute of dotnet processes): filter it out of a quick loop with <c>--filter Category!=Slow</c>; CI runs it.
/// </summary>
[Trait("Category", "Slow")]
[Collection(DotnetCli.Collection)]
public sealed class PackageConsumptionTests(ITestOutputHelper log) : IDisposable
{
    private const string Version = "0.0.1-packtest";
    private const string Sequence = "ATGCGTACGTTAGCATGCAA";
    private const string LibTorchPackage = "libtorch-cpu-linux-x64";
    private const string BridgeInPackage = "runtimes/linux-x64/native/libLibTorchSharp.so";
    private const string NewLibStdCxxVersion = "GLIBCXX_3.4.32";
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _root = Directory.CreateTempSubdirectory("agront-pack-").FullName;
    private string Packages => Path.Combine(_root, "packages");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Pack_ConsumerAppWithFreshPackageFolder_EmbedsLikeTheLibraryInProcess()
    {
        string feed = Path.Combine(_root, "feed");
        foreach (string project in new[] { "AgroNT.Transforms", "AgroNT.MLNet" })
        {
            Dotnet(SharedData.RepositoryRoot, "pack", Path.Combine("src", project, project + ".csproj"), "-c", Configuration, "--no-build",
                "-o", feed, $"-p:PackageVersion={Version}", $"-p:NuspecOutputPath={Path.Combine(_root, "nuspec", project)}/");
        }
        CheckPackage(Path.Combine(feed, $"AgroNT.Transforms.{Version}.nupkg"), "AgroNT.Transforms", dependsOn: "Microsoft.ML");
        string[] mlnetEntries = CheckPackage(Path.Combine(feed, $"AgroNT.MLNet.{Version}.nupkg"), "AgroNT.MLNet", dependsOn: "AgroNT.Transforms");
        Assert.Contains("buildTransitive/AgroNT.MLNet.targets", mlnetEntries);
        Assert.Contains("buildTransitive/AgroNT.MLNet.ElfGlibcxxPatcher.cs", mlnetEntries);

        string libtorchVersion = CentralVersion(LibTorchPackage);
        SeedLibTorch(libtorchVersion);
        string app = WriteConsumer(feed, libtorchVersion);
        Dotnet(app, "restore");
        Assert.True(Directory.Exists(Path.Combine(Packages, "agront.mlnet", Version)), "AgroNT.MLNet was not restored into the fresh package folder.");
        string torchSharp = Directory.GetDirectories(Path.Combine(Packages, "torchsharp")).Single();
        AssertBridgeAsPackaged(torchSharp);

        bool systemNeedsPatch = !SystemLibStdCxxHas(NewLibStdCxxVersion);
        string bridgeInOutput = Path.Combine(app, "bin", "Release", "net10.0", BridgeInPackage);
        string[] run = ["bin/Release/net10.0/Consumer.dll", SharedData.TinyModel, Sequence];

        // Without the patch: on Debian 12 the loader refuses the bridge, and the library says so (not TorchSharp's
        // "doesn't contain a reference to libtorch-cpu-linux-x64").
        Dotnet(app, "build", "-c", "Release", "--no-restore", "-p:AgroNTPatchLibTorchSharp=false");
        Assert.True(NamesVersion(bridgeInOutput, NewLibStdCxxVersion));
        var (unpatchedExit, unpatchedOutput) = DotnetResult(app, run);
        log.WriteLine($"Consumer built with -p:AgroNTPatchLibTorchSharp=false exited {unpatchedExit}:\n"
            + string.Join('\n', unpatchedOutput.Split('\n').Where(l => !l.StartsWith("Copy ", StringComparison.Ordinal))));
        if (systemNeedsPatch)
        {
            Assert.NotEqual(0, unpatchedExit);
            Assert.True(unpatchedOutput.Contains($"version `{NewLibStdCxxVersion}' not found", StringComparison.Ordinal), unpatchedOutput);
            Assert.Contains("-p:AgroNTPatchLibTorchSharp=always", unpatchedOutput, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(unpatchedExit == 0, unpatchedOutput);
        }

        // As a consumer builds: the package's targets patch the output's copy where this system needs it.
        Dotnet(app, "build", "-c", "Release", "--no-restore");
        Assert.Equal(!systemNeedsPatch, NamesVersion(bridgeInOutput, NewLibStdCxxVersion));
        string output = Dotnet(app, run);
        log.WriteLine($"Consumer as built by default:\n{output}");
        AssertBridgeAsPackaged(torchSharp);

        float[] consumer = ParseVector(output, "embedding ");
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        float[] expected = new AgroNTEmbedder(model).Embed(Sequence);
        Assert.Equal(expected.Length, consumer.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - consumer[i]) <= 1e-5f, $"dimension {i}: consumer {consumer[i]}, in-process {expected[i]}");
        }
        int[] ids = KmerTokenizer.Create(SharedData.TinyModel).EncodeToIds(Sequence).ToArray();
        Assert.Contains($"ids {string.Join(' ', ids)}", output, StringComparison.Ordinal);
        Assert.Contains("parameters 666578", output, StringComparison.Ordinal);
    }

    private static string[] CheckPackage(string path, string id, string dependsOn)
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
        return entries;
    }

    /// <summary>The package folder's libLibTorchSharp.so is byte for byte the one in the downloaded .nupkg.</summary>
    private static void AssertBridgeAsPackaged(string torchSharpFolder)
    {
        string nupkg = Directory.GetFiles(torchSharpFolder, "*.nupkg").Single();
        using ZipArchive package = ZipFile.OpenRead(nupkg);
        using var packaged = new MemoryStream();
        using (Stream entry = package.GetEntry(BridgeInPackage)!.Open())
        {
            entry.CopyTo(packaged);
        }
        Assert.True(packaged.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(torchSharpFolder, BridgeInPackage))),
            "The package folder's libLibTorchSharp.so differs from the downloaded package: something patched the package folder.");
    }

    private static string CentralVersion(string id)
    {
        XDocument props = XDocument.Load(Path.Combine(SharedData.RepositoryRoot, "Directory.Packages.props"));
        return (string)props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == id).Attribute("Version")!;
    }

    /// <summary>Hard-links (or copies) the machine's unmodified libtorch package into the fresh folder, if it has one.</summary>
    private void SeedLibTorch(string version)
    {
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string source = Path.Combine(machinePackages, LibTorchPackage, version);
        if (!File.Exists(Path.Combine(source, ".nupkg.metadata")))
        {
            return; // NuGet restores it from the sources instead.
        }
        string target = Path.Combine(Packages, LibTorchPackage, version);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (link(file, destination) != 0)
            {
                File.Copy(file, destination);
            }
        }
    }

    private string WriteConsumer(string feed, string libtorchVersion)
    {
        string app = Path.Combine(_root, "consumer");
        Directory.CreateDirectory(app);
        XDocument repositoryConfig = XDocument.Load(Path.Combine(SharedData.RepositoryRoot, "nuget.config"));
        string sources = string.Concat(repositoryConfig.Descendants("packageSources").Elements("add")
            .Select(e => "\n    " + new XElement("add", new XAttribute("key", e.Attribute("key")!.Value), new XAttribute("value", e.Attribute("value")!.Value))));
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="agront-feed" value="{feed}" />{sources}
              </packageSources>
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
                <PackageReference Include="{LibTorchPackage}" Version="{libtorchVersion}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using AgroNT.MLNet;
            using AgroNT.MLNet.Featurization;
            using AgroNT.Transforms;
            using Microsoft.ML;
            using Microsoft.ML.Data;

            string modelFolder = args[0];
            string sequence = args[1];
            var ml = new MLContext(seed: 1);
            IDataView data = ml.Data.LoadFromEnumerable(new[] { new Row { Sequence = sequence } });
            IDataView tokens = ml.Transforms.TokenizeDna("TokenIds", "Sequence", modelFolder).Fit(data).Transform(data);
            VBuffer<int> ids = tokens.GetColumn<VBuffer<int>>("TokenIds").Single();
            Console.WriteLine("ids " + string.Join(' ', ids.DenseValues()));
            Console.WriteLine("parameters " + AgroNTModelInfo.Read(modelFolder).ParameterCount);

            using AgroNTModel model = AgroNTModel.Load(modelFolder);
            float[] embedding = new AgroNTEmbedder(model).Embed(sequence);
            Console.WriteLine("embedding " + string.Join(' ', embedding.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));

            public sealed class Row
            {
                public string Sequence { get; set; } = "";
            }
            """);
        return app;
    }

    private static float[] ParseVector(string output, string prefix)
    {
        string line = output.Split('\n').Select(l => l.TrimEnd('\r')).SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"The consumer printed no '{prefix.Trim()}' line:\n{output}");
        return [.. line[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture))];
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string? libstdcxx = new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" }
            .Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
        return libstdcxx is null || ContainsAscii(File.ReadAllBytes(libstdcxx), version + "\0");
    }

    /// <summary>
    /// Whether the library's dynamic string table names the version (NUL on both sides, as the loader reads it); the
    /// static symbol table's "symbol@version" strings, which the patch leaves alone and the loader ignores, do not count.
    /// </summary>
    private static bool NamesVersion(string library, string version) => ContainsAscii(File.ReadAllBytes(library), "\0" + version + "\0");

    private static bool ContainsAscii(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    private string Dotnet(string workingDirectory, params string[] arguments) =>
        DotnetCli.Succeed(workingDirectory, ChildEnvironment(workingDirectory), arguments);

    private (int ExitCode, string Output) DotnetResult(string workingDirectory, params string[] arguments) =>
        DotnetCli.Run(workingDirectory, ChildEnvironment(workingDirectory), arguments);

    /// <summary>
    /// Packing uses the repository's own setup; the consumer gets the fresh package folder, when it runs too: when the
    /// bridge does not load, TorchSharp falls back to copying natives out of the NuGet package folder, which must not be
    /// the machine's (older builds of this repository patched it there).
    /// </summary>
    private Dictionary<string, string?> ChildEnvironment(string workingDirectory) => new()
    {
        ["NUGET_PACKAGES"] = workingDirectory == SharedData.RepositoryRoot ? null : Packages,
    };

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPStr)] string existing, [MarshalAs(UnmanagedType.LPStr)] string newPath);
}
