using System.Buffers.Binary;
using System.Text;

namespace AgroNT.MLNet.Checkpoints;

/// <summary>
/// The central directory of a zip archive whose entries are read in place from a <see cref="MappedFile"/>. torch.save
/// (since PyTorch 1.6) writes its checkpoints as zip archives of STORED (uncompressed) entries, so each storage can
/// be read by offset without extracting anything. Handles ZIP64 (archives or entries over 4 GiB).
/// </summary>
internal sealed class StoredZipArchive
{
    private const uint LocalHeaderSignature = 0x04034b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint EndOfCentralDirectorySignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const int EndOfCentralDirectoryLength = 22;
    private const ushort Zip64ExtraId = 0x0001;

    private readonly MappedFile _file;
    private readonly Dictionary<string, Entry> _entries;

    private StoredZipArchive(MappedFile file, Dictionary<string, Entry> entries)
    {
        _file = file;
        _entries = entries;
    }

    /// <summary>Entry names, in central-directory order.</summary>
    public IReadOnlyCollection<string> EntryNames => _entries.Keys;

    /// <summary>Reads the central directory of <paramref name="file"/>.</summary>
    /// <exception cref="CheckpointFormatException">Not a zip archive, or one cut short or damaged.</exception>
    public static StoredZipArchive Read(MappedFile file)
    {
        long eocd = FindEndOfCentralDirectory(file);
        byte[] end = file.ReadBytes(eocd, EndOfCentralDirectoryLength);
        long entryCount = BinaryPrimitives.ReadUInt16LittleEndian(end.AsSpan(10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(12));
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(end.AsSpan(16));
        if (entryCount == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        {
            (entryCount, directorySize, directoryOffset) = ReadZip64End(file, eocd);
        }
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset > eocd - directorySize)
        {
            throw Corrupt(file, $"the central directory [{directoryOffset}, {directoryOffset + directorySize}) lies outside the archive");
        }

        byte[] directory = file.ReadBytes(directoryOffset, checked((int)directorySize));
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        int position = 0;
        for (long i = 0; i < entryCount; i++)
        {
            Entry entry = ReadCentralHeader(file, directory, ref position);
            if (!entries.TryAdd(entry.Name, entry))
            {
                throw Corrupt(file, $"the entry '{entry.Name}' appears twice");
            }
        }
        return new StoredZipArchive(file, entries);
    }

    /// <summary>Whether the archive has an entry named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>
    /// The position and length of an entry's bytes in the file.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The entry is missing, compressed, encrypted, or runs past the end of the file.</exception>
    public (long Offset, long Length) GetStoredData(string name)
    {
        StoredEntry entry = GetStoredEntry(name);
        return (entry.Offset, entry.Length);
    }

    /// <summary>
    /// An entry's bytes in the file with the CRC-32 the central directory records for them, so that a reader can check
    /// them as it copies (<see cref="StoredEntry.Verify"/>).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The entry is missing, compressed, encrypted, or runs past the end of the file.</exception>
    public StoredEntry GetStoredEntry(string name)
    {
        if (!_entries.TryGetValue(name, out Entry entry))
        {
            throw new CheckpointFormatException(_file.Path,
                $"the archive has no entry '{name}'; the file is incomplete or was not written by torch.save. " +
                "Download it again.");
        }
        if ((entry.Flags & 1) != 0)
        {
            throw new CheckpointFormatException(_file.Path, $"the entry '{name}' is encrypted; torch.save never encrypts.");
        }
        if (entry.Method != 0 || entry.CompressedSize != entry.UncompressedSize)
        {
            throw new CheckpointFormatException(_file.Path,
                $"the entry '{name}' is compressed (zip method {entry.Method}); torch.save stores entries uncompressed, " +
                "so this archive was repacked by another tool. Re-save it with torch.save, or convert it to safetensors.");
        }
        if (entry.LocalHeaderOffset < 0 || entry.LocalHeaderOffset > _file.Length - 30)
        {
            throw Corrupt(_file, $"the local header of '{name}' lies outside the file");
        }
        byte[] local = _file.ReadBytes(entry.LocalHeaderOffset, 30);
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeaderSignature)
        {
            throw Corrupt(_file, $"the local header of '{name}' at byte {entry.LocalHeaderOffset} is damaged");
        }
        long dataOffset = entry.LocalHeaderOffset + 30
            + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26))
            + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        if (dataOffset > _file.Length - entry.UncompressedSize)
        {
            throw new CheckpointFormatException(_file.Path,
                $"the entry '{name}' needs bytes [{dataOffset}, {dataOffset + entry.UncompressedSize}) but the file has " +
                $"only {_file.Length}: it was cut short. Download it again.");
        }
        return new StoredEntry(name, dataOffset, entry.UncompressedSize, entry.Crc32);
    }

    private static long FindEndOfCentralDirectory(MappedFile file)
    {
        if (file.Length < EndOfCentralDirectoryLength)
        {
            throw new CheckpointFormatException(file.Path,
                $"the file is only {file.Length} bytes, too short for a zip archive: it was cut short. Download it again.");
        }
        // The record sits at the end, followed by a comment of at most 65535 bytes.
        long tail = Math.Min(file.Length, EndOfCentralDirectoryLength + 0xFFFF);
        byte[] bytes = file.ReadBytes(file.Length - tail, (int)tail);
        for (int i = bytes.Length - EndOfCentralDirectoryLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == EndOfCentralDirectorySignature
                && i + EndOfCentralDirectoryLength + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 20)) == bytes.Length)
            {
                return file.Length - tail + i;
            }
        }
        throw new CheckpointFormatException(file.Path,
            "no zip end-of-central-directory record at the end of the file: it was cut short (an interrupted download) " +
            "or it is not a zip archive. Download it again.");
    }

    private static (long Count, long Size, long Offset) ReadZip64End(MappedFile file, long eocd)
    {
        if (eocd < 20)
        {
            throw Corrupt(file, "the ZIP64 locator is missing");
        }
        byte[] locator = file.ReadBytes(eocd - 20, 20);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
        {
            throw Corrupt(file, "the ZIP64 locator is missing");
        }
        long endOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8));
        if (endOffset < 0 || endOffset > eocd - 20 - 56)
        {
            throw Corrupt(file, "the ZIP64 end record lies outside the file");
        }
        byte[] end = file.ReadBytes(endOffset, 56);
        if (BinaryPrimitives.ReadUInt32LittleEndian(end) != Zip64EndSignature)
        {
            throw Corrupt(file, "the ZIP64 end record is damaged");
        }
        return ((long)BinaryPrimitives.ReadUInt64LittleEndian(end.AsSpan(32)),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(end.AsSpan(40)),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(end.AsSpan(48)));
    }

    private static Entry ReadCentralHeader(MappedFile file, byte[] directory, ref int position)
    {
        ReadOnlySpan<byte> span = directory;
        if (position > span.Length - 46 || BinaryPrimitives.ReadUInt32LittleEndian(span[position..]) != CentralHeaderSignature)
        {
            throw Corrupt(file, $"the central directory is damaged at byte {position}");
        }
        ReadOnlySpan<byte> header = span.Slice(position, 46);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        ushort method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        uint crc32 = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
        long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
        if (position + 46 + nameLength + extraLength + commentLength > span.Length)
        {
            throw Corrupt(file, $"the central directory is damaged at byte {position}");
        }
        string name = Encoding.UTF8.GetString(span.Slice(position + 46, nameLength));
        ReadOnlySpan<byte> extra = span.Slice(position + 46 + nameLength, extraLength);
        position += 46 + nameLength + extraLength + commentLength;

        // ZIP64: the extra field holds the 64-bit values, in this order, of the fields that read 0xFFFFFFFF.
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
            {
                break;
            }
            if (id == Zip64ExtraId)
            {
                ReadOnlySpan<byte> values = extra.Slice(4, size);
                uncompressed = TakeZip64(file, name, ref values, uncompressed);
                compressed = TakeZip64(file, name, ref values, compressed);
                localOffset = TakeZip64(file, name, ref values, localOffset);
            }
            extra = extra[(4 + size)..];
        }
        return new Entry(name, flags, method, compressed, uncompressed, localOffset, crc32);
    }

    private static long TakeZip64(MappedFile file, string name, ref ReadOnlySpan<byte> values, long value)
    {
        if (value != 0xFFFFFFFF)
        {
            return value;
        }
        if (values.Length < 8)
        {
            throw Corrupt(file, $"the ZIP64 field of '{name}' is damaged");
        }
        long wide = (long)BinaryPrimitives.ReadUInt64LittleEndian(values);
        values = values[8..];
        return wide;
    }

    private static CheckpointFormatException Corrupt(MappedFile file, string problem) =>
        new(file.Path, $"not a readable zip archive: {problem}. The file is damaged or incomplete; download it again.");

    private readonly record struct Entry(string Name, ushort Flags, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset, uint Crc32);
}

/// <summary>
/// A STORED zip entry's bytes and the CRC-32 zip recorded for them. torch.save writes the CRC of every storage, so a
/// flipped byte anywhere in a tensor's data is caught the first time the tensor is read (the check runs over the windows
/// the copy maps anyway) instead of turning into silent NaN or garbage outputs.
/// </summary>
internal sealed class StoredEntry(string name, long offset, long length, uint crc32)
{
    private volatile bool _verified;

    /// <summary>The entry's name in the archive (<c>pytorch_model/data/17</c>).</summary>
    public string Name { get; } = name;

    /// <summary>Where its bytes start in the file.</summary>
    public long Offset { get; } = offset;

    /// <summary>How many bytes it has.</summary>
    public long Length { get; } = length;

    /// <summary>The CRC-32 the central directory records.</summary>
    public uint Crc32 { get; } = crc32;

    /// <summary>Whether the bytes have been checked once already (a storage shared by several tensors is checked once).</summary>
    public bool Verified => _verified;

    /// <summary>Compares a CRC computed over all of the entry's bytes with the recorded one.</summary>
    /// <exception cref="CheckpointFormatException">They differ; the message names the entry and the tensor.</exception>
    public void Verify(uint computed, string filePath, string tensorName)
    {
        if (computed != Crc32)
        {
            throw new CheckpointFormatException(filePath,
                $"the zip entry '{Name}' (the data of tensor '{tensorName}') fails its CRC-32 check: the archive records " +
                $"{Crc32:x8}, its {Length} bytes give {computed:x8}. The file was damaged after torch.save wrote it (a bad " +
                "download, copy or disk); download it again.");
        }
        _verified = true;
    }
}
