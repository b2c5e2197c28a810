namespace AgroNT.Cli;

/// <summary>A file written under a temporary name and renamed over the target on <see cref="Commit"/>.</summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly string _temp;
    private bool _committed;

    public AtomicFile(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        string? directory = System.IO.Path.GetDirectoryName(Path);
        if (directory != null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Output folder does not exist: {directory}. Create it first.");
        }
        _temp = $"{Path}.tmp-{Guid.NewGuid():N}";
        Stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public string Path { get; }

    public FileStream Stream { get; }

    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(_temp, Path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        Stream.Dispose();
        if (!_committed && File.Exists(_temp))
        {
            File.Delete(_temp);
        }
    }
}
