namespace AgroNT.MLNet.Analysis;

/// <summary>
/// A file written under a temporary name beside its destination (<c>path + ".tmp-&lt;random&gt;"</c>) and renamed
/// over it only on <see cref="Commit"/>, so a crash or an abandoned writer never leaves a half-written file or
/// damages the file already there.
/// </summary>
internal sealed class StagedFile : IDisposable
{
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
        // The random suffix keeps two writers aimed at the same destination from sharing a temporary file.
        string temporary = full + ".tmp-" + Guid.NewGuid().ToString("N")[..12];
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        return new StagedFile(full, temporary, stream);
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

    public void Dispose() => Abandon();
}
