namespace AgroNT.Transforms.IO;

/// <summary>
/// A file written under a temporary name beside its destination (<c>path + ".tmp-&lt;random&gt;"</c>) and renamed
/// over it only on <see cref="Commit"/>, so a crash or an abandoned writer never leaves a half-written file or
/// damages the file already there.
/// </summary>
public sealed class StagedFile : IDisposable
{
    private const string TemporarySuffix = ".tmp-";
    private const int SuffixLength = 12;

    private bool _finished;

    private StagedFile(string destination, string temporaryPath, FileStream stream)
    {
        Destination = destination;
        TemporaryPath = temporaryPath;
        Stream = stream;
    }

    /// <summary>The full path the file gets on <see cref="Commit"/>.</summary>
    public string Destination { get; }

    /// <summary>The full path written until then.</summary>
    public string TemporaryPath { get; }

    /// <summary>The open, seekable stream on <see cref="TemporaryPath"/>.</summary>
    public FileStream Stream { get; }

    /// <summary>Opens a staged file for <paramref name="destination"/>, removing stale temporaries of it that no live writer holds.</summary>
    /// <param name="destination">The file to write; its folder must exist.</param>
    /// <returns>The staged file; <see cref="Commit"/> it, or dispose it to abandon.</returns>
    /// <exception cref="IOException">The destination is a folder.</exception>
    /// <exception cref="DirectoryNotFoundException">The destination's folder does not exist.</exception>
    public static StagedFile Create(string destination)
    {
        string full = Path.GetFullPath(destination);
        if (Directory.Exists(full))
        {
            throw new IOException($"Cannot write to '{destination}': it is a folder. Name a file instead.");
        }
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException(
                $"Cannot write to '{destination}': the folder '{folder}' does not exist. Create it first.");
        }
        RemoveAbandonedTemporaries(full);
        // The random suffix keeps two writers aimed at the same destination from sharing a temporary file.
        string temporary = full + TemporarySuffix + Guid.NewGuid().ToString("N")[..SuffixLength];
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        return new StagedFile(full, temporary, stream);
    }

    /// <summary>
    /// Deletes the temporary files an earlier writer of <paramref name="destination"/> left when it was killed (kill -9,
    /// a power cut), which nothing else would ever clean. A writer that is still running holds its temporary file
    /// exclusively (<see cref="FileShare.None"/>, a lock the system releases when the process dies), so its file cannot
    /// be opened here and is left alone.
    /// </summary>
    private static void RemoveAbandonedTemporaries(string destination)
    {
        string? folder = Path.GetDirectoryName(destination);
        string prefix = Path.GetFileName(destination) + TemporarySuffix;
        if (folder is null || !Directory.Exists(folder))
        {
            return;
        }
        foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            string suffix = Path.GetFileName(candidate)[prefix.Length..];
            if (suffix.Length != SuffixLength || !suffix.All(char.IsAsciiHexDigitLower))
            {
                continue; // not a name this class writes
            }
            try
            {
                using (new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
                File.Delete(candidate);
            }
            catch (IOException)
            {
                // A live writer holds it.
            }
            catch (UnauthorizedAccessException)
            {
                // Someone else's file; not ours to delete.
            }
        }
    }

    /// <summary>Flushes to disk, closes and renames the temporary file over <see cref="Destination"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        // Flushing to the disk first makes the rename publish complete contents even after a power cut.
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TemporaryPath, Destination, overwrite: true);
        _finished = true;
    }

    /// <summary>Closes and deletes the temporary file; the destination is left as it was.</summary>
    public void Abandon()
    {
        if (_finished)
        {
            return;
        }
        _finished = true;
        try
        {
            Stream.Dispose();
        }
        finally
        {
            File.Delete(TemporaryPath);
        }
    }

    /// <summary>Abandons the file unless it was committed.</summary>
    public void Dispose() => Abandon();

    /// <summary>Writes <paramref name="destination"/> atomically: <paramref name="write"/> fills a staged file that replaces it only when complete.</summary>
    /// <param name="destination">The file to write; its folder is created if needed.</param>
    /// <param name="write">Writes the contents (the stream is seekable).</param>
    public static void Write(string destination, Action<FileStream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(destination));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        using var staged = Create(destination);
        write(staged.Stream);
        staged.Commit();
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="destination"/> atomically.</summary>
    /// <param name="destination">The file to write; its folder is created if needed.</param>
    /// <param name="text">The contents.</param>
    public static void WriteAllText(string destination, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(destination, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text)));
    }
}
