using System.IO.Compression;
using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>Opens sequence files for streaming, decompressing gzip when the content is gzip.</summary>
/// <remarks>
/// Compression is recognised by the gzip magic bytes (1F 8B), not by the name: a gzip file without <c>.gz</c> is
/// decompressed, and a <c>.gz</c> file that is really plain text is read as it is. Concatenated gzip members (as
/// written by <c>bgzip</c> or <c>cat a.gz b.gz</c>) are read through. A truncated gzip file is an error
/// (<see cref="InvalidDataException"/>), never a silently shorter sequence; see <see cref="DecompressGzip"/>.
/// Text is UTF-8 unless a byte order mark says otherwise. Pipes and other unseekable files work too.
/// </remarks>
internal static class SequenceFile
{
    /// <summary>The reader's buffer, in characters; large buffers keep the per-call cost off the hot path.</summary>
    private const int ReaderBufferLength = 1 << 16;

    private const int FileBufferLength = 1 << 16;

    /// <summary>Opens <paramref name="path"/> as text.</summary>
    public static StreamReader OpenText(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferLength, FileOptions.SequentialScan);
        try
        {
            Stream content = IsGzip(file, out Stream rewound) ? DecompressGzip(rewound) : rewound;
            return new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, ReaderBufferLength, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the first two bytes of <paramref name="stream"/> and says whether they are the gzip magic;
    /// <paramref name="rewound"/> then reads the stream from its start again.
    /// </summary>
    public static bool IsGzip(Stream stream, out Stream rewound)
    {
        byte[] magic = new byte[2];
        int read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (stream.CanSeek)
        {
            stream.Seek(-read, SeekOrigin.Current);
            rewound = stream;
        }
        else
        {
            rewound = new ConcatenatedStream(magic.AsMemory(0, read), stream, ReadOnlyMemory<byte>.Empty);
        }
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>
    /// Decompresses gzip data (one or more members), throwing <see cref="InvalidDataException"/> when it is corrupt
    /// or ends early.
    /// </summary>
    /// <remarks>
    /// .NET's <see cref="GZipStream"/> ends quietly when its input stops in the middle of a member, so a truncated
    /// download would read as a shorter genome. To tell, one more small gzip member holding a marker is appended to
    /// the input: after a complete member the decoder decompresses it and the output ends with the marker, which is
    /// removed; after a cut the marker's bytes land inside the broken member, and the decoder either fails or the
    /// output does not end with the marker. Bytes after the last member (which the decoder ignores) also hide the
    /// marker and are reported the same way.
    /// </remarks>
    public static Stream DecompressGzip(Stream compressed)
    {
        var withMarker = new ConcatenatedStream(ReadOnlyMemory<byte>.Empty, compressed, EndMarkerMember.ToArray());
        return new EndMarkerCheckingStream(new GZipStream(withMarker, CompressionMode.Decompress, leaveOpen: false));
    }

    /// <summary>A complete gzip member (one stored deflate block) holding <see cref="EndMarker"/>.</summary>
    private static ReadOnlySpan<byte> EndMarkerMember =>
    [
        0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, // header: deflate, no flags, unknown OS
        0x01, 0x11, 0x00, 0xEE, 0xFF, // final stored block of 17 bytes (and its one's complement)
        0x00, 0x41, 0x67, 0x72, 0x6F, 0x4E, 0x54, 0x3A, 0x67, 0x7A, 0x69, 0x70, 0x2D, 0x65, 0x6E, 0x64, 0x00, // EndMarker
        0xDA, 0xBD, 0x4F, 0xBA, 0x11, 0x00, 0x00, 0x00, // CRC-32 and length of EndMarker
    ];

    private static ReadOnlySpan<byte> EndMarker => "\0AgroNT:gzip-end\0"u8;

    /// <summary>The members every read-only, forward-only stream here shares.</summary>
    private abstract class ReadOnlyStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public abstract override int Read(Span<byte> buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Some bytes, then a stream to its end, then some more bytes.</summary>
    private sealed class ConcatenatedStream(ReadOnlyMemory<byte> prefix, Stream inner, ReadOnlyMemory<byte> suffix) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        private ReadOnlyMemory<byte> _suffix = suffix;
        private bool _innerEnded;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            if (!_prefix.IsEmpty)
            {
                return Take(ref _prefix, buffer);
            }
            if (!_innerEnded)
            {
                int read = inner.Read(buffer);
                if (read > 0)
                {
                    return read;
                }
                _innerEnded = true;
            }
            return Take(ref _suffix, buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private static int Take(ref ReadOnlyMemory<byte> bytes, Span<byte> buffer)
        {
            int taken = Math.Min(buffer.Length, bytes.Length);
            bytes.Span[..taken].CopyTo(buffer);
            bytes = bytes[taken..];
            return taken;
        }
    }

    /// <summary>Passes decompressed bytes through, holding back the last few until it can check they are the end marker.</summary>
    private sealed class EndMarkerCheckingStream(Stream inner) : ReadOnlyStream
    {
        private readonly byte[] _pending = new byte[1 << 16];
        private int _start;
        private int _count;
        private bool _innerEnded;
        private bool _checked;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty || _checked)
            {
                return 0;
            }
            int markerLength = EndMarker.Length;
            while (_count <= markerLength && !_innerEnded)
            {
                _pending.AsSpan(_start, _count).CopyTo(_pending);
                _start = 0;
                int read = inner.Read(_pending.AsSpan(_count));
                _innerEnded = read == 0;
                _count += read;
            }
            if (_count <= markerLength)
            {
                if (!_pending.AsSpan(_start, _count).SequenceEqual(EndMarker))
                {
                    throw new InvalidDataException(
                        "the gzip data ends early (the file is truncated) or has extra bytes after the compressed data");
                }
                _checked = true;
                return 0;
            }
            int released = Math.Min(buffer.Length, _count - markerLength);
            _pending.AsSpan(_start, released).CopyTo(buffer);
            _start += released;
            _count -= released;
            return released;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
