namespace AgroNT.Tests.Common;

/// <summary>
/// Locates the test inputs, all inside the repository: the Hugging Face reference fixtures
/// (<c>tests/fixtures/hf-reference</c>) and the sample plant DNA (<c>data/</c>). Larger optional data
/// (<c>../shared/data</c> beside the checkout, present in CI) is reached through <see cref="OptionalLargeData"/>.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> s_repositoryRoot = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding AgroNT.MLNet.sln).</summary>
    public static string RepositoryRoot => s_repositoryRoot.Value;

    /// <summary>Hugging Face reference fixtures (<c>tests/fixtures/hf-reference</c>).</summary>
    public static string HfReference => Path.Combine(RepositoryRoot, "tests", "fixtures", "hf-reference");

    /// <summary>The tiny random-weight AgroNT-shaped model folder.</summary>
    public static string TinyModel => Path.Combine(HfReference, "model-tiny");

    /// <summary>Hugging Face reference fixtures of an ESM-2-shaped protein model (rotary, token dropout, tied head).</summary>
    public static string Esm2Reference => Path.Combine(HfReference, "esm2-tiny");

    /// <summary>The tiny random-weight ESM-2-shaped model folder (33-token protein vocabulary).</summary>
    public static string Esm2TinyModel => Path.Combine(Esm2Reference, "model-tiny");

    /// <summary>Real Arabidopsis data and tasks (<c>data/</c>).</summary>
    public static string Data => Path.Combine(RepositoryRoot, "data");

    /// <summary>
    /// A file of the optional larger data beside the checkout (<c>../shared/data/NAME</c>), or null when it is absent
    /// (a fresh clone): tests that need it return early there and run in CI, which has it.
    /// </summary>
    /// <param name="name">File name inside <c>../shared/data</c>.</param>
    /// <returns>The full path, or null.</returns>
    public static string? OptionalLargeData(string name)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", name));
        return File.Exists(path) ? path : null;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgroNT.MLNet.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (AgroNT.MLNet.sln) above " + AppContext.BaseDirectory);
    }
}
