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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IsGzip_UnseekableStream_ReplaysTheBytesItPeeked(bool gzip)
    {
        byte[] bytes = gzip ? Gzip("ACGT") : Encoding.UTF8.GetBytes("ACGT");
        using var stream = new UnseekableStream(bytes);

        Assert.Equal(gzip, SequenceFile.IsGzip(stream, out Stream rewound));
        using var copy = new MemoryStream();
        rewound.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void IsGzip_SeekableStream_RewindsItself()
    {
        using var stream = new MemoryStream(Gzip("ACGT"));

        Assert.True(SequenceFile.IsGzip(stream, out Stream rewound));
        Assert.Same(stream, rewound);
        Assert.Equal(0, stream.Position);
    }

    [Theory]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.SmallestSize)]
    [InlineData(CompressionLevel.NoCompression)]
    public void DecompressGzip_TruncatedAnywhere_ThrowsInsteadOfReturningLessText(CompressionLevel level)
    {
        string text = File.ReadAllText(Path.Combine(AgroNT.Tests.Common.SharedData.Data, "tasks", "chloroplast_coding", "test.fa"));
        byte[] bytes = Gzip(text, level);
        var random = new Random(17);
        IEnumerable<int> cuts = Enumerable.Range(0, 40).Select(_ => random.Next(1, bytes.Length))
            .Concat(Enumerable.Range(1, 12).Select(k => bytes.Length - k));

        foreach (int cut in cuts)
        {
            using var stream = SequenceFile.DecompressGzip(new MemoryStream(bytes, 0, cut));
            using var reader = new StreamReader(stream);

            Assert.Throws<InvalidDataException>(() => reader.ReadToEnd());
        }
    }

    [Fact]
    public void DecompressGzip_CompleteMembers_ReturnsExactlyTheText()
    {
        using var stream = SequenceFile.DecompressGzip(new MemoryStream([.. Gzip(">a\nAC\n"), .. Gzip(""), .. Gzip(">b\nGT\n")]));
        using var reader = new StreamReader(stream);

        Assert.Equal(">a\nAC\n>b\nGT\n", reader.ReadToEnd());
        Assert.Equal(0, stream.Read(new byte[4]));
    }

    [Fact]
    public void DecompressGzip_EmptyMember_ReturnsNoText()
    {
        byte[] emptyMember = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        using var reader = new StreamReader(SequenceFile.DecompressGzip(new MemoryStream(emptyMember)));

        Assert.Equal("", reader.ReadToEnd());
    }

    [Fact]
    public void DecompressGzip_BytesAfterTheLastMember_Throws()
    {
        using var reader = new StreamReader(SequenceFile.DecompressGzip(new MemoryStream([.. Gzip("ACGT"), 1, 2, 3])));

        Assert.Throws<InvalidDataException>(() => reader.ReadToEnd());
    }

    [Fact]
    public void DecompressGzip_UnseekableInput_Works()
    {
        using var input = new UnseekableStream(Gzip(">x\nACGT\n"));
        Assert.True(SequenceFile.IsGzip(input, out Stream rewound));
        using var reader = new StreamReader(SequenceFile.DecompressGzip(rewound));

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

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
