using AgroNT.Transforms.ModelFolders;
using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Hub;

/// <summary>
/// Where and how <see cref="HubDownloader"/> talks to the Hugging Face Hub, and where it keeps files. Read them from the
/// variables huggingface_hub reads with <see cref="FromEnvironment"/>, or set them in code.
/// </summary>
public sealed record HubSettings
{
    /// <summary>The public Hub, used when <c>HF_ENDPOINT</c> is not set.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    private readonly Uri _endpoint = new(DefaultEndpoint);

    /// <summary>The Hub's base address (<c>HF_ENDPOINT</c>); file URLs are <c>{Endpoint}/{ORG}/{NAME}/resolve/{revision}/{file}</c>.</summary>
    /// <exception cref="ArgumentException">Not an absolute http or https address.</exception>
    public Uri Endpoint
    {
        get => _endpoint;
        init => _endpoint = ValidateEndpoint(value, nameof(Endpoint));
    }

    /// <summary>The access token sent as <c>Authorization: Bearer</c> to <see cref="Endpoint"/> (never to the storage it redirects to), or null.</summary>
    public string? Token { get; init; }

    /// <summary>When true (<c>HF_HUB_OFFLINE=1</c>), nothing goes over the network: models resolve from the cache or fail.</summary>
    public bool Offline { get; init; }

    /// <summary>The Hugging Face Hub cache folder (holds <c>models--ORG--NAME/{blobs,snapshots,refs}</c>).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Tests only: behave as on a file system without symbolic links.</summary>
    internal bool SymbolicLinksDisabled { get; init; }

    /// <summary>
    /// Settings from the environment, as huggingface_hub reads them: <c>HF_ENDPOINT</c> (default
    /// <see cref="DefaultEndpoint"/>); <c>HF_TOKEN</c>, else the token file <c>huggingface-cli login</c> writes
    /// (<c>$HF_TOKEN_PATH</c>, else <c>$HF_HOME/token</c>, else <c>$XDG_CACHE_HOME/huggingface/token</c>, else
    /// <c>~/.cache/huggingface/token</c>);
    /// <c>HF_HUB_OFFLINE</c> (<c>1</c>, <c>true</c>, <c>yes</c> or <c>on</c>); and the cache folder of
    /// <see cref="HuggingFaceModelLocator.GetHubCacheDirectory"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><c>HF_ENDPOINT</c> is not an http(s) address.</exception>
    public static HubSettings FromEnvironment()
    {
        Uri endpoint = new(DefaultEndpoint);
        if (NonEmpty("HF_ENDPOINT") is { } text)
        {
            if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out Uri? parsed))
            {
                throw new ArgumentException($"HF_ENDPOINT '{text}' is not an absolute address such as {DefaultEndpoint}.");
            }
            endpoint = ValidateEndpoint(parsed, "HF_ENDPOINT");
        }
        return new HubSettings
        {
            Endpoint = endpoint,
            Token = TokenFromEnvironment(),
            Offline = IsTrue(NonEmpty("HF_HUB_OFFLINE")),
            CacheDirectory = HuggingFaceModelLocator.GetHubCacheDirectory(),
        };
    }

    private static string? TokenFromEnvironment()
    {
        if ((NonEmpty("HF_TOKEN") ?? NonEmpty("HUGGING_FACE_HUB_TOKEN")) is { } token)
        {
            return token.Trim();
        }
        string home = NonEmpty("HF_HOME")
            ?? Path.Combine(NonEmpty("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");
        string file = NonEmpty("HF_TOKEN_PATH") ?? Path.Combine(home, "token");
        try
        {
            return File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } stored ? stored : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsTrue(string? value) =>
        value is not null && (value.Trim().ToUpperInvariant() is "1" or "TRUE" or "YES" or "ON");

    private static Uri ValidateEndpoint(Uri? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{name} must be an absolute http or https address such as {DefaultEndpoint}, got '{value}'.", name);
        }
        return value;
    }

    private static string? NonEmpty(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
