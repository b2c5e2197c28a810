using AgroNT.Transforms.IO;
using AgroNT.Transforms.ModelFolders;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgroNT.MLNet.Hub;

/// <summary>
/// Downloads a model repository from the Hugging Face Hub into the local Hugging Face cache, in the layout
/// huggingface_hub uses (see <see cref="HubSettings.CacheDirectory"/>), so <c>transformers</c> and this library share
/// one copy. Afterwards <c>AgroNTModel.Load("ORG/NAME")</c> and <c>agront --model ORG/NAME</c> find the model offline.
/// </summary>
/// <remarks>
/// <para>
/// The file list and the commit come from <c>GET {endpoint}/api/models/{repo}/revision/{revision}</c>; each file from
/// <c>{endpoint}/{repo}/resolve/{commit}/{file}</c> (a <c>HEAD</c> for its ETag and size, then a <c>GET</c> that follows
/// the redirect to the storage holding large files; the token is never sent to another host). Files of one commit
/// already in the cache cost no request, so a second download of the same model is a no-op.
/// </para>
/// <para>
/// Bytes arrive in <c>blobs/ETAG.incomplete</c>; a dropped connection is retried with a <c>Range</c> request that
/// continues where it stopped (also across runs), and only a file of the announced size (and sha256, for large files) is
/// renamed to its final name. Nothing is downloaded unless this class is asked to: no constructor or model load does it.
/// </para>
/// </remarks>
/// <example><code>
/// using var hub = new HubDownloader();   // HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME
/// HubSnapshot snapshot = hub.Download("InstaDeepAI/agro-nucleotide-transformer-1b",
///     new HubDownloadOptions { Include = ["config.json", "vocab.txt", "*.json", "pytorch_model.bin"] });
/// using var model = AgroNTModel.Load(snapshot.Folder);
/// </code></example>
public sealed partial class HubDownloader : IDisposable
{
    private const int MaxRedirects = 10;
    private const int CopyBufferBytes = 1 << 20;
    private const long ProgressStepBytes = 1 << 20;

    private readonly HttpClient _http;

    /// <summary>Uses <see cref="HubSettings.FromEnvironment"/>.</summary>
    public HubDownloader()
        : this(HubSettings.FromEnvironment())
    {
    }

    /// <summary>Uses the given settings and its own HTTP connection pool.</summary>
    public HubDownloader(HubSettings settings)
        : this(settings, new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        }, disposeHandler: true)
    {
    }

    /// <summary>
    /// Uses the given settings and HTTP handler (a proxy, custom certificates...). Turn the handler's automatic redirects
    /// off: this class follows redirects itself so that the token stays with the Hub.
    /// </summary>
    public HubDownloader(HubSettings settings, HttpMessageHandler handler)
        : this(settings, handler, disposeHandler: false)
    {
    }

    private HubDownloader(HubSettings settings, HttpMessageHandler handler, bool disposeHandler)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(handler);
        Settings = settings;
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        string version = typeof(HubDownloader).Assembly.GetName().Version?.ToString(3) ?? "0";
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("AgroNT.MLNet", version));
    }

    /// <summary>The endpoint, token, offline switch and cache folder in use.</summary>
    public HubSettings Settings { get; }

    /// <summary>Synchronous <see cref="DownloadAsync"/> (runs on the thread pool, so no synchronization context can deadlock).</summary>
    /// <inheritdoc cref="DownloadAsync" path="/param"/>
    /// <inheritdoc cref="DownloadAsync" path="/exception"/>
    public HubSnapshot Download(string repoId, HubDownloadOptions? options = null, CancellationToken cancellationToken = default) =>
        Transforms.IO.SyncOverAsync.Run(() => DownloadAsync(repoId, options, cancellationToken));

    /// <summary>
    /// Downloads the files of <paramref name="repoId"/> at <see cref="HubDownloadOptions.Revision"/> that match
    /// <see cref="HubDownloadOptions.Include"/> into the cache, and records the revision's commit in
    /// <c>refs/REVISION</c>. With <see cref="HubSettings.Offline"/> it touches no network and returns the cached snapshot.
    /// </summary>
    /// <param name="repoId">The model repository, <c>ORG/NAME</c> (<c>ORG/NAME@REVISION</c> is not accepted here; use the option).</param>
    /// <param name="options">Revision, file patterns, progress and retry policy.</param>
    /// <param name="cancellationToken">Stops the download; what has arrived stays in <c>.incomplete</c> files for the next call.</param>
    /// <returns>The snapshot folder and its files.</returns>
    /// <exception cref="ArgumentException">A malformed repository id, revision or pattern.</exception>
    /// <exception cref="HubException">
    /// Access refused (401/403), not found (404), offline and not cached, the network failing after every retry, or a
    /// file that did not verify; the message says what to do.
    /// </exception>
    public async Task<HubSnapshot> DownloadAsync(string repoId, HubDownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HubDownloadOptions();
        ValidateRepoId(repoId);
        ValidateRevision(options.Revision);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1, nameof(options));
        var patterns = HubFilePatterns.Create(options.Include);
        var cache = new HubCacheRepository(Settings.CacheDirectory, repoId, Settings.SymbolicLinksDisabled, options.RepositoryType);
        if (Settings.Offline)
        {
            return ResolveOffline(cache, repoId, options, patterns);
        }

        var request = new RequestContext(repoId, options.Revision, options, cancellationToken) { Endpoint = EndpointText };
        (string commit, IReadOnlyList<string> listed) = await ListFilesAsync(request).ConfigureAwait(false);
        var wanted = listed.Where(patterns.IsMatch).ToList();
        if (wanted.Count == 0)
        {
            throw new HubException(HubErrorKind.NotFound,
                $"{repoId} at {options.Revision} has no file matching {string.Join(" ", patterns.Texts)}. It has: " +
                $"{string.Join(", ", listed.Take(30))}{(listed.Count > 30 ? ", ..." : "")}.");
        }

        var files = new List<HubSnapshotFile>(wanted.Count);
        long downloaded = 0;
        for (int i = 0; i < wanted.Count; i++)
        {
            var progress = new FileProgress(options.Progress, wanted[i], i + 1, wanted.Count);
            (HubSnapshotFile file, long bytes) = await FetchFileAsync(request, cache, commit, wanted[i], progress).ConfigureAwait(false);
            files.Add(file);
            downloaded += bytes;
        }
        cache.WriteRef(options.Revision, commit);
        return new HubSnapshot(repoId, options.Revision, commit, cache.SnapshotFolder(commit), files) { BytesDownloaded = downloaded };
    }

    /// <summary>Releases the HTTP connections (not a handler passed in).</summary>
    public void Dispose() => _http.Dispose();

    private static HubSnapshot ResolveOffline(HubCacheRepository cache, string repoId, HubDownloadOptions options, HubFilePatterns patterns)
    {
        string revision = options.Revision;
        string command = $"agront download {(options.RepositoryType == HubRepositoryType.Dataset ? "--dataset " : "")}{repoId}";
        string? commit = cache.TryResolveCommit(revision);
        if (commit is null)
        {
            throw new HubException(HubErrorKind.NotCachedOffline,
                $"HF_HUB_OFFLINE is set and {repoId} (revision {revision}) is not in the Hugging Face cache {cache.Root}. " +
                $"Unset HF_HUB_OFFLINE and run: {command}{(revision == "main" ? "" : " --revision " + revision)}");
        }
        string folder = cache.SnapshotFolder(commit);
        var files = new List<HubSnapshotFile>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string path = Path.GetRelativePath(folder, entry).Replace(Path.DirectorySeparatorChar, '/');
            if (patterns.IsMatch(path) && HubCacheRepository.EntryExists(entry, out long size) && !Directory.Exists(entry))
            {
                files.Add(new HubSnapshotFile(path, entry, size, HubCacheRepository.LinkedETag(entry), Downloaded: false));
            }
        }
        if (files.Count == 0)
        {
            throw new HubException(HubErrorKind.NotCachedOffline,
                $"HF_HUB_OFFLINE is set and the cached snapshot {folder} has no file matching {string.Join(" ", patterns.Texts)}. " +
                $"Unset HF_HUB_OFFLINE and run: {command} --include {string.Join(" ", patterns.Texts)}");
        }
        return new HubSnapshot(repoId, revision, commit, folder, files);
    }

    private async Task<(string Commit, IReadOnlyList<string> Files)> ListFilesAsync(RequestContext request)
    {
        string kind = request.Options.RepositoryType == HubRepositoryType.Dataset ? "datasets" : "models";
        var uri = new Uri($"{EndpointText}/api/{kind}/{request.RepoId}/revision/{Uri.EscapeDataString(request.Revision)}");
        string json = await WithRetriesAsync(request, async attempt =>
        {
            using HttpResponseMessage response = await SendAsync(HttpMethod.Get, uri, request, rangeStart: null, followOtherHosts: true).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken);
            timeout.CancelAfter(request.Options.ReadTimeout);
            return await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }, what: $"list the files of {request.RepoId}").ConfigureAwait(false);

        try
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            string? commit = root.TryGetProperty("sha", out JsonElement sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString() : null;
            if (commit is null || !HubCacheRepository.IsCommit(commit))
            {
                throw new HubException(HubErrorKind.Protocol, $"{uri} did not answer with a commit ('sha'); is {EndpointText} (HF_ENDPOINT) a Hugging Face Hub?");
            }
            var files = new List<string>();
            if (root.TryGetProperty("siblings", out JsonElement siblings) && siblings.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement sibling in siblings.EnumerateArray())
                {
                    if (sibling.ValueKind == JsonValueKind.Object && sibling.TryGetProperty("rfilename", out JsonElement name) && name.GetString() is { } path)
                    {
                        files.Add(ValidateRepoPath(path, uri));
                    }
                }
            }
            return (commit, files);
        }
        catch (JsonException e)
        {
            throw new HubException(HubErrorKind.Protocol, $"{uri} did not answer with JSON ({e.Message}); is {EndpointText} (HF_ENDPOINT) a Hugging Face Hub?", innerException: e);
        }
    }

    private async Task<(HubSnapshotFile File, long BytesDownloaded)> FetchFileAsync(
        RequestContext request, HubCacheRepository cache, string commit, string path, FileProgress progress)
    {
        string entry = cache.SnapshotPath(commit, path);
        if (HubCacheRepository.EntryExists(entry, out long cachedSize))
        {
            progress.Report(HubDownloadStage.Cached, cachedSize, cachedSize);
            return (new HubSnapshotFile(path, entry, cachedSize, HubCacheRepository.LinkedETag(entry), Downloaded: false), 0);
        }

        RemoteFile remote = await GetMetadataAsync(request, commit, path).ConfigureAwait(false);
        string blob = cache.BlobPath(remote.ETag);
        long downloaded = 0;
        bool newBlob = false;
        using (await cache.LockBlobAsync(remote.ETag, waiting: null, request.CancellationToken).ConfigureAwait(false))
        {
            var existing = new FileInfo(blob);
            if (!existing.Exists || (remote.Size is { } size && existing.Length != size))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
                downloaded = await DownloadBlobAsync(request, remote, blob, path, progress).ConfigureAwait(false);
                newBlob = true;
            }
            cache.Link(entry, blob, newBlob);
        }
        HubCacheRepository.EntryExists(entry, out long finalSize);
        progress.Report(HubDownloadStage.Completed, finalSize, finalSize);
        return (new HubSnapshotFile(path, entry, finalSize, remote.ETag, Downloaded: newBlob), downloaded);
    }

    private async Task<RemoteFile> GetMetadataAsync(RequestContext request, string commit, string path)
    {
        var uri = ResolveUri(request, commit, path);
        return await WithRetriesAsync(request, async attempt =>
        {
            using HttpResponseMessage response = await SendAsync(HttpMethod.Head, uri, request with { File = path }, rangeStart: null, followOtherHosts: false).ConfigureAwait(false);
            string? repoCommit = Header(response, "X-Repo-Commit");
            if (repoCommit is not null && repoCommit != commit)
            {
                throw new HubException(HubErrorKind.Protocol, $"Asked {uri} for commit {commit}, the Hub answered for {repoCommit}; run the download again.");
            }
            string etag = NormalizeETag(Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag ?? Header(response, "ETag"))
                ?? throw new HubException(HubErrorKind.Protocol, $"{uri} sent no ETag; is {EndpointText} (HF_ENDPOINT) a Hugging Face Hub?");
            if (!SafeETag().IsMatch(etag))
            {
                throw new HubException(HubErrorKind.Protocol, $"{uri} sent the ETag '{etag}', which cannot name a cache file.");
            }
            long? size = long.TryParse(Header(response, "X-Linked-Size"), NumberStyles.None, CultureInfo.InvariantCulture, out long linked)
                ? linked
                : response.Content.Headers.ContentLength;
            Uri location = response.Headers.Location is { } target && IsRedirect(response.StatusCode)
                ? new Uri(response.RequestMessage?.RequestUri ?? uri, target)
                : response.RequestMessage?.RequestUri ?? uri;
            return new RemoteFile(etag, size, location);
        }, what: $"read the metadata of {path} in {request.RepoId}").ConfigureAwait(false);
    }

    private async Task<long> DownloadBlobAsync(RequestContext request, RemoteFile remote, string blob, string path, FileProgress progress)
    {
        string incomplete = blob + ".incomplete";
        long transferred = 0;
        if (remote.Size == 0)
        {
            await File.WriteAllBytesAsync(incomplete, [], request.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            var fileRequest = request with { File = path };
            transferred = await WithRetriesAsync(fileRequest, async attempt =>
            {
                long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                if (remote.Size is { } expected && have > expected)
                {
                    File.Delete(incomplete);
                    have = 0;
                }
                if (have > 0 && have == remote.Size)
                {
                    return 0L;
                }
                if (attempt > 1)
                {
                    progress.Report(HubDownloadStage.Retrying, have, remote.Size);
                }
                return await ReceiveAsync(fileRequest, remote, incomplete, have, progress).ConfigureAwait(false);
            }, what: $"download {path} of {request.RepoId}", incomplete: incomplete, expectedSize: remote.Size).ConfigureAwait(false);
        }
        await VerifyAsync(remote, incomplete, path, request.CancellationToken).ConfigureAwait(false);
        File.Move(incomplete, blob, overwrite: true);
        return transferred;
    }

    /// <summary>One GET of the file from byte <paramref name="have"/> on, appended to <paramref name="incomplete"/>.</summary>
    private async Task<long> ReceiveAsync(RequestContext request, RemoteFile remote, string incomplete, long have, FileProgress progress)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, remote.Location, request, rangeStart: have > 0 ? have : null, followOtherHosts: true).ConfigureAwait(false);
        long start = 0;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            start = response.Content.Headers.ContentRange?.From ?? -1;
            if (start != have)
            {
                // Not the range we asked for: start over rather than splice bytes from somewhere else.
                File.Delete(incomplete);
                throw new IOException($"the server answered the range request for byte {have} with bytes from {start}");
            }
        }
        await using var file = new FileStream(incomplete, start > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await using Stream body = await response.Content.ReadAsStreamAsync(request.CancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[CopyBufferBytes];
        long done = start, received = 0, lastReport = start;
        progress.Report(HubDownloadStage.Downloading, done, remote.Size);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken);
        while (true)
        {
            idle.CancelAfter(request.Options.ReadTimeout);
            int read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            await file.WriteAsync(buffer.AsMemory(0, read), request.CancellationToken).ConfigureAwait(false);
            done += read;
            received += read;
            if (done - lastReport >= ProgressStepBytes)
            {
                progress.Report(HubDownloadStage.Downloading, done, remote.Size);
                lastReport = done;
            }
        }
        await file.FlushAsync(request.CancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        progress.Report(HubDownloadStage.Downloading, done, remote.Size);
        if (remote.Size is { } size && done < size)
        {
            throw new IOException($"the connection ended after {done:N0} of {size:N0} bytes");
        }
        return received;
    }

    private static async Task VerifyAsync(RemoteFile remote, string incomplete, string path, CancellationToken cancellationToken)
    {
        long length = new FileInfo(incomplete).Length;
        if (remote.Size is { } size && length != size)
        {
            File.Delete(incomplete);
            throw new HubException(HubErrorKind.Integrity, $"{path}: received {length:N0} bytes, the Hub announced {size:N0}; the partial file was deleted, run the download again.");
        }
        if (Sha256Hex().IsMatch(remote.ETag))
        {
            string actual;
            await using (var stream = new FileStream(incomplete, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
            if (actual != remote.ETag)
            {
                File.Delete(incomplete);
                throw new HubException(HubErrorKind.Integrity, $"{path}: the downloaded file's sha256 is {actual}, the Hub announced {remote.ETag}; it was deleted, run the download again.");
            }
        }
    }

    /// <summary>
    /// Sends one request, following redirects (relative ones always, those to another host only when
    /// <paramref name="followOtherHosts"/>); the token goes only to the endpoint's host. Returns a success or an
    /// unfollowed redirect; throws <see cref="HubException"/> for 4xx and <see cref="TransientStatusException"/> for
    /// 5xx and 429.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, RequestContext request, long? rangeStart, bool followOtherHosts)
    {
        for (int hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(method, uri);
            message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (Settings.Token is { Length: > 0 } token && SameAuthority(uri, Settings.Endpoint))
            {
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            if (rangeStart is { } start)
            {
                message.Headers.Range = new RangeHeaderValue(start, null);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken);
            timeout.CancelAfter(request.Options.ReadTimeout);
            HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                var target = new Uri(uri, location);
                if (!followOtherHosts && !SameAuthority(target, uri))
                {
                    return response;
                }
                response.Dispose();
                if (hop == MaxRedirects)
                {
                    throw new HubException(HubErrorKind.Protocol, $"More than {MaxRedirects} redirects from {uri}.");
                }
                uri = target;
                continue;
            }
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            using (response)
            {
                int code = (int)response.StatusCode;
                if (code >= 500 || code == 429)
                {
                    throw new TransientStatusException(code, $"{code} {response.ReasonPhrase} from {uri.GetLeftPart(UriPartial.Path)}");
                }
                throw StatusError(response, request, uri);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, retrying network failures, timeouts and 5xx/429 answers up to
    /// <see cref="HubDownloadOptions.MaxAttempts"/> times with doubling pauses.
    /// </summary>
    private static async Task<T> WithRetriesAsync<T>(RequestContext request, Func<int, Task<T>> attempt, string what, string? incomplete = null, long? expectedSize = null)
    {
        TimeSpan delay = request.Options.RetryDelay;
        for (int number = 1; ; number++)
        {
            try
            {
                return await attempt(number).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, request.CancellationToken))
            {
                if (number >= request.Options.MaxAttempts)
                {
                    throw NetworkError(request, what, number, e, incomplete, expectedSize);
                }
                Debug.WriteLine($"AgroNT hub: {what}: attempt {number} failed ({e.Message}); retrying in {delay}.");
                await Task.Delay(delay, request.CancellationToken).ConfigureAwait(false);
                delay += delay;
            }
        }
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        HubException => false,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpRequestException or IOException or TransientStatusException => true,
        _ => false,
    };

    private static HubException NetworkError(RequestContext request, string what, int attempts, Exception e, string? incomplete, long? expectedSize)
    {
        string reason = e is OperationCanceledException ? $"no data for {request.Options.ReadTimeout.TotalSeconds:0} s" : e.Message;
        string tries = attempts == 1 ? "" : $" after {attempts} attempts";
        if (e is TransientStatusException status)
        {
            return new HubException(HubErrorKind.Protocol, $"Could not {what}{tries}: the Hub answered {reason}. Try again later.", status.StatusCode, e);
        }
        string kept = incomplete is not null && File.Exists(incomplete)
            ? $" {new FileInfo(incomplete).Length:N0}{(expectedSize is { } size ? $" of {size:N0}" : "")} bytes are kept in {incomplete}; run the same download again to resume."
            : "";
        return new HubException(HubErrorKind.Network,
            $"Could not {what}{tries} ({reason}). Check the network connection and HF_ENDPOINT (the Hub used: " +
            $"{request.Endpoint}); to use a model already in the cache without the network, set HF_HUB_OFFLINE=1.{kept}",
            innerException: e);
    }

    private HubException StatusError(HttpResponseMessage response, RequestContext request, Uri uri)
    {
        int code = (int)response.StatusCode;
        string? errorCode = Header(response, "X-Error-Code");
        string detail = Header(response, "X-Error-Message") is { Length: > 0 } message ? $" ({message})" : "";
        string page = $"{EndpointText}/{(request.Options.RepositoryType == HubRepositoryType.Dataset ? "datasets/" : "")}{request.RepoId}";
        return code switch
        {
            401 => new HubException(HubErrorKind.Unauthorized,
                $"The Hub answered 401 Unauthorized for {request.RepoId}{detail}: the repository is gated or private, or the id is " +
                $"misspelt (the Hub answers 401 for repositories it does not show you). " +
                (Settings.Token is { Length: > 0 }
                    ? $"The token sent (HF_TOKEN) was refused or has no access: check it, and accept the model's licence at {page}."
                    : $"Accept the model's licence at {page} while logged in, create a read token at {EndpointText}/settings/tokens and set HF_TOKEN to it."),
                code),
            403 => new HubException(HubErrorKind.Unauthorized,
                $"The Hub answered 403 Forbidden for {request.RepoId}{detail}: access is restricted. Accept the model's licence at {page} " +
                "with the account whose token is in HF_TOKEN, then run the download again.",
                code),
            404 when errorCode == "RevisionNotFound" => new HubException(HubErrorKind.NotFound,
                $"The revision '{request.Revision}' was not found in {request.RepoId} (404){detail}. Give an existing branch, tag or commit with --revision.", code),
            404 when errorCode == "EntryNotFound" || (errorCode is null && request.File is not null) => new HubException(HubErrorKind.NotFound,
                $"The file '{request.File}' was not found in {request.RepoId} at {request.Revision} (404){detail}.", code),
            404 => new HubException(HubErrorKind.NotFound,
                $"The repository {request.RepoId} (revision {request.Revision}) was not found on {EndpointText} (404){detail}. Check the id (ORG/NAME) and the revision.", code),
            _ => new HubException(HubErrorKind.Protocol, $"The Hub answered {code} {response.ReasonPhrase} for {uri.GetLeftPart(UriPartial.Path)}{detail}.", code),
        };
    }

    private string EndpointText => Settings.Endpoint.AbsoluteUri.TrimEnd('/');

    private Uri ResolveUri(RequestContext request, string revision, string path) =>
        new($"{EndpointText}/{(request.Options.RepositoryType == HubRepositoryType.Dataset ? "datasets/" : "")}{request.RepoId}/resolve/" +
            $"{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    private static bool SameAuthority(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault()
            : null;

    /// <summary>Strips a weak marker and quotes, as huggingface_hub does before naming the blob.</summary>
    private static string? NormalizeETag(string? etag)
    {
        if (etag is null)
        {
            return null;
        }
        string value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        value = value.Trim('"');
        return value.Length == 0 ? null : value;
    }

    private static void ValidateRepoId(string repoId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repoId);
        if (!RepoId().IsMatch(repoId) || repoId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{repoId}' is not a Hugging Face repository id; expected ORG/NAME, e.g. InstaDeepAI/agro-nucleotide-transformer-1b.", nameof(repoId));
        }
    }

    private static void ValidateRevision(string revision)
    {
        if (string.IsNullOrWhiteSpace(revision) || !Revision().IsMatch(revision) || revision.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{revision}' is not a branch, tag or commit name.", nameof(revision));
        }
    }

    /// <summary>A repository path the Hub listed, refused when it could escape the snapshot folder.</summary>
    private static string ValidateRepoPath(string path, Uri source)
    {
        string[] segments = path.Split('/');
        if (path.Length == 0 || path.Contains('\\') || path.Contains(':') || path.Any(char.IsControl)
            || segments.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            throw new HubException(HubErrorKind.Protocol, $"{source} listed the file name '{path}', which is not a safe relative path; nothing was downloaded.");
        }
        return path;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepoId();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    private static partial Regex Revision();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeETag();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    /// <summary>What one download call is about, for requests and messages.</summary>
    private sealed record RequestContext(string RepoId, string Revision, HubDownloadOptions Options, CancellationToken CancellationToken)
    {
        public string? File { get; init; }

        public string Endpoint { get; init; } = "";
    }

    /// <summary>A file's blob name, size and where its bytes are.</summary>
    private sealed record RemoteFile(string ETag, long? Size, Uri Location);

    /// <summary>A 5xx or 429 answer: worth another try.</summary>
    private sealed class TransientStatusException(int statusCode, string message) : Exception(message)
    {
        public int StatusCode { get; } = statusCode;
    }

    /// <summary>Forwards one file's progress to the caller's <see cref="IProgress{T}"/>.</summary>
    private sealed class FileProgress(IProgress<HubDownloadProgress>? sink, string file, int index, int count)
    {
        public void Report(HubDownloadStage stage, long done, long? total) =>
            sink?.Report(new HubDownloadProgress(file, index, count, stage, done, total));
    }
}
