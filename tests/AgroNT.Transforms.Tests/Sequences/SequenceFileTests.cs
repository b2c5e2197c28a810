using System.IO.Compression;
using System.Text;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class SequenceFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("agront-seqfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void OpenText_GzipContentWithoutGzExtension_IsDecompressed()
    {
        string path = Path.Combine(_directory, "reads.fa");
        File.WriteAllBytes(path, Gzip(">x\nACGT\n"));

        using StreamReader reader = SequenceFile.OpenText(path);

        Assert.Equal(">x\nACGT\n", reader.ReadToEnd());
    }

    [Fact]
    public void OpenText_PlainContentWithGzExtension_IsReadAsItIs()
    {
        string path = Path.Combine(_directory, "reads.fa.gz");
        File.WriteAllText(path, ">x\nACGT\n");

        using StreamReader reader = SequenceFile.OpenText(path);

        Assert.Equal(">x\nACGT\n", reader.ReadToEnd());
    }

    [Fact]
    public void OpenText_ConcatenatedGzipMembers_ReadsThemAll()
    {
        string path = Path.Combine(_directory, "bgzip-like.fa.gz");
        File.WriteAllBytes(path, [.. Gzip(">a\nAC\n"), .. Gzip(">b\nGT\n")]);

        using StreamReader reader = SequenceFile.OpenText(path);

        Assert.Equal(">a\nAC\n>b\nGT\n", reader.ReadToEnd());
    }

    [Theory]
    [InlineData("")]
    [InlineData("A")]
    public void OpenText_FilesShorterThanTheMagic_AreReadAsText(string content)
    {
        string path = Path.Combine(_directory, "tiny.txt");
        File.WriteAllText(path, content);

        using StreamReader reader = SequenceFile.OpenText(path);

        Assert.Equal(content, reader.ReadToEnd());
    }

    [Fact]
    public void OpenText_Utf16WithByteOrderMark_IsDecoded()
    {
        string path = Path.Combine(_directory, "utf16.fa");
        File.WriteAllText(path, ">x\nACGT\n", Encoding.Unicode);

        using StreamReader reader = SequenceFile.OpenText(path);

        Assert.Equal(">x\nACGT\n", reader.ReadToEnd());
    }

    private static byte[] Gzip(string text, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return output.ToArray();
    }
}
