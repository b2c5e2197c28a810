namespace AgroNT.Transforms.Sequences;

/// <summary>
/// FASTQ: records of exactly four lines, <c>@name description</c>, the sequence, <c>+</c> (optionally followed by
/// the header again) and the quality string.
/// </summary>
/// <remarks>
/// Policies: LF or CRLF line ends; blank lines between records are skipped; whitespace at the start and end of the
/// sequence and quality lines is removed (inside the sequence it is kept, as for FASTA); the quality must have one
/// character per base, each in the Phred+33 range <c>!</c> to <c>~</c>; text after <c>+</c>, when present, must
/// repeat the header or its name. Wrapped (multi-line) sequence or quality is not supported and is reported as a
/// missing <c>+</c> line or a length mismatch. Each read is held in memory whole, as reads are short.
/// </remarks>
internal sealed class FastqScanner : SequenceScanner
{
    private const string FourLineHint = "each FASTQ record is exactly four lines: '@name', the sequence, '+', the quality";

    private readonly LineSegmentReader _lines;
    private string _sequence = "";
    private bool _sequencePending;

    public FastqScanner(TextReader reader, string sourceName)
        : base(sourceName)
    {
        _lines = new LineSegmentReader(reader);
    }

    /// <inheritdoc/>
    public override long CurrentLineNumber => _lines.LineNumber;

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Text => _sequence;

    /// <inheritdoc/>
    public override bool MoveToNextRecord()
    {
        _sequencePending = false;
        string? header;
        do
        {
            header = _lines.ReadLine();
            if (header is null)
            {
                return false;
            }
        }
        while (string.IsNullOrWhiteSpace(header));

        long headerLine = _lines.LineNumber;
        if (header[0] != '@')
        {
            string hint = header.StartsWith('>')
                ? "this looks like FASTA: give the file a .fa or .fasta extension, or pass SequenceFileFormat.Fasta."
                : FourLineHint + "; the file may be truncated or have wrapped lines.";
            throw Error(headerLine, $"expected a FASTQ header line starting with '@' but found {Excerpt(header)}; {hint}");
        }
        (string name, string description) = SplitHeader(header.AsSpan(1));

        string sequence = ReadRecordLine(name, "sequence").Trim();
        string separator = ReadRecordLine(name, "'+' separator");
        if (!separator.StartsWith('+'))
        {
            throw Error(_lines.LineNumber,
                $"expected the '+' separator line of FASTQ record '{name}' but found {Excerpt(separator)}; {FourLineHint} "
                + "(wrapped sequence lines are not supported).");
        }
        ReadOnlySpan<char> repeated = separator.AsSpan(1).Trim();
        if (!repeated.IsEmpty && !repeated.SequenceEqual(name) && !repeated.SequenceEqual(header.AsSpan(1).Trim()))
        {
            throw Error(_lines.LineNumber,
                $"the '+' line names {Excerpt(repeated)} but the record is '{name}' (FASTQ record '{name}'); "
                + "leave the '+' line bare or repeat the header.");
        }

        string quality = ReadRecordLine(name, "quality").Trim();
        if (quality.Length != sequence.Length)
        {
            throw Error(_lines.LineNumber,
                $"quality has {quality.Length} characters but the sequence has {sequence.Length} (FASTQ record '{name}'); "
                + "each base needs exactly one quality character: the file may be truncated, or have wrapped lines.");
        }
        int bad = quality.AsSpan().IndexOfAnyExceptInRange('!', '~');
        if (bad >= 0)
        {
            throw Error(_lines.LineNumber,
                $"quality character {Excerpt(quality.AsSpan(bad, 1))} (U+{(int)quality[bad]:X4}) at position {bad + 1} (from 1) is "
                + $"outside the Phred+33 range '!' to '~' (FASTQ record '{name}').");
        }

        Name = name;
        Description = description;
        LineNumber = headerLine;
        Quality = quality;
        _sequence = sequence;
        _sequencePending = true;
        return true;
    }

    /// <inheritdoc/>
    public override bool ReadSequenceSegment()
    {
        bool pending = _sequencePending;
        _sequencePending = false;
        return pending;
    }

    private string ReadRecordLine(string name, string what) =>
        _lines.ReadLine() ?? throw Error(_lines.LineNumber + 1,
            $"the input ends where the {what} line of FASTQ record '{name}' should be; {FourLineHint}. "
            + "The file is probably truncated.");
}
