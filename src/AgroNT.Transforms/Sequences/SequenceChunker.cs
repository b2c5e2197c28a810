using System.Diagnostics.CodeAnalysis;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Cuts one record's sequence, fed in pieces of any size, into overlapping chunks while holding at most about two
/// chunks of it. The chunks are those of <see cref="Dna.Windows(int, int, int)"/> with stride
/// <c>chunkLength - overlap</c>: chunks start at 0, stride, 2 x stride, ...; the last chunk ends at the record's
/// end, shifted left (overlapping its predecessor by more than <c>overlap</c>) when the stride does not land there;
/// a record no longer than one chunk gives a single chunk, the whole record (empty for an empty record).
/// </summary>
internal sealed class SequenceChunker
{
    /// <summary>The longest chunk allowed (a .NET string holds at most about 2^30 characters).</summary>
    public const int MaxChunkLength = 1 << 30;

    private const int MinimumSlack = 1 << 16;

    private readonly int _chunkLength;
    private readonly int _stride;
    private readonly int _maxBufferLength;
    private char[] _buffer;
    private long _bufferStart;
    private int _bufferedLength;
    private long _nextStart;
    private string _recordName = "";
    private long _recordIndex;

    public SequenceChunker(int chunkLength, int overlap)
    {
        ValidateArguments(chunkLength, overlap);
        _chunkLength = chunkLength;
        _stride = chunkLength - overlap;
        _maxBufferLength = (int)Math.Min((long)chunkLength + Math.Max(chunkLength, MinimumSlack), Array.MaxLength);
        _buffer = new char[Math.Min(_maxBufferLength, MinimumSlack)];
    }

    /// <summary>The buffer's current size, in characters (for tests of the streaming guarantee).</summary>
    internal int BufferLength => _buffer.Length;

    private long Total => _bufferStart + _bufferedLength;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless 1 &lt;= chunkLength &lt;= 2^30 and 0 &lt;= overlap &lt; chunkLength.</summary>
    public static void ValidateArguments(int chunkLength, int overlap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkLength, MaxChunkLength);
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlap, chunkLength);
    }

    /// <summary>Starts a new record.</summary>
    public void BeginRecord(string recordName, long recordIndex)
    {
        _recordName = recordName;
        _recordIndex = recordIndex;
        _bufferStart = 0;
        _bufferedLength = 0;
        _nextStart = 0;
    }

    /// <summary>
    /// Takes as much of <paramref name="text"/> as fits and returns how much that was; take the chunks it makes
    /// available (<see cref="TryTakeChunk"/>) before appending more.
    /// </summary>
    public int Append(ReadOnlySpan<char> text)
    {
        if (_bufferedLength == _buffer.Length)
        {
            MakeRoom();
        }
        int taken = Math.Min(text.Length, _buffer.Length - _bufferedLength);
        text[..taken].CopyTo(_buffer.AsSpan(_bufferedLength));
        _bufferedLength += taken;
        return taken;
    }

    /// <summary>
    /// Takes the next chunk that is known not to be the record's last one (the text extends past its end).
    /// </summary>
    public bool TryTakeChunk([NotNullWhen(true)] out SequenceChunk? chunk)
    {
        if (Total <= _nextStart + _chunkLength)
        {
            chunk = null;
            return false;
        }
        chunk = MakeChunk(_nextStart, _chunkLength, isLast: false);
        _nextStart += _stride;
        return true;
    }

    /// <summary>Ends the record and returns its last chunk: the whole record when it was no longer than one chunk.</summary>
    public SequenceChunk CompleteRecord()
    {
        long total = Total;
        long start = Math.Max(0, total - _chunkLength);
        return MakeChunk(start, (int)(total - start), isLast: true);
    }

    private SequenceChunk MakeChunk(long start, int length, bool isLast) =>
        new(_recordName, start, new string(_buffer, (int)(start - _bufferStart), length))
        {
            RecordIndex = _recordIndex,
            IsLastInRecord = isLast,
        };

    private void MakeRoom()
    {
        // Keep what the next regular chunk needs, and the last chunkLength letters for a final shifted chunk.
        long keepFrom = Math.Max(_bufferStart, Math.Min(_nextStart, Total - _chunkLength));
        int drop = (int)(keepFrom - _bufferStart);
        if (drop < _buffer.Length / 2 && _buffer.Length < _maxBufferLength)
        {
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, _maxBufferLength));
            return;
        }
        if (drop == 0)
        {
            throw new InvalidOperationException("Take the available chunks before appending more text.");
        }
        _buffer.AsSpan(drop, _bufferedLength - drop).CopyTo(_buffer);
        _bufferStart = keepFrom;
        _bufferedLength -= drop;
    }
}
