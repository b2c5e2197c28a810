namespace AgroNT.Fuzz;

/// <summary>A private temporary folder for the files the file targets write; deleted at the end.</summary>
internal sealed class Workspace : IDisposable
{
    public Workspace()
    {
        // Memory-backed where there is one: the checkpoint target writes a 2.6 MB file per input.
        string root = OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Folder = Path.Combine(root, "agront-fuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>A path in the workspace; a file of the same name is overwritten by the next input.</summary>
    public string PathFor(string fileName) => Path.Combine(Folder, fileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A memory map not yet released; the folder is in the temp directory and small.
        }
    }
}
