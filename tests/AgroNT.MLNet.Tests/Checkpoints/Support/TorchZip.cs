using System.Buffers.Binary;
using System.Text;

namespace AgroNT.MLNet.Tests.Checkpoints.Support;

/// <summary>
/// Writes a zip archive laid out like torch.save's: STORED entries, data aligned to 64 bytes with padding in the extra
/// field, optionally in ZIP64 form, optionally with a deflate method id on one entry.
/// </summary>
internal static class TorchZip
{
    public static byte[] Build(IEnumerable<(string Name, byte[] Data)> entries, bool zip64 = false, string? compressedEntry = null)
    {
        var output = new MemoryStream();
        var central = new MemoryStream();
        int count = 0;
        foreach ((string name, byte[] data) in entries)
        {
            count++;
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            long localOffset = output.Position;
            ushort method = (ushort)(name == compressedEntry ? 8 : 0);
            uint crc = Crc32(data);
            // Local header; pad the extra field so the data starts at a multiple of 64, as torch's writer does.
            int padding = (int)((64 - (localOffset + 30 + nameBytes.Length + 4) % 64) % 64);
            var local = new BinaryWriter(output);
            local.Write(0x04034b50u);
            local.Write((ushort)(zip64 ? 45 : 20));
            local.Write((ushort)0);
            local.Write(method);
            local.Write(0u); // time, date
            local.Write(crc);
            local.Write((uint)data.Length);
            local.Write((uint)data.Length);
            local.Write((ushort)nameBytes.Length);
            local.Write((ushort)(4 + padding));
            local.Write(nameBytes);
            local.Write((ushort)0x4246); // "FB", as PyTorch names its padding field
            local.Write((ushort)padding);
            local.Write(new byte[padding]);
            local.Write(data);

            var c = new BinaryWriter(central);
            c.Write(0x02014b50u);
            c.Write((ushort)(zip64 ? 45 : 20));
            c.Write((ushort)(zip64 ? 45 : 20));
            c.Write((ushort)0);
            c.Write(method);
            c.Write(0u);
            c.Write(crc);
            c.Write(zip64 ? 0xFFFFFFFFu : (uint)data.Length);
            c.Write(zip64 ? 0xFFFFFFFFu : (uint)data.Length);
            c.Write((ushort)nameBytes.Length);
            c.Write((ushort)(zip64 ? 28 : 0));
            c.Write((ushort)0); // comment
            c.Write((ushort)0); // disk
            c.Write((ushort)0); // internal attributes
            c.Write(0u); // external attributes
            c.Write(zip64 ? 0xFFFFFFFFu : (uint)localOffset);
            c.Write(nameBytes);
            if (zip64)
            {
                c.Write((ushort)1);
                c.Write((ushort)24);
                c.Write((ulong)data.Length);
                c.Write((ulong)data.Length);
                c.Write((ulong)localOffset);
            }
        }
        long directoryOffset = output.Position;
        central.Position = 0;
        central.CopyTo(output);
        long directorySize = output.Position - directoryOffset;
        var end = new BinaryWriter(output);
        if (zip64)
        {
            long zip64End = output.Position;
            end.Write(0x06064b50u);
            end.Write(44ul);
            end.Write((ushort)45);
            end.Write((ushort)45);
            end.Write(0u);
            end.Write(0u);
            end.Write((ulong)count);
            end.Write((ulong)count);
            end.Write((ulong)directorySize);
            end.Write((ulong)directoryOffset);
            end.Write(0x07064b50u);
            end.Write(0u);
            end.Write((ulong)zip64End);
            end.Write(1u);
        }
        end.Write(0x06054b50u);
        end.Write((ushort)0);
        end.Write((ushort)0);
        end.Write(zip64 ? (ushort)0xFFFF : (ushort)count);
        end.Write(zip64 ? (ushort)0xFFFF : (ushort)count);
        end.Write(zip64 ? 0xFFFFFFFFu : (uint)directorySize);
        end.Write(zip64 ? 0xFFFFFFFFu : (uint)directoryOffset);
        end.Write((ushort)0);
        return output.ToArray();
    }

    /// <summary>A torch.save-shaped checkpoint: <c>archive/data.pkl</c>, <c>archive/data/KEY</c>..., <c>archive/version</c>.</summary>
    public static byte[] Checkpoint(byte[] dataPkl, params (string Key, byte[] Data)[] storages)
    {
        var entries = new List<(string, byte[])> { ("archive/data.pkl", dataPkl) };
        entries.AddRange(storages.Select(s => ("archive/data/" + s.Key, s.Data)));
        entries.Add(("archive/version", Encoding.ASCII.GetBytes("3\n")));
        entries.Add(("archive/byteorder", Encoding.ASCII.GetBytes("little")));
        return Build(entries);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }
        return ~crc;
    }
}
