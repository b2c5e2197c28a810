using System.IO.Compression;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// The one way every reader of the library opens an input that may be gzip-compressed (sequence files, VCFs, reference
/// FASTAs): the content decides, and compressed data is checked to its very end.
/// </summary>
/// <remarks>
/// <para>Compression is recognised by the gzip magic bytes (1F 8B), not by the name: a gzip file without <c>.gz</c> is
/// decompressed, and a <c>.gz</c> file that is really plain text is read as it is.</para>
/// <para>Gzip data may hold several members (<c>cat a.gz b.gz</c>); all are read, and each member's trailer (CRC-32 and
/// length) is checked by the decoder. BGZF (<c>bgzip</c>, <c>.bgz</c> or <c>.gz</c>) is gzip with one member per block;
/// it is recognised by the <c>BC</c> extra field of its first block and must end with BGZF's empty end-of-file block,
/// which is how a file cut between two blocks is told from a complete one. Any damage (a member cut short, a wrong CRC,
/// bytes after the last member, a missing BGZF end block) throws <see cref="InvalidDataException"/> when the reader gets
/// there, never a silently shorter input.</para>
/// </remarks>
internal static class CompressedInput
{
    private const int FileBufferLength = 1 << 16;

    /// <summary>Opens <paramref name="path"/> for reading, decompressing it (checked to its end) when it is gzip.</summary>
    /// <param name="path">The file.</param>
    /// <param name="nameSourceInErrors">
    /// Whether the <see cref="InvalidDataException"/> of damaged compressed data names <paramref name="path"/> and the
    /// fix (see <see cref="Decompress"/>); false for a caller that names the source itself.
    /// </param>
    /// <returns>The file's bytes, or its decompressed bytes.</returns>
    /// <param name="bytesRead">
    /// Told the bytes of the file read so far (compressed bytes for gzip) after every read from disk; null for none.
    /// </param>
    public static Stream OpenRead(string path, bool nameSourceInErrors = true, IProgress<long>? bytesRead = null)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferLength, FileOptions.SequentialScan);
        try
        {
            bool gzip = IsGzip(file, out Stream rewound);
            if (bytesRead != null)
            {
                rewound = new CountingStream(rewound, bytesRead);
            }
            return gzip ? Decompress(rewound, nameSourceInErrors ? path : null) : rewound;
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
    /// Decompresses gzip data (one or more members, BGZF included), throwing <see cref="InvalidDataException"/> when it
    /// is corrupt or ends early.
    /// </summary>
    /// <param name="compressed">The gzip bytes; disposed with the returned stream.</param>
    /// <param name="sourceName">
    /// The file the bytes come from, named (with the fix) in the exceptions' messages; <see langword="null"/> leaves the
    /// messages bare for a caller that names the source itself.
    /// </param>
    /// <remarks>
    /// .NET's <see cref="GZipStream"/> ends quietly when its input stops in the middle of a member, so a truncated
    /// download would read as a shorter file. To tell, one more small gzip member holding a marker is appended to the
    /// input: after a complete member the decoder decompresses it and the output ends with the marker, which is removed;
    /// after a cut the marker's bytes land inside the broken member, and the decoder either fails or the output does not
    /// end with the marker. Bytes after the last member (which the decoder ignores) also hide the marker and are
    /// reported the same way. A cut exactly between two members cannot be seen in plain gzip; in BGZF the missing end
    /// block shows it.
    /// </remarks>
    public static Stream Decompress(Stream compressed, string? sourceName = null)
    {
        var checkedInput = new BgzfEndCheckingStream(compressed);
        var withMarker = new ConcatenatedStream(ReadOnlyMemory<byte>.Empty, checkedInput, EndMarkerMember.ToArray());
        Stream decompressed = new EndMarkerCheckingStream(new GZipStream(withMarker, CompressionMode.Decompress, leaveOpen: false));
        return sourceName is null ? decompressed : new SourceNamingStream(decompressed, sourceName);
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

    /// <summary>The empty block every BGZF file ends with (SAM/BAM specification, section 4.1.2).</summary>
    private static ReadOnlySpan<byte> BgzfEndBlock =>
    [
        0x1F, 0x8B, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00,
        0x1B, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    /// <summary>Whether a gzip member header announces BGZF: the FEXTRA flag and a <c>BC</c> subfield of two bytes.</summary>
    private static bool IsBgzfHeader(ReadOnlySpan<byte> header)
    {
        const int ExtraStart = 12;
        if (header.Length < ExtraStart || header[0] != 0x1F || header[1] != 0x8B || (header[3] & 0x04) == 0)
        {
            return false;
        }
        int extraEnd = Math.Min(header.Length, ExtraStart + (header[10] | (header[11] << 8)));
        for (int at = ExtraStart; at + 4 <= extraEnd;)
        {
            int length = header[at + 2] | (header[at + 3] << 8);
            if (header[at] == (byte)'B' && header[at + 1] == (byte)'C' && length == 2)
            {
                return true;
            }
            at += 4 + length;
        }
        return false;
    }

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

    /// <summary>A stream that reads another and disposes it.</summary>
    private abstract class WrappingStream(Stream inner) : ReadOnlyStream
    {
        protected Stream Inner { get; } = inner;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads another stream and reports the bytes read through it so far after each read.</summary>
    private sealed class CountingStream(Stream inner, IProgress<long> bytesRead) : WrappingStream(inner)
    {
        private long _total;

        public override int Read(Span<byte> buffer)
        {
            int read = Inner.Read(buffer);
            if (read > 0)
            {
                _total += read;
                bytesRead.Report(_total);
            }
            return read;
        }
    }

    /// <summary>Some bytes, then a stream to its end, then some more bytes.</summary>
    private sealed class ConcatenatedStream(ReadOnlyMemory<byte> prefix, Stream inner, ReadOnlyMemory<byte> suffix) : WrappingStream(inner)
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
                int read = Inner.Read(buffer);
                if (read > 0)
                {
                    return read;
                }
                _innerEnded = true;
            }
            return Take(ref _suffix, buffer);
        }

        private static int Take(ref ReadOnlyMemory<byte> bytes, Span<byte> buffer)
        {
            int taken = Math.Min(buffer.Length, bytes.Length);
            bytes.Span[..taken].CopyTo(buffer);
            bytes = bytes[taken..];
            return taken;
        }
    }

    /// <summary>
    /// Passes compressed bytes through, keeping the first ones (the first member's header) and the last 28; at the end
    /// of BGZF data it checks that those are BGZF's end-of-file block.
    /// </summary>
    private sealed class BgzfEndCheckingStream(Stream inner) : WrappingStream(inner)
    {
        private readonly byte[] _head = new byte[256];
        private readonly byte[] _tail = new byte[BgzfEndBlock.Length];
        private int _headCount;
        private int _tailCount;
        private bool _checked;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            int read = Inner.Read(buffer);
            if (read == 0)
            {
                Check();
                return 0;
            }
            ReadOnlySpan<byte> bytes = buffer[..read];
            int toHead = Math.Min(bytes.Length, _head.Length - _headCount);
            bytes[..toHead].CopyTo(_head.AsSpan(_headCount));
            _headCount += toHead;
            if (bytes.Length >= _tail.Length)
            {
                bytes[^_tail.Length..].CopyTo(_tail);
                _tailCount = _tail.Length;
            }
            else
            {
                int kept = Math.Min(_tailCount, _tail.Length - bytes.Length);
                _tail.AsSpan(_tailCount - kept, kept).CopyTo(_tail);
                bytes.CopyTo(_tail.AsSpan(kept));
                _tailCount = kept + bytes.Length;
            }
            return read;
        }

        private void Check()
        {
            if (_checked)
            {
                return;
            }
            _checked = true;
            if (IsBgzfHeader(_head.AsSpan(0, _headCount)) && !_tail.AsSpan(0, _tailCount).SequenceEqual(BgzfEndBlock))
            {
                throw new InvalidDataException(
                    "the BGZF data lacks its end-of-file block, so the file was cut after a complete block (it is truncated)");
            }
        }
    }

    /// <summary>Passes decompressed bytes through, holding back the last few until it can check they are the end marker.</summary>
    private sealed class EndMarkerCheckingStream(Stream inner) : WrappingStream(inner)
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
                int read = Inner.Read(_pending.AsSpan(_count));
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
    }

    /// <summary>Rewrites the decoder's <see cref="InvalidDataException"/> into one that names the file and the fix.</summary>
    private sealed class SourceNamingStream(Stream inner, string sourceName) : WrappingStream(inner)
    {
        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Inner.Read(buffer);
            }
            catch (InvalidDataException exception)
            {
                throw new InvalidDataException(
                    $"'{sourceName}' is not complete, readable gzip data: {exception.Message.TrimEnd('.')}. "
                    + $"Check it with 'gzip -t {sourceName}' and copy or download it again.",
                    exception);
            }
        }
    }
}
