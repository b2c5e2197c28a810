using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Splits text into lines without ever holding more than a fixed buffer of it, so that a chromosome written on a
/// single line can be streamed. A line longer than the buffer is handed out in several segments.
/// </summary>
/// <remarks>
/// Lines end at LF. A CR just before the LF, or at the very end of the input, belongs to the line ending and is
/// removed; any other CR is text. The final line needs no LF, and an input that ends with LF has no empty line after
/// it (<c>"A\nB\n"</c> is two lines, <c>"A\n\nB"</c> three). A segment that does not end its line always ends with a
/// character that is not <see cref="char.IsWhiteSpace(char)"/>, so whitespace at the end of a line is always in the
/// line's last segment: callers can trim line ends without looking ahead. The buffer only grows for a run of
/// whitespace longer than itself.
/// </remarks>
internal sealed class LineSegmentReader
{
    /// <summary>The default buffer size, in characters.</summary>
    public const int DefaultBufferLength = 1 << 16;

    private readonly TextReader _reader;
    private char[] _buffer;
    private int _position;
    private int _end;
    private bool _endOfInput;
    private int _segmentStart;
    private int _segmentLength;

    public LineSegmentReader(TextReader reader, int bufferLength = DefaultBufferLength)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferLength, 2);
        _reader = reader;
        _buffer = new char[bufferLength];
        IsLineEnd = true;
    }

    /// <summary>The current segment; valid until the next call to <see cref="MoveNext"/>.</summary>
    public ReadOnlySpan<char> Segment => _buffer.AsSpan(_segmentStart, _segmentLength);

    /// <summary>The 1-based line of the current segment (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the current segment is the first of its line.</summary>
    public bool IsLineStart { get; private set; }

    /// <summary>Whether the current segment is the last of its line.</summary>
    public bool IsLineEnd { get; private set; }

    /// <summary>The buffer's current size, in characters (for tests of the streaming guarantee).</summary>
    internal int BufferLength => _buffer.Length;

    /// <summary>Moves to the next segment; <see langword="false"/> at the end of the input.</summary>
    public bool MoveNext()
    {
        bool startsLine = IsLineEnd;
        while (true)
        {
            int newline = _buffer.AsSpan(_position, _end - _position).IndexOf('\n');
            if (newline >= 0)
            {
                int length = newline;
                if (length > 0 && _buffer[_position + length - 1] == '\r')
                {
                    length--;
                }
                SetSegment(_position, length, startsLine, endsLine: true);
                _position += newline + 1;
                return true;
            }

            if (_endOfInput)
            {
                if (_position == _end && startsLine)
                {
                    return false;
                }
                // The last line has no LF (or a cut segment closed the buffer exactly): this segment ends it.
                int length = _end - _position;
                if (length > 0 && _buffer[_end - 1] == '\r')
                {
                    length--;
                }
                SetSegment(_position, length, startsLine, endsLine: true);
                _position = _end;
                return true;
            }

            if (_position > 0 || _end < _buffer.Length)
            {
                Fill();
                continue;
            }

            // The buffer is full and holds no LF: hand out everything up to its last non-whitespace character.
            int lastText = _end - 1;
            while (lastText >= 0 && char.IsWhiteSpace(_buffer[lastText]))
            {
                lastText--;
            }
            if (lastText >= 0)
            {
                SetSegment(0, lastText + 1, startsLine, endsLine: false);
                _position = lastText + 1;
                return true;
            }
            Array.Resize(ref _buffer, checked(_buffer.Length * 2));
            Fill();
        }
    }

    /// <summary>Reads the rest of the current line, or the next whole line when at a line boundary; <see langword="null"/> at the end.</summary>
    public string? ReadLine()
    {
        if (!MoveNext())
        {
            return null;
        }
        if (IsLineEnd)
        {
            return new string(Segment);
        }
        var line = new StringBuilder();
        line.Append(Segment);
        while (!IsLineEnd && MoveNext())
        {
            line.Append(Segment);
        }
        return line.ToString();
    }

    private void SetSegment(int start, int length, bool startsLine, bool endsLine)
    {
        if (startsLine)
        {
            LineNumber++;
        }
        _segmentStart = start;
        _segmentLength = length;
        IsLineStart = startsLine;
        IsLineEnd = endsLine;
    }

    private void Fill()
    {
        if (_position > 0)
        {
            _buffer.AsSpan(_position, _end - _position).CopyTo(_buffer);
            _end -= _position;
            _position = 0;
        }
        int read = _reader.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfInput = true;
        }
        _end += read;
    }
}
