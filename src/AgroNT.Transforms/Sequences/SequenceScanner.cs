namespace AgroNT.Transforms.Sequences;

/// <summary>
/// A pull parser over one sequence format: it moves from record to record and hands out each record's sequence in
/// segments, so that callers choose between building whole records and streaming chunks of them.
/// </summary>
internal abstract class SequenceScanner
{
    protected SequenceScanner(string sourceName)
    {
        SourceName = sourceName;
    }

    /// <summary>The name used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>The current record's name (see <see cref="SequenceRecord.Name"/>).</summary>
    public string Name { get; protected set; } = "";

    /// <summary>The current record's description (see <see cref="SequenceRecord.Description"/>).</summary>
    public string Description { get; protected set; } = "";

    /// <summary>The 1-based line of the current record's header.</summary>
    public long LineNumber { get; protected set; }

    /// <summary>The 1-based line the scanner has read up to.</summary>
    public abstract long CurrentLineNumber { get; }

    /// <summary>The current record's quality string, for FASTQ.</summary>
    public string? Quality { get; protected set; }

    /// <summary>The current sequence segment; valid until the scanner moves.</summary>
    public abstract ReadOnlySpan<char> Text { get; }

    /// <summary>Moves to the next record, skipping what is left of the current one; <see langword="false"/> at the end.</summary>
    public abstract bool MoveToNextRecord();

    /// <summary>Moves to the next piece of the current record's sequence; <see langword="false"/> at the record's end.</summary>
    public abstract bool ReadSequenceSegment();

    /// <summary>Creates the scanner for a format.</summary>
    public static SequenceScanner Create(TextReader reader, SequenceFileFormat format, string sourceName) => format switch
    {
        SequenceFileFormat.Fasta => new FastaScanner(reader, sourceName),
        SequenceFileFormat.Fastq => new FastqScanner(reader, sourceName),
        SequenceFileFormat.PlainText => new PlainTextScanner(reader, sourceName),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown sequence file format."),
    };

    /// <summary>
    /// Splits header text (after <c>&gt;</c> or <c>@</c>) into the name, up to the first whitespace once leading
    /// whitespace is skipped, and the trimmed rest.
    /// </summary>
    public static (string Name, string Description) SplitHeader(ReadOnlySpan<char> header)
    {
        header = header.Trim();
        int i = 0;
        while (i < header.Length && !char.IsWhiteSpace(header[i]))
        {
            i++;
        }
        return (new string(header[..i]), new string(header[i..].Trim()));
    }

    /// <summary>Quotes the start of a line for an error message, with control characters made visible.</summary>
    public static string Excerpt(ReadOnlySpan<char> line)
    {
        const int MaxLength = 40;
        var text = new System.Text.StringBuilder(MaxLength + 8);
        text.Append('\'');
        foreach (char c in line.Length > MaxLength ? line[..MaxLength] : line)
        {
            if (char.IsControl(c))
            {
                text.Append($"\\u{(int)c:X4}");
            }
            else
            {
                text.Append(c);
            }
        }
        text.Append(line.Length > MaxLength ? "...'" : "'");
        return text.ToString();
    }

    /// <summary>Creates the error for a problem at a line of this source.</summary>
    protected SequenceFormatException Error(long lineNumber, string problem) => new(SourceName, lineNumber, problem);
}
