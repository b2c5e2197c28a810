namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Plain text: every line is one record, taken verbatim and named <c>line&lt;N&gt;</c> (N = the line number, from 1).
/// </summary>
/// <remarks>
/// Only the line ending is removed (LF, or CRLF; see <see cref="LineSegmentReader"/>). An empty line is a record with
/// an empty sequence; the final LF ends the last line rather than starting an empty one, so <c>"A\nB\n"</c> is two
/// records and <c>"A\n\nB"</c> three. Spaces, lowercase and any other characters are kept for the tokenizer to judge.
/// </remarks>
internal sealed class PlainTextScanner : SequenceScanner
{
    private readonly LineSegmentReader _lines;
    private bool _firstSegmentPending;
    private bool _lineDone = true;

    public PlainTextScanner(TextReader reader, string sourceName)
        : base(sourceName)
    {
        _lines = new LineSegmentReader(reader);
    }

    /// <inheritdoc/>
    public override long CurrentLineNumber => _lines.LineNumber;

    /// <inheritdoc/>
    public override ReadOnlySpan<char> Text => _lines.Segment;

    /// <inheritdoc/>
    public override bool MoveToNextRecord()
    {
        _firstSegmentPending = false;
        while (!_lineDone)
        {
            _lineDone = !_lines.MoveNext() || _lines.IsLineEnd;
        }
        if (!_lines.MoveNext())
        {
            return false;
        }
        LineNumber = _lines.LineNumber;
        Name = "line" + LineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _firstSegmentPending = true;
        _lineDone = _lines.IsLineEnd;
        return true;
    }

    /// <inheritdoc/>
    public override bool ReadSequenceSegment()
    {
        if (_firstSegmentPending)
        {
            _firstSegmentPending = false;
            return true;
        }
        if (_lineDone)
        {
            return false;
        }
        if (!_lines.MoveNext())
        {
            _lineDone = true;
            return false;
        }
        _lineDone = _lines.IsLineEnd;
        return true;
    }
}
