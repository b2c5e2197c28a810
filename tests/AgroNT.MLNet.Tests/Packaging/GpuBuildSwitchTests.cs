using System.Text.Json;
using System.Xml.Linq;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Packaging;

/// <summary>
/// The GPU build switch (<c>dotnet build -p:AgroNTGpu=true</c>, Directory.Build.targets): a small console project that
/// references the CPU ONNX Runtime like the CLI and the tests do is built with this repository's build files (copied
/// beside it: Directory.Build.props/.targets, Directory.Packages.props, build/, nuget.config, global.json), once as is
/// and once with the switch, each into its own artifacts folder, and run. The switched build must restore
/// Microsoft.ML.OnnxRuntime.Gpu.Linux instead of Microsoft.ML.OnnxRuntime and its ONNX Runtime must offer the CUDA
/// provider (listing it needs no GPU); the plain build must offer the CPU provider only. The CUDA libtorch is not served
/// here, so its switch (<c>-p:AgroNTLibTorchGpuPackage=...</c>) is checked on the evaluated package references only.
/// Slow (two restores and builds, the GPU package is 550 MB unpacked): <c>--filter Category!=Slow</c> skips it.
/// </summary>
[Trait("Category", "Slow")]
[Collection(DotnetCli.Collection)]
public sealed class GpuBuildSwitchTests : IDisposable
{
    private const string CpuOnnxRuntime = "Microsoft.ML.OnnxRuntime";
    private const string GpuOnnxRuntime = "Microsoft.ML.OnnxRuntime.Gpu.Linux";
    private static readonly Dictionary<string, string?> s_environment = new() { ["NUGET_PACKAGES"] = null };

    private readonly string _root = Directory.CreateTempSubdirectory("agront-gpu-switch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AgroNTGpu_SwapsTheCpuOnnxRuntimeForTheCudaBuild_WhichRestoresBuildsAndOffersTheCudaProvider()
    {
        string probe = WriteProbe();

        DotnetCli.Succeed(probe, s_environment, "build", "-c", "Release", "--artifacts-path", Path.Combine(_root, "cpu"));
        DotnetCli.Succeed(probe, s_environment, "build", "-c", "Release", "-p:AgroNTGpu=true", "--artifacts-path", Path.Combine(_root, "gpu"));

        Assert.Equal([$"{CpuOnnxRuntime}/{CentralVersion(CpuOnnxRuntime)}"], OnnxRuntimeNativePackages("cpu"));
        Assert.Equal([$"{GpuOnnxRuntime}/{CentralVersion(GpuOnnxRuntime)}"], OnnxRuntimeNativePackages("gpu"));
        Assert.True(File.Exists(Path.Combine(Output("gpu"), "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so")));
        Assert.False(File.Exists(Path.Combine(Output("cpu"), "runtimes", "linux-x64", "native", "libonnxruntime_providers_cuda.so")));

        string[] cpuProviders = Providers("cpu");
        string[] gpuProviders = Providers("gpu");
        Assert.Contains("CPUExecutionProvider", cpuProviders);
        Assert.DoesNotContain("CUDAExecutionProvider", cpuProviders);
        Assert.Contains("CUDAExecutionProvider", gpuProviders);
        Assert.Contains("CPUExecutionProvider", gpuProviders);
    }

    [Fact]
    public void AgroNTLibTorchGpuPackage_ReplacesTheCpuLibTorchInExecutablesOnly()
    {
        const string CudaLibTorch = "libtorch-cuda-12.8-linux-x64";
        string[] cli = PackageReferences("src/AgroNT.Cli", "-p:AgroNTGpu=true", $"-p:AgroNTLibTorchGpuPackage={CudaLibTorch}");
        Assert.Contains(CudaLibTorch, cli);
        Assert.Contains(GpuOnnxRuntime, cli);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", cli);
        Assert.DoesNotContain(CpuOnnxRuntime, cli);
        Assert.False(string.IsNullOrEmpty(CentralVersion(CudaLibTorch)));

        // Without the package name the switch leaves TorchSharp's CPU libtorch in place (the CUDA one is not served here).
        Assert.Contains("libtorch-cpu-linux-x64", PackageReferences("src/AgroNT.Cli", "-p:AgroNTGpu=true"));
        // Libraries pick no native runtime, with or without the switch.
        string[] library = PackageReferences("src/AgroNT.Transforms", "-p:AgroNTGpu=true", $"-p:AgroNTLibTorchGpuPackage={CudaLibTorch}");
        Assert.Equal(["Microsoft.ML", "Microsoft.ML.OnnxRuntime.Managed", "Microsoft.ML.Tokenizers", "System.Numerics.Tensors"], library.Order(StringComparer.Ordinal));
    }

    private string WriteProbe()
    {
        foreach (string file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "nuget.config", "global.json" })
        {
            File.Copy(Path.Combine(SharedData.RepositoryRoot, file), Path.Combine(_root, file));
        }
        Directory.CreateDirectory(Path.Combine(_root, "build"));
        foreach (string file in Directory.GetFiles(Path.Combine(SharedData.RepositoryRoot, "build")))
        {
            File.Copy(file, Path.Combine(_root, "build", Path.GetFileName(file)));
        }
        string probe = Path.Combine(_root, "Probe");
        Directory.CreateDirectory(probe);
        File.WriteAllText(Path.Combine(probe, "Probe.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{CpuOnnxRuntime}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(probe, "Program.cs"), """
            using Microsoft.ML.OnnxRuntime;

            Console.WriteLine("providers " + string.Join(' ', OrtEnv.Instance().GetAvailableProviders()));
            """);
        return probe;
    }

    private string Output(string flavour) => Path.Combine(_root, flavour, "bin", "Probe", "release");

    /// <summary>The ONNX Runtime packages other than the managed one in the restored graph, as "id/version".</summary>
    private string[] OnnxRuntimeNativePackages(string flavour)
    {
        using JsonDocument assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, flavour, "obj", "Probe", "project.assets.json")));
        return [.. assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name)
            .Where(n => n.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) && !n.StartsWith("Microsoft.ML.OnnxRuntime.Managed/", StringComparison.Ordinal))];
    }

    private string[] Providers(string flavour)
    {
        string output = DotnetCli.Succeed(Output(flavour), s_environment, "Probe.dll");
        string line = output.Split('\n').Single(l => l.StartsWith("providers ", StringComparison.Ordinal));
        return line["providers ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static string[] PackageReferences(string project, params string[] properties)
    {
        string json = DotnetCli.Succeed(SharedData.RepositoryRoot, s_environment, ["msbuild", project, "-getItem:PackageReference", .. properties]);
        using JsonDocument document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)];
    }

    private static string CentralVersion(string id)
    {
        XDocument props = XDocument.Load(Path.Combine(SharedData.RepositoryRoot, "Directory.Packages.props"));
        return (string?)props.Descendants("PackageVersion").SingleOrDefault(e => (string?)e.Attribute("Include") == id)?.Attribute("Version") ?? "";
    }
}
