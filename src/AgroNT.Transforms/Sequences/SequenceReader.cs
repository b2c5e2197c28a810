using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Streams DNA records from FASTA, FASTQ and plain-text files (each optionally gzip-compressed), one record or one
/// chunk at a time, so that a genome never has to fit in memory.
/// </summary>
/// <remarks>
/// <para>Every method validates its arguments at once and reads lazily: the file is opened when enumeration starts,
/// closed when it ends, and each enumeration reads it afresh. Only the current record (or, for
/// <see cref="ReadChunks(string, int, int)"/>, about two chunks) is in memory.</para>
/// <para>Sequences are returned as written: case, IUPAC codes, U and any other characters are kept for the
/// tokenizer's policy to judge. Whitespace at the ends of FASTA and FASTQ lines is removed and whitespace inside
/// lines is kept; plain-text lines are verbatim. Malformed input throws <see cref="SequenceFormatException"/>
/// naming the source and line. The per-format rules are on <see cref="SequenceFileFormat"/>'s members and in the
/// README.</para>
/// </remarks>
public static class SequenceReader
{
    /// <summary>The name given to a <see cref="TextReader"/> in error messages when the caller gives none.</summary>
    public const string DefaultSourceName = "<input>";

    private const string AcceptedExtensions =
        ".fa, .fasta, .fna, .fas (FASTA), .fq, .fastq (FASTQ) and .txt (one sequence per line), each optionally followed by .gz or .bgz";

    /// <summary>Tells a file's format from its extension, ignoring case and a trailing <c>.gz</c> or <c>.bgz</c>.</summary>
    /// <param name="path">The file path; only its name is looked at.</param>
    /// <returns>
    /// <see cref="SequenceFileFormat.Fasta"/> for <c>.fa .fasta .fna .fas</c>, <see cref="SequenceFileFormat.Fastq"/>
    /// for <c>.fq .fastq</c>, <see cref="SequenceFileFormat.PlainText"/> for <c>.txt</c>.
    /// </returns>
    /// <exception cref="ArgumentException">The extension is none of those; the message names the file and lists them.</exception>
    public static SequenceFileFormat DetectFormat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        foreach (string compressed in (ReadOnlySpan<string>)[".gz", ".bgz"])
        {
            if (name.EndsWith(compressed, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^compressed.Length];
                break;
            }
        }
        string extension = Path.GetExtension(name);
        return extension.ToLowerInvariant() switch
        {
            ".fa" or ".fasta" or ".fna" or ".fas" => SequenceFileFormat.Fasta,
            ".fq" or ".fastq" => SequenceFileFormat.Fastq,
            ".txt" => SequenceFileFormat.PlainText,
            _ => throw new ArgumentException(
                $"Cannot tell the sequence format of '{path}' from its extension"
                + (extension.Length == 0 ? " (it has none)" : $" '{extension}'")
                + $". Accepted extensions: {AcceptedExtensions}. Rename the file or pass the format explicitly.",
                nameof(path)),
        };
    }

    /// <summary>Reads the records of a sequence file, lazily, one at a time.</summary>
    /// <param name="path">The file; gzip is recognised by its content (the 1F 8B magic bytes), whatever the name.</param>
    /// <param name="format">The format, or <see langword="null"/> to tell it from the extension (<see cref="DetectFormat"/>).</param>
    /// <returns>The records in file order; each enumeration reads the file again.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist; the message holds its full path.</exception>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see langword="null"/> and the extension is not recognised.</exception>
    /// <exception cref="SequenceFormatException">During enumeration: the content is malformed (or the gzip data is corrupt).</exception>
    public static IEnumerable<SequenceRecord> ReadFile(string path, SequenceFileFormat? format = null)
    {
        SequenceFileFormat resolved = ResolveFile(path, format);
        return ReadFileIterator(path, resolved);
    }

    /// <summary>
    /// Reads the records of a sequence file, lazily, one at a time, telling <paramref name="bytesRead"/> how far into
    /// the file reading has got: for a progress bar whose total is the file's length (<see cref="FileInfo.Length"/>).
    /// </summary>
    /// <param name="path">The file; gzip is recognised by its content (the 1F 8B magic bytes), whatever the name.</param>
    /// <param name="format">The format, or <see langword="null"/> to tell it from the extension (<see cref="DetectFormat"/>).</param>
    /// <param name="bytesRead">
    /// Told the bytes of the file read so far after every read from disk (about every 64 KiB, so several times inside a
    /// long record), on the enumerating thread. For gzip these are compressed bytes, so the last value is the file's
    /// length whatever the compression. A record is yielded after the bytes holding it are reported.
    /// </param>
    /// <returns>The records in file order; each enumeration reads the file again, counting from 0.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist; the message holds its full path.</exception>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <see langword="null"/> and the extension is not recognised.</exception>
    /// <exception cref="SequenceFormatException">During enumeration: the content is malformed (or the gzip data is corrupt).</exception>
    public static IEnumerable<SequenceRecord> ReadFile(string path, SequenceFileFormat? format, IProgress<long>? bytesRead)
    {
        SequenceFileFormat resolved = ResolveFile(path, format);
        return ReadFileIterator(path, resolved, bytesRead);
    }

    /// <summary>Reads records from text that is already open, lazily, one at a time.</summary>
    /// <param name="reader">The text; it is read once, from where it stands, and is not disposed.</param>
    /// <param name="format">The layout of the text.</param>
    /// <param name="sourceName">The name used in error messages, such as the file name the text came from.</param>
    /// <returns>The records in order. Enumerate once: the reader cannot be rewound.</returns>
    /// <exception cref="SequenceFormatException">During enumeration: the text is malformed.</exception>
    public static IEnumerable<SequenceRecord> Read(TextReader reader, SequenceFileFormat format, string sourceName = DefaultSourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ValidateFormat(format);
        return ReadRecords(SequenceScanner.Create(reader, format, sourceName));
    }

    /// <summary>
    /// Streams every record of a file in overlapping chunks without materialising any record, for sequences of any
    /// length (a whole chromosome, even one written on a single line).
    /// </summary>
    /// <remarks>
    /// Chunks start at 0, s, 2s, ... with stride s = <c>chunkLength - overlap</c>, and cover each record completely.
    /// <b>The last chunk ends exactly at the record's end</b>: when the stride does not land there it is shifted left,
    /// so it is still <paramref name="chunkLength"/> letters long and overlaps its predecessor by more than
    /// <paramref name="overlap"/>. A record no longer than <paramref name="chunkLength"/> gives one chunk holding the
    /// whole record, and an empty record one empty chunk, so every record appears. The chunks are exactly
    /// <see cref="Dna.Windows(int, int, int)"/> with that stride. FASTQ reads are short and are read whole first.
    /// </remarks>
    /// <param name="path">The file; its format is told from its extension (<see cref="DetectFormat"/>).</param>
    /// <param name="chunkLength">Letters per chunk, from 1 to 2^30.</param>
    /// <param name="overlap">Letters shared by consecutive chunks, from 0 to <c>chunkLength - 1</c>.</param>
    /// <returns>The chunks, record by record, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkLength"/> or <paramref name="overlap"/> is out of range.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist; the message holds its full path.</exception>
    /// <exception cref="ArgumentException">The extension is not recognised.</exception>
    /// <exception cref="SequenceFormatException">During enumeration: the content is malformed.</exception>
    public static IEnumerable<SequenceChunk> ReadChunks(string path, int chunkLength, int overlap)
    {
        SequenceChunker.ValidateArguments(chunkLength, overlap);
        SequenceFileFormat format = ResolveFile(path, format: null);
        return ReadChunksFromFile(path, format, chunkLength, overlap);
    }

    /// <summary>Streams every record of a file of the given format in overlapping chunks; see <see cref="ReadChunks(string, int, int)"/>.</summary>
    /// <param name="path">The file, of any name.</param>
    /// <param name="chunkLength">Letters per chunk, from 1 to 2^30.</param>
    /// <param name="overlap">Letters shared by consecutive chunks, from 0 to <c>chunkLength - 1</c>.</param>
    /// <param name="format">The layout of the file.</param>
    /// <returns>The chunks, record by record, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkLength"/> or <paramref name="overlap"/> is out of range.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist; the message holds its full path.</exception>
    /// <exception cref="SequenceFormatException">During enumeration: the content is malformed.</exception>
    public static IEnumerable<SequenceChunk> ReadChunks(string path, int chunkLength, int overlap, SequenceFileFormat format)
    {
        SequenceChunker.ValidateArguments(chunkLength, overlap);
        SequenceFileFormat resolved = ResolveFile(path, format);
        return ReadChunksFromFile(path, resolved, chunkLength, overlap);
    }

    /// <summary>Streams records from open text in overlapping chunks; see <see cref="ReadChunks(string, int, int)"/>.</summary>
    /// <param name="reader">The text; it is read once, from where it stands, and is not disposed.</param>
    /// <param name="format">The layout of the text.</param>
    /// <param name="chunkLength">Letters per chunk, from 1 to 2^30.</param>
    /// <param name="overlap">Letters shared by consecutive chunks, from 0 to <c>chunkLength - 1</c>.</param>
    /// <param name="sourceName">The name used in error messages.</param>
    /// <returns>The chunks, record by record, in order. Enumerate once: the reader cannot be rewound.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkLength"/> or <paramref name="overlap"/> is out of range.</exception>
    /// <exception cref="SequenceFormatException">During enumeration: the text is malformed.</exception>
    public static IEnumerable<SequenceChunk> ReadChunks(
        TextReader reader, SequenceFileFormat format, int chunkLength, int overlap, string sourceName = DefaultSourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        ValidateFormat(format);
        SequenceChunker.ValidateArguments(chunkLength, overlap);
        return ReadChunks(SequenceScanner.Create(reader, format, sourceName), chunkLength, overlap);
    }

    private static SequenceFileFormat ResolveFile(string path, SequenceFileFormat? format)
    {
        ArgumentNullException.ThrowIfNull(path);
        SequenceFileFormat resolved = format ?? DetectFormat(path);
        ValidateFormat(resolved);
        if (!File.Exists(path))
        {
            string fullPath = Path.GetFullPath(path);
            throw new FileNotFoundException($"The sequence file '{fullPath}' does not exist.", fullPath);
        }
        return resolved;
    }

    private static void ValidateFormat(SequenceFileFormat format)
    {
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sequence file format.");
        }
    }

    private static IEnumerable<SequenceRecord> ReadFileIterator(string path, SequenceFileFormat format, IProgress<long>? bytesRead = null)
    {
        using StreamReader reader = SequenceFile.OpenText(path, bytesRead);
        var scanner = SequenceScanner.Create(reader, format, path);
        foreach (SequenceRecord record in ReportCorruptCompression(ReadRecords(scanner), scanner))
        {
            yield return record;
        }
    }

    private static IEnumerable<SequenceChunk> ReadChunksFromFile(string path, SequenceFileFormat format, int chunkLength, int overlap)
    {
        using StreamReader reader = SequenceFile.OpenText(path);
        var scanner = SequenceScanner.Create(reader, format, path);
        foreach (SequenceChunk chunk in ReportCorruptCompression(ReadChunks(scanner, chunkLength, overlap), scanner))
        {
            yield return chunk;
        }
    }

    private static IEnumerable<SequenceRecord> ReadRecords(SequenceScanner scanner)
    {
        while (scanner.MoveToNextRecord())
        {
            var sequence = new StringBuilder();
            while (scanner.ReadSequenceSegment())
            {
                sequence.Append(scanner.Text);
            }
            yield return new SequenceRecord(scanner.Name, scanner.Description, sequence.ToString(), scanner.LineNumber, scanner.Quality);
        }
    }

    private static IEnumerable<SequenceChunk> ReadChunks(SequenceScanner scanner, int chunkLength, int overlap)
    {
        var chunker = new SequenceChunker(chunkLength, overlap);
        long recordIndex = 0;
        while (scanner.MoveToNextRecord())
        {
            chunker.BeginRecord(scanner.Name, recordIndex++);
            while (scanner.ReadSequenceSegment())
            {
                // The segment stays valid across the yields below: the scanner only moves when asked to.
                for (int consumed = 0; consumed < scanner.Text.Length;)
                {
                    consumed += chunker.Append(scanner.Text[consumed..]);
                    while (chunker.TryTakeChunk(out SequenceChunk? chunk))
                    {
                        yield return chunk;
                    }
                }
            }
            yield return chunker.CompleteRecord();
        }
    }

    /// <summary>Turns a gzip decoder's <see cref="InvalidDataException"/> into an error that names the file and line.</summary>
    private static IEnumerable<T> ReportCorruptCompression<T>(IEnumerable<T> items, SequenceScanner scanner)
    {
        using IEnumerator<T> enumerator = items.GetEnumerator();
        while (true)
        {
            try
            {
                if (!enumerator.MoveNext())
                {
                    yield break;
                }
            }
            catch (InvalidDataException exception)
            {
                throw new SequenceFormatException(scanner.SourceName, Math.Max(1, scanner.CurrentLineNumber),
                    $"the gzip data is unreadable at or after this line: {exception.Message}. "
                    + $"Check the file with 'gzip -t {scanner.SourceName}' and download it again.",
                    exception);
            }
            yield return enumerator.Current;
        }
    }
}
