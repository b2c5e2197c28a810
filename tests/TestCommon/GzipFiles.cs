using System.IO.Compression;

namespace AgroNT.Tests.Common;

/// <summary>Gzip and BGZF bytes for tests of compressed inputs, and the damage files suffer (cuts, flipped bytes).</summary>
internal static class GzipFiles
{
    /// <summary>Uncompressed bytes per BGZF block, as <c>bgzip</c> writes them.</summary>
    public const int BgzfBlockInput = 0xFF00;

    /// <summary>BGZF's empty end-of-file block (SAM/BAM specification, section 4.1.2).</summary>
    public static readonly byte[] BgzfEndBlock =
    [
        0x1F, 0x8B, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00,
        0x1B, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    /// <summary>One gzip member holding <paramref name="data"/>.</summary>
    public static byte[] Gzip(ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>
    /// <paramref name="data"/> as BGZF, laid out as <c>bgzip</c> lays it out: one gzip member per
    /// <see cref="BgzfBlockInput"/> bytes, each with the <c>BC</c> extra field giving its size, then the end block.
    /// </summary>
    public static byte[] Bgzf(ReadOnlySpan<byte> data, bool withEndBlock = true)
    {
        using var output = new MemoryStream();
        for (int start = 0; start < data.Length; start += BgzfBlockInput)
        {
            byte[] member = Gzip(data.Slice(start, Math.Min(BgzfBlockInput, data.Length - start)));
            int blockSize = member.Length + 8;
            output.Write(member.AsSpan(0, 3));
            output.WriteByte(0x04); // FLG: FEXTRA only
            output.Write(member.AsSpan(4, 6));
            output.Write([0x06, 0x00, (byte)'B', (byte)'C', 0x02, 0x00, (byte)(blockSize - 1), (byte)((blockSize - 1) >> 8)]);
            output.Write(member.AsSpan(10));
        }
        if (withEndBlock)
        {
            output.Write(BgzfEndBlock);
        }
        return output.ToArray();
    }

    /// <summary>The offsets at which the BGZF blocks of <paramref name="bgzf"/> start, read from their <c>BC</c> fields.</summary>
    public static IReadOnlyList<int> BgzfBlockStarts(byte[] bgzf)
    {
        var starts = new List<int>();
        for (int at = 0; at < bgzf.Length; at += (bgzf[at + 16] | (bgzf[at + 17] << 8)) + 1)
        {
            starts.Add(at);
        }
        return starts;
    }

    /// <summary>A copy of <paramref name="bytes"/> with <paramref name="count"/> bytes from <paramref name="start"/> inverted.</summary>
    public static byte[] FlipBytes(byte[] bytes, int start, int count)
    {
        byte[] copy = (byte[])bytes.Clone();
        for (int i = start; i < start + count; i++)
        {
            copy[i] ^= 0xFF;
        }
        return copy;
    }
}
