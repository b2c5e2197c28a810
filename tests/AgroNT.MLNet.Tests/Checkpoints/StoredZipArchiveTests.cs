using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Tests.Checkpoints.Support;

namespace AgroNT.MLNet.Tests.Checkpoints;

public sealed class StoredZipArchiveTests
{
    [Fact]
    public void GetStoredData_EveryEntryOfTheTinyBin_MatchesTheBclZipReader()
    {
        using MappedFile file = MappedFile.Open(TinyModel.Bin);
        StoredZipArchive archive = StoredZipArchive.Read(file);
        using ZipArchive reference = ZipFile.OpenRead(TinyModel.Bin);

        Assert.Equal(reference.Entries.Select(e => e.FullName), archive.EntryNames);
        foreach (ZipArchiveEntry entry in reference.Entries)
        {
            (long offset, long length) = archive.GetStoredData(entry.FullName);
            Assert.Equal(ReadAll(entry), file.ReadBytes(offset, (int)length));
        }
    }

    [Fact]
    public void Read_Zip64Archive_ResolvesSizesAndOffsetsFromTheExtraField()
    {
        byte[] zip = TorchZip.Build([("a/data.pkl", [1, 2, 3]), ("a/data/0", Encoding.ASCII.GetBytes("hello world"))], zip64: true);
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("z.bin"), zip);
        using MappedFile file = MappedFile.Open(temp.File("z.bin"));

        StoredZipArchive archive = StoredZipArchive.Read(file);

        (long offset, long length) = archive.GetStoredData("a/data/0");
        Assert.Equal("hello world", Encoding.ASCII.GetString(file.ReadBytes(offset, (int)length)));
        Assert.Equal(0, offset % 64); // the builder pads like torch.save
        // The hand-built ZIP64 archive is also valid for the BCL's reader.
        using var reference = new ZipArchive(new MemoryStream(zip));
        Assert.Equal("hello world", Encoding.ASCII.GetString(ReadAll(reference.GetEntry("a/data/0")!)));
    }

    [Fact]
    public void GetStoredData_DeflatedEntry_ThrowsCompressed()
    {
        using var temp = new TempFolder();
        using (ZipArchive zip = ZipFile.Open(temp.File("z.bin"), ZipArchiveMode.Create))
        using (Stream stream = zip.CreateEntry("a/data/0", CompressionLevel.Optimal).Open())
        {
            stream.Write(new byte[1000]);
        }
        using MappedFile file = MappedFile.Open(temp.File("z.bin"));
        StoredZipArchive archive = StoredZipArchive.Read(file);

        var error = Assert.Throws<CheckpointFormatException>(() => archive.GetStoredData("a/data/0"));

        Assert.Contains("compressed (zip method 8)", error.Message);
    }

    [Fact]
    public void GetStoredData_EntryLongerThanTheFile_ThrowsCutShort()
    {
        byte[] zip = TorchZip.Build([("a/data/0", new byte[100])]);
        int directory = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(zip.Length - 6));
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(directory + 20), 1_000_000);
        BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(directory + 24), 1_000_000);
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("z.bin"), zip);
        using MappedFile file = MappedFile.Open(temp.File("z.bin"));
        StoredZipArchive archive = StoredZipArchive.Read(file);

        var error = Assert.Throws<CheckpointFormatException>(() => archive.GetStoredData("a/data/0"));

        Assert.Contains("cut short", error.Message);
    }

    [Fact]
    public void GetStoredData_UnknownEntry_ThrowsNamingIt()
    {
        using MappedFile file = MappedFile.Open(TinyModel.Bin);
        StoredZipArchive archive = StoredZipArchive.Read(file);

        Assert.False(archive.Contains("pytorch_model/data/99"));
        var error = Assert.Throws<CheckpointFormatException>(() => archive.GetStoredData("pytorch_model/data/99"));
        Assert.Contains("no entry 'pytorch_model/data/99'", error.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100_000)]
    public void Read_ArchiveWithoutItsEnd_ThrowsCutShort(int keep)
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("z.bin"), File.ReadAllBytes(TinyModel.Bin)[..keep]);
        using MappedFile file = MappedFile.Open(temp.File("z.bin"));

        var error = Assert.Throws<CheckpointFormatException>(() => StoredZipArchive.Read(file));

        Assert.Contains("cut short", error.Message);
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using Stream stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
