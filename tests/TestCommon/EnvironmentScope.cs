namespace AgroNT.Tests.Common;

/// <summary>
/// Sets process environment variables (null removes one) and restores every one of them on dispose. Only for tests in
/// a collection with parallelization disabled: the environment is shared by the whole test process.
/// </summary>
internal sealed class EnvironmentScope : IDisposable
{
    /// <summary>The variables Hub and cache code reads; a scope clears those it does not set, so the machine's own settings cannot leak in.</summary>
    public static readonly string[] HuggingFaceVariables =
    [
        "HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME",
    ];

    private readonly Dictionary<string, string?> _saved = new(StringComparer.Ordinal);

    /// <summary>Clears every Hugging Face variable, then sets the given ones.</summary>
    public static EnvironmentScope HuggingFace(params (string Name, string? Value)[] values)
    {
        var scope = new EnvironmentScope();
        foreach (string name in HuggingFaceVariables)
        {
            scope.Set(name, null);
        }
        foreach ((string name, string? value) in values)
        {
            scope.Set(name, value);
        }
        return scope;
    }

    public void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach ((string name, string? value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
