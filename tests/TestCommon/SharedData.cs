namespace AgroNT.Tests.Common;

/// <summary>Locates <c>../shared</c> (fixtures and real plant DNA) beside the repository checkout.</summary>
internal static class SharedData
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The <c>shared</c> folder beside the repository.</summary>
    public static string Root => s_root.Value;

    /// <summary>The repository root (the folder holding AgroNT.MLNet.sln).</summary>
    public static string RepositoryRoot => Path.GetDirectoryName(FindSolutionDirectory())!;

    /// <summary>Hugging Face reference fixtures.</summary>
    public static string HfReference => Path.Combine(Root, "fixtures", "hf-reference");

    /// <summary>The tiny random-weight AgroNT-shaped model folder.</summary>
    public static string TinyModel => Path.Combine(HfReference, "model-tiny");

    /// <summary>Hugging Face reference fixtures of an ESM-2-shaped protein model (rotary, token dropout, tied head).</summary>
    public static string Esm2Reference => Path.Combine(HfReference, "esm2-tiny");

    /// <summary>The tiny random-weight ESM-2-shaped model folder (33-token protein vocabulary).</summary>
    public static string Esm2TinyModel => Path.Combine(Esm2Reference, "model-tiny");

    /// <summary>Real Arabidopsis data and tasks.</summary>
    public static string Data => Path.Combine(Root, "data");

    private static string FindSolutionDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgroNT.MLNet.sln")))
            {
                return Path.Combine(dir.FullName, "AgroNT.MLNet.sln");
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (AgroNT.MLNet.sln) above " + AppContext.BaseDirectory);
    }

    private static string FindRoot()
    {
        string shared = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(shared)
            ? shared
            : throw new DirectoryNotFoundException($"Expected the shared fixtures and data at {shared} (beside the checkout).");
    }
}
