using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// FASTA: a <c>&gt;</c> header line, then any number of sequence lines, which are joined.
/// </summary>
/// <remarks>
/// Policies: LF or CRLF line ends; blank (whitespace-only) lines are ignored anywhere; whitespace at the start and
/// end of each sequence line is removed, whitespace inside a line is kept verbatim (the tokenizer's policy decides
/// about it); letters are not changed (soft-masked lowercase stays lowercase); a header followed at once by another
/// header or the end gives an empty sequence; a header line is one whose first character is <c>&gt;</c>; any
/// non-blank text before the first header is an error.
/// </remarks>
internal sealed class FastaScanner : SequenceScanner
{
    private readonly LineSegmentReader _lines;
    private bool _inRecord;
    private bool _headerPending;
    private bool _endOfInput;
    private string _pendingName = "";
    private string _pendingDescription = "";
    private long _pendingLineNumber;
    private int _textStart;
    private int _textLength;

    public FastaScanner(TextReader reader, string sourceName)
        : base(sourceName)
    {
        _lines = new LineSegmentReader(reader);
    }

    /// <inheritdoc/>
    public override long CurrentLineNumber => _lines.LineNumber;

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Text => _lines.Segment.Slice(_textStart, _textLength);

    /// <inheritdoc/>
    public override bool MoveToNextRecord()
    {
        while (!_headerPending)
        {
            if (_endOfInput || !_lines.MoveNext())
            {
                _endOfInput = true;
                return false;
            }
            ReadOnlySpan<char> segment = _lines.Segment;
            if (_lines.IsLineStart && segment.StartsWith('>'))
            {
                ReadHeader();
            }
            else if (!_inRecord && !segment.IsWhiteSpace())
            {
                throw TextBeforeFirstHeader(segment);
            }
        }

        _headerPending = false;
        _inRecord = true;
        Name = _pendingName;
        Description = _pendingDescription;
        LineNumber = _pendingLineNumber;
        return true;
    }

    /// <inheritdoc/>
    public override bool ReadSequenceSegment()
    {
        if (!_inRecord || _headerPending || _endOfInput)
        {
            return false;
        }
        while (_lines.MoveNext())
        {
            ReadOnlySpan<char> segment = _lines.Segment;
            int start = 0;
            int end = segment.Length;
            if (_lines.IsLineStart)
            {
                if (segment.StartsWith('>'))
                {
                    ReadHeader();
                    return false;
                }
                while (start < end && char.IsWhiteSpace(segment[start]))
                {
                    start++;
                }
            }
            if (_lines.IsLineEnd)
            {
                while (end > start && char.IsWhiteSpace(segment[end - 1]))
                {
                    end--;
                }
            }
            if (end > start)
            {
                _textStart = start;
                _textLength = end - start;
                return true;
            }
        }
        _endOfInput = true;
        return false;
    }

    private void ReadHeader()
    {
        _pendingLineNumber = _lines.LineNumber;
        if (_lines.IsLineEnd)
        {
            (_pendingName, _pendingDescription) = SplitHeader(_lines.Segment[1..]);
        }
        else
        {
            var header = new StringBuilder();
            header.Append(_lines.Segment[1..]);
            while (!_lines.IsLineEnd && _lines.MoveNext())
            {
                header.Append(_lines.Segment);
            }
            (_pendingName, _pendingDescription) = SplitHeader(header.ToString());
        }
        _headerPending = true;
    }

    private SequenceFormatException TextBeforeFirstHeader(ReadOnlySpan<char> segment)
    {
        ReadOnlySpan<char> text = segment.TrimStart();
        string hint = text switch
        {
            ['>', ..] => "header lines must have '>' in the first column.",
            ['@', ..] => "this looks like FASTQ: give the file a .fq or .fastq extension, or pass SequenceFileFormat.Fastq.",
            _ => "a FASTA file must start with a '>' header line; for one raw sequence per line use a .txt file "
                + "(SequenceFileFormat.PlainText).",
        };
        return Error(_lines.LineNumber, $"expected a FASTA header line starting with '>' but found {Excerpt(text)}; {hint}");
    }
}
