using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AgroNT.Tests.Common;

/// <summary>A request the fake Hub received.</summary>
internal sealed record FakeHubRequest(string Server, string Method, string Path, IReadOnlyDictionary<string, string> Headers, int Status)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out string? value) ? value : null;
}

/// <summary>A model repository the fake Hub serves: one commit per branch, files small (git) or large (LFS).</summary>
internal sealed class FakeHubRepository(string repoId)
{
    private readonly Dictionary<string, Dictionary<string, FakeHubFile>> _commits = new(StringComparer.Ordinal);

    public string RepoId { get; } = repoId;

    /// <summary>Branches and tags to commits.</summary>
    public Dictionary<string, string> Refs { get; } = new(StringComparer.Ordinal);

    /// <summary>When set, requests need <c>Authorization: Bearer {Token}</c> (a gated repository) or get a 401.</summary>
    public string? Token { get; set; }

    /// <summary>Adds a commit with the given files and points <paramref name="branch"/> at it.</summary>
    public string AddCommit(string branch, params FakeHubFile[] files)
    {
        string commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(RepoId + branch + _commits.Count)));
        _commits[commit] = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        Refs[branch] = commit;
        return commit;
    }

    public string? ResolveCommit(string revision) =>
        _commits.ContainsKey(revision) ? revision : Refs.TryGetValue(revision, out string? commit) ? commit : null;

    public IReadOnlyDictionary<string, FakeHubFile> FilesAt(string commit) => _commits[commit];
}

/// <summary>A file of a fake repository; <see cref="ETag"/> is the git blob id, or the sha256 for an LFS file, as on the Hub.</summary>
internal sealed record FakeHubFile(string Path, byte[] Content, bool Lfs)
{
    public string ETag { get; } = Lfs
        ? Convert.ToHexStringLower(SHA256.HashData(Content))
        : Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {Content.Length}\0"), .. Content]));

    public static FakeHubFile Text(string path, string content) => new(path, Encoding.UTF8.GetBytes(content), Lfs: false);

    public static FakeHubFile FromDisk(string path, string file, bool lfs) => new(path, File.ReadAllBytes(file), lfs);
}

/// <summary>
/// A loopback stand-in for the Hugging Face Hub (raw HTTP/1.1 over <see cref="TcpListener"/> on 127.0.0.1, ephemeral
/// ports): <c>/api/models/{repo}/revision/{rev}</c>, <c>/{repo}/resolve/{rev}/{file}</c> answering small files itself
/// (ETag = git blob id) and large files with a 302 to a second "storage" listener (X-Linked-Etag = sha256,
/// X-Linked-Size), X-Repo-Commit on both, 401 for gated repositories without the token, 404 with X-Error-Code, Range
/// requests, and on demand a connection dropped in the middle of a file or a corrupted body. Dataset repositories
/// (<see cref="AddDataset"/>) answer the same routes under <c>/api/datasets/</c> and <c>/datasets/{repo}/resolve/</c>.
/// </summary>
internal sealed class FakeHubServer : IDisposable
{
    private readonly TcpListener _hub = new(IPAddress.Loopback, 0);
    private readonly TcpListener _storage = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private const string DatasetPrefix = "datasets/";
    private readonly ConcurrentDictionary<string, FakeHubRepository> _repositories = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private int _dropsLeft;
    private bool _disposed;

    public FakeHubServer()
    {
        _hub.Start();
        _storage.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_hub.LocalEndpoint).Port}");
        StorageEndpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_storage.LocalEndpoint).Port}");
        _loops.Add(AcceptLoop(_hub, "hub", HandleHub));
        _loops.Add(AcceptLoop(_storage, "storage", HandleStorage));
    }

    /// <summary>The Hub's address (give it as HF_ENDPOINT).</summary>
    public Uri Endpoint { get; }

    /// <summary>Where LFS files are redirected to: another port, so another authority that must not see the token.</summary>
    public Uri StorageEndpoint { get; }

    public ConcurrentQueue<FakeHubRequest> Requests { get; } = new();

    /// <summary>Bytes sent before a dropped connection closes.</summary>
    public int DropAfterBytes { get; set; } = 1000;

    /// <summary>When true, storage answers with one byte changed (a sha256 mismatch).</summary>
    public bool CorruptStorage { get; set; }

    /// <summary>The next <paramref name="count"/> storage downloads send <see cref="DropAfterBytes"/> bytes and then close the connection.</summary>
    public void DropNextDownloads(int count) => Interlocked.Exchange(ref _dropsLeft, count);

    public FakeHubRepository AddRepository(string repoId)
    {
        var repository = new FakeHubRepository(repoId);
        _repositories[repoId] = repository;
        return repository;
    }

    /// <summary>A dataset repository, served under <c>/api/datasets/{repo}/...</c> and <c>/datasets/{repo}/resolve/...</c>.</summary>
    public FakeHubRepository AddDataset(string repoId)
    {
        var repository = new FakeHubRepository(repoId);
        _repositories[DatasetPrefix + repoId] = repository;
        return repository;
    }

    /// <summary>The tiny AgroNT model as a repository: JSON and vocab.txt as git files, model.safetensors in LFS.</summary>
    public FakeHubRepository AddTinyModel(string repoId, out string commit)
    {
        var repository = AddRepository(repoId);
        commit = repository.AddCommit("main",
            FakeHubFile.Text(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"),
            FakeHubFile.FromDisk("config.json", Path.Combine(SharedData.TinyModel, "config.json"), lfs: false),
            FakeHubFile.FromDisk("model.safetensors", Path.Combine(SharedData.TinyModel, "model.safetensors"), lfs: true),
            FakeHubFile.FromDisk("special_tokens_map.json", Path.Combine(SharedData.TinyModel, "special_tokens_map.json"), lfs: false),
            FakeHubFile.FromDisk("tokenizer_config.json", Path.Combine(SharedData.TinyModel, "tokenizer_config.json"), lfs: false),
            FakeHubFile.FromDisk("vocab.txt", Path.Combine(SharedData.TinyModel, "vocab.txt"), lfs: false));
        return repository;
    }

    public IReadOnlyList<FakeHubRequest> RequestsTo(string server) => [.. Requests.Where(r => r.Server == server)];

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Cancel();
        _hub.Stop();
        _storage.Stop();
        try
        {
            Task.WaitAll([.. _loops], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loops end by cancellation.
        }
        _stop.Dispose();
    }

    private Response HandleHub(Request request)
    {
        string[] parts = request.Path.TrimStart('/').Split('/');
        // Dataset routes are the model routes with "datasets" in place of "models" (API) or in front of the id (files).
        string kind = "";
        if (parts.Length >= 2 && parts[0] == "api" && parts[1] == "datasets")
        {
            kind = DatasetPrefix;
            parts[1] = "models";
        }
        else if (parts.Length >= 1 && parts[0] == "datasets")
        {
            kind = DatasetPrefix;
            parts = parts[1..];
        }
        if (parts.Length >= 6 && parts[0] == "api" && parts[1] == "models" && parts[4] == "revision" && request.Method == "GET")
        {
            return Authorized(kind + parts[2] + "/" + parts[3], request, repository =>
            {
                string revision = Uri.UnescapeDataString(string.Join('/', parts[5..]));
                string? commit = repository.ResolveCommit(revision);
                if (commit is null)
                {
                    return Error(404, "RevisionNotFound", $"Invalid rev id: {revision}");
                }
                string json = JsonSerializer.Serialize(new
                {
                    id = repository.RepoId,
                    sha = commit,
                    siblings = repository.FilesAt(commit).Keys.Select(k => new { rfilename = k }),
                });
                return new Response(200, [("Content-Type", "application/json")], Encoding.UTF8.GetBytes(json));
            });
        }
        if (parts.Length >= 5 && parts[2] == "resolve" && request.Method is "GET" or "HEAD")
        {
            return Authorized(kind + parts[0] + "/" + parts[1], request, repository =>
            {
                string revision = Uri.UnescapeDataString(parts[3]);
                string path = string.Join('/', parts[4..].Select(Uri.UnescapeDataString));
                string? commit = repository.ResolveCommit(revision);
                if (commit is null)
                {
                    return Error(404, "RevisionNotFound", $"Invalid rev id: {revision}");
                }
                if (!repository.FilesAt(commit).TryGetValue(path, out FakeHubFile? file))
                {
                    return Error(404, "EntryNotFound", $"{path} does not exist on \"{revision}\"");
                }
                if (file.Lfs)
                {
                    return new Response(302,
                    [
                        ("Location", $"{StorageEndpoint.AbsoluteUri}blobs/{file.ETag}?X-Amz-Signature=fake"),
                        ("X-Repo-Commit", commit),
                        ("X-Linked-Etag", $"\"{file.ETag}\""),
                        ("X-Linked-Size", file.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        ("ETag", "\"lfs-pointer-etag\""),
                    ], []);
                }
                return Body(request, file.Content, [("X-Repo-Commit", commit), ("ETag", $"\"{file.ETag}\"")], drop: false);
            });
        }
        return Error(404, null, "Not found");
    }

    private Response HandleStorage(Request request)
    {
        string[] parts = request.Path.Split('?')[0].TrimStart('/').Split('/');
        FakeHubFile? file = parts.Length == 2 && parts[0] == "blobs"
            ? _repositories.Values.SelectMany(r => r.Refs.Values.Distinct().SelectMany(c => r.FilesAt(c).Values)).FirstOrDefault(f => f.Lfs && f.ETag == parts[1])
            : null;
        if (file is null)
        {
            return Error(404, null, "NoSuchKey");
        }
        byte[] content = file.Content;
        if (CorruptStorage)
        {
            content = [.. content];
            content[^1] ^= 0xFF;
        }
        bool drop = request.Method == "GET" && Interlocked.Decrement(ref _dropsLeft) >= 0;
        return Body(request, content, [("ETag", $"\"{file.ETag}\"")], drop);
    }

    private Response Authorized(string repoId, Request request, Func<FakeHubRepository, Response> handle)
    {
        if (!_repositories.TryGetValue(repoId, out FakeHubRepository? repository))
        {
            return Error(404, "RepoNotFound", "Repository not found");
        }
        if (repository.Token is { } token && request.Header("authorization") != $"Bearer {token}")
        {
            return Error(401, "GatedRepo", $"Access to model {repoId} is restricted. You must have access to it and be authenticated to access it.");
        }
        return handle(repository);
    }

    private Response Body(Request request, byte[] content, List<(string, string)> headers, bool drop)
    {
        int start = 0;
        int status = 200;
        if (request.Header("range") is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = int.Parse(range[6..].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
            status = 206;
            headers.Add(("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}"));
        }
        headers.Add(("Accept-Ranges", "bytes"));
        byte[] body = content[start..];
        return new Response(status, headers, body, drop ? Math.Min(DropAfterBytes, body.Length / 2) : null);
    }

    private static Response Error(int status, string? code, string message)
    {
        var headers = new List<(string, string)> { ("X-Error-Message", message), ("Content-Type", "application/json") };
        if (code is not null)
        {
            headers.Add(("X-Error-Code", code));
        }
        return new Response(status, headers, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { error = message })));
    }

    private async Task AcceptLoop(TcpListener listener, string server, Func<Request, Response> handler)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client, server, handler));
        }
    }

    private async Task ServeAsync(TcpClient client, string server, Func<Request, Response> handler)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                Request? request = await ReadRequestAsync(stream);
                if (request is null)
                {
                    return;
                }
                Response response = handler(request);
                Requests.Enqueue(new FakeHubRequest(server, request.Method, request.Path, request.Headers, response.Status));
                var head = new StringBuilder($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
                foreach ((string name, string value) in response.Headers)
                {
                    head.Append(name).Append(": ").Append(value).Append("\r\n");
                }
                head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                if (request.Method != "HEAD")
                {
                    int length = response.DropAfter ?? response.Body.Length;
                    await stream.WriteAsync(response.Body.AsMemory(0, length), _stop.Token);
                }
                await stream.FlushAsync(_stop.Token);
                if (response.DropAfter is not null)
                {
                    // An abortive close (RST), as a proxy or a flaky network cuts a transfer.
                    client.Client.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // The client went away.
            }
        }
    }

    private static async Task<Request?> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        byte[] one = new byte[1];
        while (bytes.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                break;
            }
        }
        string[] lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1).Where(l => l.Contains(':')))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        return new Request(requestLine[0], requestLine[1], headers);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Status",
    };

    private sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
    }

    private sealed record Response(int Status, List<(string Name, string Value)> Headers, byte[] Body, int? DropAfter = null);
}
