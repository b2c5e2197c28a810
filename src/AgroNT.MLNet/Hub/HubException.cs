namespace AgroNT.MLNet.Hub;

/// <summary>Why a Hub download failed.</summary>
public enum HubErrorKind
{
    /// <summary>401 or 403: a gated or private repository, a missing or refused token, or a misspelt id (the Hub answers 401 for unknown repositories too).</summary>
    Unauthorized,

    /// <summary>404: no such repository, revision or file.</summary>
    NotFound,

    /// <summary>Offline mode (<c>HF_HUB_OFFLINE</c>) and the model is not in the cache.</summary>
    NotCachedOffline,

    /// <summary>The Hub could not be reached, or connections kept failing.</summary>
    Network,

    /// <summary>A downloaded file did not have the size or sha256 the Hub announced; it was deleted.</summary>
    Integrity,

    /// <summary>Any other unexpected answer (a 5xx after every retry, a response that does not look like the Hub's).</summary>
    Protocol,
}

/// <summary>A Hub download failed; the message says why and what to do.</summary>
/// <remarks>An <see cref="IOException"/>: the cache is left consistent (no half-written file under its final name), and a rerun resumes.</remarks>
public sealed class HubException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why.</param>
    /// <param name="message">What happened and what to do.</param>
    /// <param name="statusCode">The HTTP status, when there was one.</param>
    /// <param name="innerException">The underlying error.</param>
    public HubException(HubErrorKind kind, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>Why the download failed.</summary>
    public HubErrorKind Kind { get; }

    /// <summary>The HTTP status code, when the Hub answered.</summary>
    public int? StatusCode { get; }
}
