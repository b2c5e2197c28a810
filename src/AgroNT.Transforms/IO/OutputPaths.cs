using System.Runtime.InteropServices;

namespace AgroNT.Transforms.IO;

/// <summary>A path an operation reads or writes, with the name the user gave it by (a command-line flag such as
/// <c>--reference</c>, or an options property), so that a refusal can say which argument to change.</summary>
/// <param name="Name">The flag or property name, as the user knows it.</param>
/// <param name="Path">The path as given.</param>
public readonly record struct NamedPath(string Name, string Path);

/// <summary>
/// The one check every writer runs before it starts: an output must not be one of its inputs (the same file also through
/// symbolic or hard links), two outputs must not be the same file, and an output's extension must be one the writer
/// writes. Refusing up front keeps a typo from turning a reference genome or a VCF into a results table.
/// </summary>
/// <remarks>
/// On Linux two existing paths are the same file when their device and inode numbers agree (<c>statx</c>), which sees
/// through symbolic links, hard links and bind mounts; elsewhere, and for paths that do not exist yet, the full paths
/// with symbolic links resolved are compared (case-insensitively on Windows and macOS).
/// </remarks>
public static partial class OutputPaths
{
    private const int AtCurrentFolder = -100;
    private const uint StatxInode = 0x100;

    private static readonly StringComparison s_pathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Refuses outputs that are inputs or each other.</summary>
    /// <param name="inputs">What the operation reads (files or folders); ones that are <see langword="null"/> or empty are skipped.</param>
    /// <param name="outputs">What it writes (files or folders); ones that are <see langword="null"/> or empty are skipped.</param>
    /// <exception cref="ArgumentException">An output is the same file or folder as an input, or as another output; the
    /// message names both arguments.</exception>
    public static void Check(IEnumerable<NamedPath> inputs, IEnumerable<NamedPath> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var inputList = inputs.Where(p => !string.IsNullOrEmpty(p.Path)).ToList();
        var outputList = outputs.Where(p => !string.IsNullOrEmpty(p.Path)).ToList();
        for (int o = 0; o < outputList.Count; o++)
        {
            NamedPath output = outputList[o];
            foreach (NamedPath input in inputList)
            {
                if (AreSameFile(output.Path, input.Path))
                {
                    throw new ArgumentException(
                        $"{output.Name} '{output.Path}' is the same file as {input.Name} '{input.Path}': writing it would destroy the input. Name a different {output.Name}.");
                }
            }

            for (int other = 0; other < o; other++)
            {
                if (AreSameFile(output.Path, outputList[other].Path))
                {
                    throw new ArgumentException(
                        $"{output.Name} '{output.Path}' and {outputList[other].Name} '{outputList[other].Path}' are the same file: one would overwrite the other. Give them different names.");
                }
            }
        }
    }

    /// <summary>Refuses an output whose name does not end in one of <paramref name="extensions"/> (compared without case).</summary>
    /// <param name="output">The output.</param>
    /// <param name="extensions">The endings the writer understands, with their dots (<c>.tsv</c>, <c>.parquet</c>).</param>
    /// <exception cref="ArgumentException">The output has another extension; the message lists the accepted ones.</exception>
    public static void CheckExtension(NamedPath output, params string[] extensions)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        if (extensions.Any(e => output.Path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        string given = Path.GetExtension(output.Path);
        throw new ArgumentException(
            $"{output.Name} '{output.Path}' {(given.Length == 0 ? "has no extension" : $"ends in '{given}'")}, which this writes no format for; use {string.Join(" or ", extensions)}.");
    }

    /// <summary>Whether two paths name the same file or folder (see the remarks of <see cref="OutputPaths"/>).</summary>
    /// <param name="first">A path, existing or not.</param>
    /// <param name="second">Another path, existing or not.</param>
    /// <returns><see langword="true"/> when writing one would change the other.</returns>
    public static bool AreSameFile(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (FileId(first) is { } firstId && FileId(second) is { } secondId)
        {
            return firstId == secondId;
        }

        return string.Equals(RealPath(first), RealPath(second), s_pathComparison);
    }

    /// <summary>The full path with symbolic links resolved where the path (or its folder) exists.</summary>
    private static string RealPath(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        try
        {
            FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
            if (info.Exists)
            {
                if (info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    full = Path.GetFullPath(target.FullName);
                }

                return full;
            }

            // Not there yet: the folder it would be written in may itself be reached through a link.
            string? folder = Path.GetDirectoryName(full);
            return folder is null || !Directory.Exists(folder) ? full : Path.Combine(RealPath(folder), Path.GetFileName(full));
        }
        catch (IOException)
        {
            return full;
        }
        catch (UnauthorizedAccessException)
        {
            return full;
        }
    }

    /// <summary>(device, inode) of an existing path on Linux, following symbolic links; else <see langword="null"/>.</summary>
    private static (ulong Device, ulong Inode)? FileId(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct statx has one layout on every Linux architecture: stx_ino at byte 32, stx_dev_major/minor at 136/140.
        Span<byte> buffer = stackalloc byte[256];
        try
        {
            if (Statx(AtCurrentFolder, path, 0, StatxInode, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a C library older than glibc 2.28
        }
        catch (DllNotFoundException)
        {
            return null;
        }

        ulong inode = BitConverter.ToUInt64(buffer[32..]);
        ulong device = ((ulong)BitConverter.ToUInt32(buffer[136..]) << 32) | BitConverter.ToUInt32(buffer[140..]);
        return (device, inode);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folderDescriptor, string path, int flags, uint mask, ref byte buffer);
}
