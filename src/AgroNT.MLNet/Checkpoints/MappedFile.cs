using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// A read-only memory map of a weight file, read through short-lived windows. A window's pages count towards the
/// process's resident memory only while it is mapped, so copying a 4 GB checkpoint window by window keeps the extra
/// resident memory at one window, not the whole file (a single whole-file view would add the file's size to RSS).
/// </summary>
internal sealed unsafe partial class MappedFile : IDisposable
{
    /// <summary>Linux 5.14+: fault a range's pages in with one call (older kernels answer EINVAL, which is ignored).</summary>
    private const int MadvisePopulateRead = 22;

    private const long PageSize = 4096;

    private readonly MemoryMappedFile _map;
    private bool _disposed;
    private bool _populate = OperatingSystem.IsLinux();

    private MappedFile(string path, MemoryMappedFile map, long length)
    {
        Path = path;
        _map = map;
        Length = length;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/> read-only.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is empty.</exception>
    public static MappedFile Open(string path)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The weight file {fullPath} does not exist.", fullPath);
        }
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1);
        try
        {
            long length = stream.Length;
            if (length == 0)
            {
                throw new CheckpointFormatException(fullPath,
                    "the file is empty (0 bytes); the download or copy was probably interrupted. Download it again.");
            }
            var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            return new MappedFile(fullPath, map, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Maps the <paramref name="length"/> bytes at <paramref name="offset"/>; dispose the window to unmap them.</summary>
    public MappedWindow Map(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"Bytes [{offset}, {offset + length}) lie outside {Path} ({Length} bytes).");
        }
        if (length == 0)
        {
            return new MappedWindow(null, null, 0);
        }
        MemoryMappedViewAccessor view = _map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        byte* start = pointer + view.PointerOffset;
        if (_populate && length >= PageSize)
        {
            // A window is read once, front to back: map (and, when cold, read) all its pages in one call instead of
            // one fault-driven readahead at a time. Best effort: the copy works the same without it.
            long first = (long)start & ~(PageSize - 1);
            try
            {
                _ = Madvise((nint)first, (nuint)((long)start + length - first), MadvisePopulateRead);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _populate = false;
            }
        }
        return new MappedWindow(view, start, length);
    }

    /// <summary>Copies <paramref name="length"/> bytes at <paramref name="offset"/> into a new array (for headers and pickles).</summary>
    public byte[] ReadBytes(long offset, int length)
    {
        using MappedWindow window = Map(offset, length);
        return window.Span.ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _map.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}

/// <summary>A mapped range of a <see cref="MappedFile"/>; unmapped on dispose.</summary>
internal sealed unsafe class MappedWindow : IDisposable
{
    private MemoryMappedViewAccessor? _view;

    internal MappedWindow(MemoryMappedViewAccessor? view, byte* pointer, long length)
    {
        _view = view;
        Pointer = pointer;
        Length = length;
    }

    /// <summary>The first mapped byte (null for an empty window).</summary>
    public byte* Pointer { get; }

    /// <summary>The number of mapped bytes.</summary>
    public long Length { get; }

    /// <summary>The mapped bytes; windows over 2 GiB must be read through <see cref="Pointer"/>.</summary>
    public ReadOnlySpan<byte> Span => new(Pointer, checked((int)Length));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_view is { } view)
        {
            _view = null;
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
        }
    }
}
