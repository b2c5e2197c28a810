using System.Globalization;
using System.Text;
using AgroNT.Transforms.IO;
using AgroNT.Transforms.Sequences;

namespace AgroNT.MLNet.Variants;

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

    /// <summary>A gzip or BGZF FASTA: contig lengths from one streaming scan; sequences are fetched by streaming scans (no random access).</summary>
    GzipScan,
}

/// <summary>
/// Random access to a reference genome without loading it: plain FASTA is read through a samtools-compatible
/// <c>.fai</c> index (used when present and consistent with the FASTA, built and written beside the FASTA when not, or
/// kept in memory when the folder is read-only). A compressed FASTA (gzip or BGZF, told by its content, checked to its
/// end) has no random access here, so it falls back to a streaming scan per contig, keeping only the last contig
/// fetched in memory.
/// </summary>
/// <remarks>
/// An existing <c>.fai</c> is checked against the FASTA before it is trusted (a 0-byte or cut index left by a full
/// disk, or the index of another FASTA, would otherwise make every contig look missing): it must list at least one
/// contig, each line must hold the five samtools fields with plausible values, and in the FASTA each contig's header
/// line must name it right before its offset, its first line must end where the line length says, its last base must
/// fall inside the file, and nothing but whitespace may lie between one contig's end and the next header or after the
/// last contig. An index that fails is rebuilt and written over (or, with <c>writeIndex: false</c>, refused), and
/// <see cref="RejectedIndexReason"/> says why. Indexes are written under a temporary name and renamed into place, so a
/// crash or a full disk never leaves a partial <c>.fai</c>.
/// </remarks>
public sealed class FastaReference : IDisposable
{
    private readonly Dictionary<string, FastaIndexEntry> _entries;
    private readonly FileStream? _stream;
    private string? _cachedName;
    private string? _cachedSequence;

    /// <summary>How far before a contig's first base its header may start, and how much may follow the last contig.</summary>
    private const int MaxGapBytes = 1 << 20;

    private FastaReference(string path, IReadOnlyList<FastaIndexEntry> entries, FastaIndexSource source, string? rejectedIndexReason = null)
    {
        Path = path;
        Contigs = entries;
        IndexSource = source;
        RejectedIndexReason = rejectedIndexReason;
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

    /// <summary>
    /// Why the <c>.fai</c> found beside the FASTA was not used (it did not match the FASTA, so the index was rebuilt),
    /// or <see langword="null"/> when there was none or it was used.
    /// </summary>
    public string? RejectedIndexReason { get; }

    /// <summary>Opens a FASTA (plain, gzip or BGZF), using, building or skipping its <c>.fai</c> index as described on the class.</summary>
    /// <param name="path">The FASTA file.</param>
    /// <param name="writeIndex">
    /// Whether a built index may be written beside the FASTA (and a <c>.fai</c> that does not match the FASTA replaced);
    /// false keeps a built index in memory and refuses a mismatched one.
    /// </param>
    /// <exception cref="FileNotFoundException">The FASTA does not exist.</exception>
    /// <exception cref="FormatException">
    /// The file is not FASTA (empty, or its first line does not start with <c>&gt;</c>), has two contigs of one name, or
    /// has lines of uneven length inside a record.
    /// </exception>
    /// <exception cref="InvalidDataException">
    /// The compressed FASTA is truncated or damaged, or (with <paramref name="writeIndex"/> false) the <c>.fai</c> beside it
    /// does not match it.
    /// </exception>
    public static FastaReference Open(string path, bool writeIndex = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Reference FASTA {path} does not exist.", path);
        }
        bool compressed;
        using (var probe = File.OpenRead(path))
        {
            compressed = CompressedInput.IsGzip(probe, out _);
        }
        if (compressed)
        {
            return new FastaReference(path, ScanCompressedLengths(path), FastaIndexSource.GzipScan);
        }
        string faiPath = path + ".fai";
        string? rejected = null;
        if (File.Exists(faiPath) && File.GetLastWriteTimeUtc(faiPath) >= File.GetLastWriteTimeUtc(path))
        {
            rejected = CheckIndex(path, faiPath, out var loaded);
            if (rejected is null)
            {
                return new FastaReference(path, loaded, FastaIndexSource.Loaded);
            }
            if (!writeIndex)
            {
                throw new InvalidDataException(
                    $"The index {faiPath} does not match the FASTA {path}: {rejected}. Delete it (or rebuild it with 'samtools faidx'), "
                    + "or open the reference with writeIndex: true so that it is rebuilt.");
            }
        }
        var entries = BuildIndex(path);
        if (!writeIndex)
        {
            return new FastaReference(path, entries, FastaIndexSource.BuiltInMemory, rejected);
        }
        try
        {
            using var staged = StagedFile.Create(faiPath);
            using (var writer = new StreamWriter(staged.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
            {
                foreach (var e in entries)
                {
                    writer.WriteLine(string.Join('\t', e.Name, e.Length.ToString(CultureInfo.InvariantCulture), e.Offset.ToString(CultureInfo.InvariantCulture),
                        e.LineBases.ToString(CultureInfo.InvariantCulture), e.LineWidth.ToString(CultureInfo.InvariantCulture)));
                }
            }
            staged.Commit();
            return new FastaReference(path, entries, FastaIndexSource.BuiltAndWritten, rejected);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return new FastaReference(path, entries, FastaIndexSource.BuiltInMemory, rejected);
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
            return FetchFromCompressed(contig).Substring((int)start, (int)(end - start));
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

    /// <summary>Reads a <c>.fai</c> and checks it against the FASTA (see the class remarks).</summary>
    /// <returns>Null when the index describes the FASTA; otherwise what is wrong with it.</returns>
    private static string? CheckIndex(string fastaPath, string faiPath, out List<FastaIndexEntry> entries)
    {
        entries = [];
        long number = 0;
        foreach (string line in File.ReadLines(faiPath))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            string[] f = line.Split('\t');
            if (f.Length < 5 || f[0].Length == 0
                || !long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long length)
                || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
                || !int.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out int lineBases)
                || !int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int lineWidth)
                || (length > 0 && (lineBases == 0 || lineWidth <= lineBases || lineWidth > lineBases + 2)))
            {
                return $"line {number} is not a contig's name, length, offset, line bases and line width (samtools faidx format): '{line}'";
            }
            entries.Add(new FastaIndexEntry(f[0], length, offset, lineBases, lineWidth));
        }
        if (entries.Count == 0)
        {
            return "it lists no contigs (it is empty)";
        }
        if (entries.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            return $"it lists contig '{duplicate.Key}' twice";
        }
        using var fasta = new FileStream(fastaPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        long size = fasta.Length;
        long previousEnd = 0;
        foreach (var e in entries)
        {
            long end = e.Length == 0 ? e.Offset : ByteOffset(e, e.Length - 1) + 1;
            if (end > size)
            {
                return $"contig '{e.Name}' would end at byte {end}, past the end of the {size}-byte FASTA";
            }
            if (e.Offset <= previousEnd)
            {
                return $"contig '{e.Name}' would start at byte {e.Offset}, before its header line (at or before byte {previousEnd})";
            }
            if (e.Offset - previousEnd > MaxGapBytes || !IsHeaderGap(ReadBytes(fasta, previousEnd, e.Offset), e.Name))
            {
                return $"the bytes before contig '{e.Name}''s offset {e.Offset} are not its header line '>{e.Name}' (preceded only by the end of the contig before)";
            }
            if (e.Length > e.LineBases && !IsLineEnd(ReadBytes(fasta, e.Offset + e.LineBases, e.Offset + e.LineWidth)))
            {
                return $"the first line of contig '{e.Name}' does not end after {e.LineBases} bases";
            }
            if (e.Length > 0 && ReadBytes(fasta, end - 1, end)[0] is (byte)'\n' or (byte)'\r' or (byte)'>')
            {
                return $"contig '{e.Name}''s last base would be at byte {end - 1}, which is not a base";
            }
            previousEnd = end;
        }
        if (size - previousEnd > MaxGapBytes || !ReadBytes(fasta, previousEnd, size).All(IsWhitespace))
        {
            return $"the FASTA goes on after the last indexed contig '{entries[^1].Name}' (contigs or bases are missing from the index)";
        }
        return null;
    }

    private static byte[] ReadBytes(FileStream stream, long start, long end)
    {
        var bytes = new byte[end - start];
        stream.Position = start;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static bool IsWhitespace(byte b) => b is (byte)'\n' or (byte)'\r' or (byte)' ' or (byte)'\t';

    private static bool IsLineEnd(ReadOnlySpan<byte> bytes) => bytes.Length > 0 && bytes[^1] == '\n' && (bytes.Length == 1 || bytes[0] == '\r');

    /// <summary>Whether the bytes between two contigs are whitespace, then the header line of <paramref name="name"/>.</summary>
    private static bool IsHeaderGap(ReadOnlySpan<byte> gap, string name)
    {
        if (gap.Length == 0 || gap[^1] != '\n')
        {
            return false;
        }
        int lineStart = gap[..^1].LastIndexOf((byte)'\n') + 1;
        ReadOnlySpan<byte> header = gap[lineStart..^1].TrimEnd((byte)'\r');
        byte[] expected = Encoding.UTF8.GetBytes(">" + name);
        foreach (byte b in gap[..lineStart])
        {
            if (!IsWhitespace(b))
            {
                return false;
            }
        }
        return header.StartsWith(expected) && (header.Length == expected.Length || IsWhitespace(header[expected.Length]));
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
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Finish()
        {
            if (name is not null)
            {
                if (!names.Add(name))
                {
                    throw new FormatException($"{path}: contig '{name}' appears twice; contig names must be unique for random access.");
                }
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
                string header = Encoding.UTF8.GetString(line.GetRange(1, bases - 1).ToArray());
                name = header.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
                length = 0;
                offset = position;
                lineBases = lineWidth = 0;
                shortLineSeen = false;
                continue;
            }
            if (name is null && bases > 0 && !line.Take(bases).All(b => IsWhitespace(b)))
            {
                throw NotFasta(path);
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
        return entries.Count > 0 ? entries : throw NotFasta(path);
    }

    private static FormatException NotFasta(string path) =>
        new($"{path} is not a FASTA file: " + (new FileInfo(path).Length == 0 ? "it is empty" : "it does not start with a '>' header line")
            + ". Give a reference genome in FASTA format (plain, gzip or BGZF).");

    private static IEnumerable<string> CompressedLines(string path)
    {
        using var reader = new StreamReader(CompressedInput.OpenRead(path));
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static string? HeaderName(string line) =>
        line.StartsWith('>') ? line[1..].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "" : null;

    private static List<FastaIndexEntry> ScanCompressedLengths(string path)
    {
        var entries = new List<FastaIndexEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? name = null;
        long length = 0;
        void Finish()
        {
            if (name is not null)
            {
                entries.Add(names.Add(name) ? new FastaIndexEntry(name, length, -1, 0, 0)
                    : throw new FormatException($"{path}: contig '{name}' appears twice; contig names must be unique."));
            }
        }
        foreach (string line in CompressedLines(path))
        {
            if (HeaderName(line) is { } header)
            {
                Finish();
                name = header;
                length = 0;
            }
            else if (name is not null)
            {
                length += line.AsSpan().Trim().Length;
            }
            else if (!line.AsSpan().IsWhiteSpace())
            {
                throw NotFasta(path);
            }
        }
        Finish();
        return entries.Count > 0 ? entries : throw NotFasta(path);
    }

    private string FetchFromCompressed(string contig)
    {
        if (_cachedName == contig && _cachedSequence is not null)
        {
            return _cachedSequence;
        }
        var builder = new StringBuilder();
        bool inside = false;
        foreach (string line in CompressedLines(Path))
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
