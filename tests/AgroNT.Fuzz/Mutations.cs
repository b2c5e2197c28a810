using System.IO.Compression;
using System.Text;

namespace AgroNT.Fuzz;

/// <summary>Byte-level mutations shared by the file targets; each one is named so a failure says what was done.</summary>
internal static class Mutations
{
    /// <summary>Bytes that mean something to the parsers: record and line markers, BOM and gzip magic, UTF-8 lead bytes.</summary>
    private static readonly byte[] InterestingBytes =
        [(byte)'>', (byte)'@', (byte)'+', (byte)'\n', (byte)'\r', (byte)' ', (byte)'\t', (byte)'#', (byte)',', (byte)'.',
         (byte)'0', (byte)'9', (byte)'-', (byte)'{', (byte)'}', (byte)'"', (byte)'[', (byte)']', 0, 1, 0x7F, 0x80, 0xFF,
         0xC3, 0xE2, 0xEF, 0xBB, 0xBF, 0x1F, 0x8B, 0xFE];

    /// <summary>Applies 1 to <paramref name="maxCount"/> random mutations, all inside <c>[from, to)</c> when given.</summary>
    public static byte[] Mutate(Random random, byte[] input, List<string> log, int maxCount = 4, int from = 0, int to = -1, byte[]? donor = null)
    {
        var bytes = new List<byte>(input);
        int count = random.Next(1, maxCount + 1);
        for (int m = 0; m < count; m++)
        {
            int end = to < 0 ? bytes.Count : Math.Min(to, bytes.Count);
            int start = Math.Min(from, end);
            int At() => start + random.Next(end - start + 1);
            switch (random.Next(9))
            {
                case 0 when end > start:
                    {
                        int i = start + random.Next(end - start);
                        int bit = random.Next(8);
                        bytes[i] ^= (byte)(1 << bit);
                        log.Add($"flip bit {bit} at {i}");
                        break;
                    }
                case 1 when end > start:
                    {
                        int i = start + random.Next(end - start);
                        byte b = InterestingBytes[random.Next(InterestingBytes.Length)];
                        bytes[i] = b;
                        log.Add($"set byte {i} to 0x{b:X2}");
                        break;
                    }
                case 2:
                    {
                        int i = At();
                        byte[] inserted = Enumerable.Range(0, random.Next(1, 5)).Select(_ => InterestingBytes[random.Next(InterestingBytes.Length)]).ToArray();
                        bytes.InsertRange(i, inserted);
                        log.Add($"insert {Convert.ToHexString(inserted)} at {i}");
                        break;
                    }
                case 3 when end > start:
                    {
                        int i = start + random.Next(end - start);
                        int n = Math.Min(end - i, 1 + random.Next(random.Next(2) == 0 ? 4 : 200));
                        bytes.RemoveRange(i, n);
                        log.Add($"delete {n} bytes at {i}");
                        break;
                    }
                case 4 when end > start:
                    {
                        int i = start + random.Next(end - start);
                        int n = Math.Min(end - i, 1 + random.Next(100));
                        int j = At();
                        bytes.InsertRange(j, bytes.GetRange(i, n));
                        log.Add($"copy {n} bytes from {i} to {j}");
                        break;
                    }
                case 5:
                    {
                        int i = At();
                        bytes.RemoveRange(i, bytes.Count - i);
                        log.Add($"truncate at {i}");
                        break;
                    }
                case 6 when donor is { Length: > 0 }:
                    {
                        int i = random.Next(donor.Length);
                        int n = Math.Min(donor.Length - i, 1 + random.Next(400));
                        int j = At();
                        bytes.InsertRange(j, donor.AsSpan(i, n).ToArray());
                        log.Add($"splice {n} donor bytes at {j}");
                        break;
                    }
                case 7 when end > start:
                    {
                        int i = start + random.Next(end - start);
                        bytes[i] = (byte)random.Next(256);
                        log.Add($"random byte at {i}");
                        break;
                    }
                default:
                    {
                        int i = At();
                        byte[] inserted = random.Next(3) switch
                        {
                            0 => "\r\n"u8.ToArray(),
                            1 => "\n\n"u8.ToArray(),
                            _ => [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))],
                        };
                        bytes.InsertRange(i, inserted);
                        log.Add($"insert {Convert.ToHexString(inserted)} at {i}");
                        break;
                    }
            }
        }
        return [.. bytes];
    }

    /// <summary>Gzip-compresses <paramref name="bytes"/>, as one member or split into several (as bgzip writes).</summary>
    public static byte[] Gzip(Random random, byte[] bytes, List<string> log) => Gzip(random, bytes, log, out _);

    /// <summary>As <see cref="Gzip(Random, byte[], List{string})"/>, also giving where each member ends, compressed and plain.</summary>
    public static byte[] Gzip(Random random, byte[] bytes, List<string> log, out List<(int Compressed, int Plain)> memberEnds)
    {
        memberEnds = [];
        int members = bytes.Length > 1 && random.Next(4) == 0 ? random.Next(2, 4) : 1;
        using var output = new MemoryStream();
        int start = 0;
        for (int m = 0; m < members; m++)
        {
            int end = m == members - 1 ? bytes.Length : random.Next(start, bytes.Length + 1);
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(bytes, start, end - start);
            }
            memberEnds.Add(((int)output.Length, end));
            start = end;
        }
        log.Add(members == 1 ? "gzip" : $"gzip in {members} members");
        return output.ToArray();
    }

    /// <summary>
    /// When <paramref name="damaged"/> is, byte for byte, a sequence of whole members of <paramref name="original"/>
    /// (dropped, repeated or reordered by the damage, each CRC intact), the plain text those members hold in that order;
    /// else null. Such a file is valid gzip of other content, which no reader can tell from an undamaged one.
    /// </summary>
    public static byte[]? WholeMembers(byte[] damaged, byte[] original, byte[] plain, List<(int Compressed, int Plain)> memberEnds)
    {
        var members = new List<(byte[] Bytes, byte[] Text)>();
        for (int m = 0; m < memberEnds.Count; m++)
        {
            var (startCompressed, startPlain) = m == 0 ? (0, 0) : memberEnds[m - 1];
            members.Add((original[startCompressed..memberEnds[m].Compressed], plain[startPlain..memberEnds[m].Plain]));
        }
        // Positions from which the rest of the file parses as whole members (false: tried and failed).
        var failed = new bool[damaged.Length + 1];
        List<byte>? Parse(int position)
        {
            if (position == damaged.Length)
            {
                return position == 0 ? null : [];
            }
            if (failed[position])
            {
                return null;
            }
            foreach (var (bytes, text) in members)
            {
                if (bytes.Length > 0 && damaged.AsSpan(position).StartsWith(bytes) && Parse(position + bytes.Length) is { } rest)
                {
                    rest.InsertRange(0, text);
                    return rest;
                }
            }
            failed[position] = true;
            return null;
        }
        return Parse(0) is { } content ? [.. content] : null;
    }

    /// <summary>
    /// Damages gzip bytes: a cut (anywhere, or in the last 16 bytes where the trailer is) or byte mutations. Damage
    /// that leaves exactly the first members (a cut between members) is a valid, shorter gzip file:
    /// <paramref name="plainPrefix"/> then says how much of the content it holds, so the caller expects exactly that.
    /// </summary>
    public static byte[] DamageGzip(Random random, byte[] gzip, List<(int Compressed, int Plain)> memberEnds, List<string> log, out int? plainPrefix)
    {
        byte[] damaged;
        if (random.Next(3) != 0)
        {
            damaged = Mutate(random, gzip, log, maxCount: 2);
        }
        else
        {
            int cut = random.Next(2) == 0 ? random.Next(gzip.Length) : Math.Max(0, gzip.Length - 1 - random.Next(16));
            log.Add($"cut the gzip at {cut} of {gzip.Length}");
            damaged = gzip[..cut];
        }
        plainPrefix = null;
        foreach ((int compressed, int plain) in memberEnds)
        {
            if (damaged.AsSpan().SequenceEqual(gzip.AsSpan(0, compressed)))
            {
                plainPrefix = plain;
            }
        }
        return damaged;
    }

    /// <summary>A printable rendering of bytes for a description.</summary>
    public static string Excerpt(byte[] bytes, int length = 60)
    {
        string text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, length));
        var builder = new StringBuilder();
        foreach (char c in text)
        {
            builder.Append(c is >= ' ' and < '\u007F' ? c : $"\\u{(int)c:X4}");
        }
        return builder.ToString();
    }
}
