using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace AgroNT.MLNet.Analysis.Variants;

/// <summary>One line of a samtools <c>.fai</c> index.</summary>
/// <param name="Name">The contig name (the header's first word).</param>
/// <param name="Length">Bases in the contig.</param>
/// <param name="Offset">Byte offset of the contig's first base.</param>
/// <param name="LineBases">Bases per full line.</param>
/// <param name="LineWidth">Bytes per full line, line terminator included.</param>
public sealed record FastaIndexEntry(string Name, long Length, long Offset, int LineBases, int LineWidth);

/// <summary>Where a <see cref="FastaReference"/>'s contig table came from.</summary>
public enum FastaIndexSource
{
    /// <summary>An existing <c>.fai</c> beside the FASTA was read.</summary>
    Loaded,

    /// <summary>The index was built by scanning the FASTA and written beside it for next time.</summary>
    BuiltAndWritten,

    /// <summary>The index was built by scanning the FASTA and kept in memory (the folder is not writable).</summary>
    BuiltInMemory,

    /// <summary>A gzip FASTA: contig lengths from one streaming scan; sequences are fetched by streaming scans (no random access).</summary>
    GzipScan,
}

/// <summary>
/// Random access to a reference genome without loading it: plain FASTA is read through a samtools-compatible
/// <c>.fai</c> index (used when present, built and written beside the FASTA when not, or kept in memory when the folder
/// is read-only). A <c>.gz</c> FASTA has no random access without a bgzip index, so it falls back to a streaming scan
/// per contig, keeping only the last contig fetched in memory.
/// </summary>
public sealed class FastaReference : IDisposable
{
    private readonly Dictionary<string, FastaIndexEntry> _entries;
    private readonly FileStream? _stream;
    private string? _cachedName;
    private string? _cachedSequence;

    private FastaReference(string path, IReadOnlyList<FastaIndexEntry> entries, FastaIndexSource source)
    {
        Path = path;
        Contigs = entries;
        IndexSource = source;
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        if (source != FastaIndexSource.GzipScan)
        {
            _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        }
    }

    /// <summary>The FASTA file.</summary>
    public string Path { get; }

    /// <summary>The contigs in file order.</summary>
    public IReadOnlyList<FastaIndexEntry> Contigs { get; }

    /// <summary>Whether the index was loaded, built, or replaced by streaming scans.</summary>
    public FastaIndexSource IndexSource { get; }

    /// <summary>Opens a FASTA (plain or <c>.gz</c>), using, building or skipping its <c>.fai</c> index as described on the class.</summary>
    /// <exception cref="FileNotFoundException">The FASTA does not exist.</exception>
    /// <param name="path">The FASTA file.</param>
    /// <param name="writeIndex">Whether a built index may be written beside the FASTA; false keeps it in memory.</param>
    /// <exception cref="FormatException">The FASTA has lines of uneven length inside a record, or the <c>.fai</c> is malformed.</exception>
    public static FastaReference Open(string path, bool writeIndex = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Reference FASTA {path} does not exist.", path);
        }
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return new FastaReference(path, ScanGzipLengths(path), FastaIndexSource.GzipScan);
        }
        string faiPath = path + ".fai";
        if (File.Exists(faiPath) && File.GetLastWriteTimeUtc(faiPath) >= File.GetLastWriteTimeUtc(path))
        {
            return new FastaReference(path, ReadIndex(faiPath), FastaIndexSource.Loaded);
        }
        var entries = BuildIndex(path);
        if (!writeIndex)
        {
            return new FastaReference(path, entries, FastaIndexSource.BuiltInMemory);
        }
        try
        {
            File.WriteAllLines(faiPath, entries.Select(e => string.Join('\t', e.Name, e.Length.ToString(CultureInfo.InvariantCulture),
                e.Offset.ToString(CultureInfo.InvariantCulture), e.LineBases.ToString(CultureInfo.InvariantCulture), e.LineWidth.ToString(CultureInfo.InvariantCulture))));
            return new FastaReference(path, entries, FastaIndexSource.BuiltAndWritten);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return new FastaReference(path, entries, FastaIndexSource.BuiltInMemory);
        }
    }

    /// <summary>The length of <paramref name="contig"/>, or null when the reference has no such contig.</summary>
    public long? GetLength(string contig) => _entries.TryGetValue(contig, out var entry) ? entry.Length : null;

    /// <summary>The bases of <paramref name="contig"/> in the 0-based half-open range [start, end), upper-cased.</summary>
    /// <exception cref="KeyNotFoundException">No such contig.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the contig.</exception>
    public string Fetch(string contig, long start, long end)
    {
        if (!_entries.TryGetValue(contig, out var entry))
        {
            throw new KeyNotFoundException($"{Path} has no contig '{contig}'.");
        }
        if (start < 0 || end > entry.Length || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"{contig}:{start}-{end} is outside the contig's {entry.Length} bases.");
        }
        if (_stream is null)
        {
            return FetchFromGzip(contig).Substring((int)start, (int)(end - start));
        }
        long firstByte = ByteOffset(entry, start);
        long lastByte = end == start ? firstByte : ByteOffset(entry, end - 1) + 1;
        var bytes = new byte[lastByte - firstByte];
        _stream.Position = firstByte;
        _stream.ReadExactly(bytes);
        var builder = new StringBuilder((int)(end - start));
        foreach (byte b in bytes)
        {
            if (b is not (byte)'\n' and not (byte)'\r')
            {
                builder.Append(char.ToUpperInvariant((char)b));
            }
        }
        return builder.ToString();
    }

    /// <inheritdoc/>
    public void Dispose() => _stream?.Dispose();

    private static long ByteOffset(FastaIndexEntry entry, long position) =>
        entry.Offset + position / entry.LineBases * entry.LineWidth + position % entry.LineBases;

    private static List<FastaIndexEntry> ReadIndex(string faiPath)
    {
        var entries = new List<FastaIndexEntry>();
        foreach (string line in File.ReadLines(faiPath).Where(l => l.Length > 0))
        {
            string[] f = line.Split('\t');
            if (f.Length < 5)
            {
                throw new FormatException($"{faiPath}: expected 5 tab-separated fields per line, got '{line}'.");
            }
            entries.Add(new FastaIndexEntry(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
                int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture)));
        }
        return entries;
    }

    private static List<FastaIndexEntry> BuildIndex(string path)
    {
        var entries = new List<FastaIndexEntry>();
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 16);
        var line = new List<byte>(256);
        long position = 0;
        string? name = null;
        long length = 0, offset = 0;
        int lineBases = 0, lineWidth = 0;
        bool shortLineSeen = false;
        void Finish()
        {
            if (name is not null)
            {
                entries.Add(new FastaIndexEntry(name, length, offset, Math.Max(lineBases, 1), Math.Max(lineWidth, 1)));
            }
        }
        while (true)
        {
            long lineStart = position;
            line.Clear();
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                position++;
                line.Add((byte)b);
                if (b == '\n')
                {
                    break;
                }
            }
            if (line.Count == 0)
            {
                break;
            }
            int width = line.Count;
            int bases = width;
            while (bases > 0 && line[bases - 1] is (byte)'\n' or (byte)'\r')
            {
                bases--;
            }
            if (bases > 0 && line[0] == '>')
            {
                Finish();
                string header = Encoding.ASCII.GetString(line.GetRange(1, bases - 1).ToArray());
                name = header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
                length = 0;
                offset = position;
                lineBases = lineWidth = 0;
                shortLineSeen = false;
                continue;
            }
            if (name is null || bases == 0)
            {
                continue;
            }
            if (shortLineSeen || (lineBases > 0 && (bases > lineBases || (bases == lineBases && width != lineWidth))))
            {
                throw new FormatException($"{path}: contig '{name}' has lines of uneven length (byte {lineStart}); random access needs equal line lengths (samtools faidx has the same rule).");
            }
            if (lineBases == 0)
            {
                lineBases = bases;
                lineWidth = width;
            }
            else if (bases < lineBases)
            {
                shortLineSeen = true;
            }
            length += bases;
        }
        Finish();
        return entries;
    }

    private static IEnumerable<string> GzipLines(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static string? HeaderName(string line) =>
        line.StartsWith('>') ? line[1..].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "" : null;

    private static List<FastaIndexEntry> ScanGzipLengths(string path)
    {
        var entries = new List<FastaIndexEntry>();
        string? name = null;
        long length = 0;
        foreach (string line in GzipLines(path))
        {
            if (HeaderName(line) is { } header)
            {
                if (name is not null)
                {
                    entries.Add(new FastaIndexEntry(name, length, -1, 0, 0));
                }
                name = header;
                length = 0;
            }
            else if (name is not null)
            {
                length += line.AsSpan().Trim().Length;
            }
        }
        if (name is not null)
        {
            entries.Add(new FastaIndexEntry(name, length, -1, 0, 0));
        }
        return entries;
    }

    private string FetchFromGzip(string contig)
    {
        if (_cachedName == contig && _cachedSequence is not null)
        {
            return _cachedSequence;
        }
        var builder = new StringBuilder();
        bool inside = false;
        foreach (string line in GzipLines(Path))
        {
            if (HeaderName(line) is { } header)
            {
                if (inside)
                {
                    break;
                }
                inside = header == contig;
            }
            else if (inside)
            {
                builder.Append(line.AsSpan().Trim());
            }
        }
        _cachedName = contig;
        _cachedSequence = builder.ToString().ToUpperInvariant();
        return _cachedSequence;
    }
}
