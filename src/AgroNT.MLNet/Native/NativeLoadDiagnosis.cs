using System.Runtime.InteropServices;

namespace AgroNT.MLNet.Native;

/// <summary>
/// Turns TorchSharp's failure to load its native bridge into a message that names the real cause. TorchSharp reports
/// every load failure of <c>libLibTorchSharp.so</c> as a missing libtorch package reference, even when the package is
/// there and the dynamic loader refused the library for another reason (on Debian 12: libstdc++ lacks
/// <c>GLIBCXX_3.4.32</c>). This asks the loader itself, for the copy beside the application, and reports its answer.
/// </summary>
internal static class NativeLoadDiagnosis
{
    private const string LibraryName = "libLibTorchSharp.so";
    private const string MissingLibStdCxxVersion = "GLIBCXX_";

    /// <summary>
    /// The exception to throw instead of <paramref name="failure"/>, or null when the loader has no complaint about the
    /// application's copy of the bridge (TorchSharp's own message then stands).
    /// </summary>
    public static Exception? Explain(Exception failure, string applicationDirectory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        string? path = Candidates(applicationDirectory).FirstOrDefault(File.Exists);
        if (path is null)
        {
            return null;
        }
        string? loaderError = TryLoad(path);
        if (loaderError is null)
        {
            return null;
        }
        string hint = loaderError.Contains(MissingLibStdCxxVersion, StringComparison.Ordinal)
            ? "This system's libstdc++ is older than the one TorchSharp's native bridge was built with (Debian 12 and "
              + "similar). The AgroNT.MLNet package patches the copy in the application's build and publish output "
              + "when it is built on such a system; this copy was not patched. Rebuild the application on this system "
              + "(without -p:AgroNTPatchLibTorchSharp=false), or build it with -p:AgroNTPatchLibTorchSharp=always when "
              + "it is built elsewhere and run here."
            : "Check that the application references a libtorch runtime package that matches TorchSharp "
              + "(libtorch-cpu-linux-x64 2.10.0 for TorchSharp 0.107.0) and that its files were copied beside it.";
        return new InvalidOperationException(
            $"TorchSharp's native library {path} cannot be loaded: {loaderError}. {hint}", failure);
    }

    private static IEnumerable<string> Candidates(string applicationDirectory)
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        yield return Path.Combine(applicationDirectory, "runtimes", rid, "native", LibraryName);
        yield return Path.Combine(applicationDirectory, LibraryName);
    }

    /// <summary>Loads the library as the dynamic loader would; null when it loads, else the loader's message.</summary>
    private static string? TryLoad(string path)
    {
        try
        {
            // The runtime reads dlerror() right after its dlopen and puts it on the exception's last line.
            _ = NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            string reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
            return reason.Length > 0 ? reason.TrimEnd('.') : "the dynamic loader gave no reason";
        }
    }
}
