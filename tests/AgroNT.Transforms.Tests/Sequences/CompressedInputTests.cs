using System.IO.Compression;
using System.Text;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class CompressedInputTests : IDisposable
{
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");
    private readonly string _directory = Directory.CreateTempSubdirectory("agront-compressed-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IsGzip_UnseekableStream_ReplaysTheBytesItPeeked(bool gzip)
    {
        byte[] bytes = gzip ? Gzip("ACGT") : Encoding.UTF8.GetBytes("ACGT");
        using var stream = new UnseekableStream(bytes);

        Assert.Equal(gzip, CompressedInput.IsGzip(stream, out Stream rewound));
        using var copy = new MemoryStream();
        rewound.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void IsGzip_SeekableStream_RewindsItself()
    {
        using var stream = new MemoryStream(Gzip("ACGT"));

        Assert.True(CompressedInput.IsGzip(stream, out Stream rewound));
        Assert.Same(stream, rewound);
        Assert.Equal(0, stream.Position);
    }

    [Theory]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.SmallestSize)]
    [InlineData(CompressionLevel.NoCompression)]
    public void Decompress_TruncatedAnywhere_ThrowsInsteadOfReturningLessText(CompressionLevel level)
    {
        string text = File.ReadAllText(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa"));
        byte[] bytes = GzipFiles.Gzip(Encoding.UTF8.GetBytes(text), level);
        var random = new Random(17);
        IEnumerable<int> cuts = Enumerable.Range(0, 40).Select(_ => random.Next(1, bytes.Length))
            .Concat(Enumerable.Range(1, 12).Select(k => bytes.Length - k));

        foreach (int cut in cuts)
        {
            using var stream = CompressedInput.Decompress(new MemoryStream(bytes, 0, cut));
            using var reader = new StreamReader(stream);

            Assert.Throws<InvalidDataException>(() => reader.ReadToEnd());
        }
    }

    [Fact]
    public void Decompress_CompleteMembers_ReturnsExactlyTheText()
    {
        using var stream = CompressedInput.Decompress(new MemoryStream([.. Gzip(">a\nAC\n"), .. Gzip(""), .. Gzip(">b\nGT\n")]));
        using var reader = new StreamReader(stream);

        Assert.Equal(">a\nAC\n>b\nGT\n", reader.ReadToEnd());
        Assert.Equal(0, stream.Read(new byte[4]));
    }

    [Fact]
    public void Decompress_EmptyMember_ReturnsNoText()
    {
        byte[] emptyMember = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        using var reader = new StreamReader(CompressedInput.Decompress(new MemoryStream(emptyMember)));

        Assert.Equal("", reader.ReadToEnd());
    }

    [Fact]
    public void Decompress_BytesAfterTheLastMember_Throws()
    {
        using var reader = new StreamReader(CompressedInput.Decompress(new MemoryStream([.. Gzip("ACGT"), 1, 2, 3])));

        Assert.Throws<InvalidDataException>(() => reader.ReadToEnd());
    }

    [Fact]
    public void Decompress_UnseekableInput_Works()
    {
        using var input = new UnseekableStream(Gzip(">x\nACGT\n"));
        Assert.True(CompressedInput.IsGzip(input, out Stream rewound));
        using var reader = new StreamReader(CompressedInput.Decompress(rewound));

        Assert.Equal(">x\nACGT\n", reader.ReadToEnd());
    }

    [Fact]
    public void Decompress_MultiBlockBgzf_ReturnsExactlyTheFile()
    {
        byte[] plain = File.ReadAllBytes(s_chloroplast);
        byte[] bgzf = GzipFiles.Bgzf(plain);
        Assert.Equal(4, GzipFiles.BgzfBlockStarts(bgzf).Count); // three data blocks and the end block

        Assert.Equal(plain, ReadAll(CompressedInput.Decompress(new MemoryStream(bgzf))));
        Assert.Equal(plain, ReadAll(CompressedInput.Decompress(new UnseekableStream(bgzf))));
    }

    [Fact]
    public void Decompress_BgzfCutBetweenBlocks_Throws()
    {
        // Every cut here leaves whole gzip members, which plain gzip cannot tell from a complete file: BGZF's end block can.
        byte[] bgzf = GzipFiles.Bgzf(File.ReadAllBytes(s_chloroplast));
        foreach (int cut in GzipFiles.BgzfBlockStarts(bgzf).Skip(1))
        {
            var exception = Assert.Throws<InvalidDataException>(() => ReadAll(CompressedInput.Decompress(new MemoryStream(bgzf[..cut]))));
            Assert.Contains("end-of-file block", exception.Message);
        }
    }

    [Fact]
    public void Decompress_BgzfCutInsideABlockOrFlipped_Throws()
    {
        byte[] bgzf = GzipFiles.Bgzf(File.ReadAllBytes(s_chloroplast));
        int second = GzipFiles.BgzfBlockStarts(bgzf)[1];
        Assert.Throws<InvalidDataException>(() => ReadAll(CompressedInput.Decompress(new MemoryStream(bgzf[..(bgzf.Length / 2)]))));
        Assert.Throws<InvalidDataException>(() => ReadAll(CompressedInput.Decompress(new MemoryStream(GzipFiles.FlipBytes(bgzf, second + 5_000, 16)))));
    }

    [Fact]
    public void Decompress_EmptyBgzf_IsEmpty()
    {
        Assert.Empty(ReadAll(CompressedInput.Decompress(new MemoryStream(GzipFiles.BgzfEndBlock))));
    }

    [Theory]
    [InlineData(8)] // the CRC-32 of the data
    [InlineData(4)] // the length of the data
    public void Decompress_WrongTrailer_Throws(int fromEnd)
    {
        // The deflate data is intact: only the member's trailer check can tell.
        byte[] gzip = GzipFiles.Gzip(File.ReadAllBytes(s_chloroplast));
        byte[] damaged = GzipFiles.FlipBytes(gzip, gzip.Length - fromEnd, 1);

        Assert.Throws<InvalidDataException>(() => ReadAll(CompressedInput.Decompress(new MemoryStream(damaged))));
    }

    [Fact]
    public void OpenRead_HalfAGzipFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(_directory, "chloroplast.fa.gz");
        byte[] gzip = GzipFiles.Gzip(File.ReadAllBytes(s_chloroplast));
        File.WriteAllBytes(path, gzip[..(gzip.Length / 2)]);

        using Stream stream = CompressedInput.OpenRead(path);
        var exception = Assert.Throws<InvalidDataException>(() => ReadAll(stream));

        Assert.Contains(path, exception.Message);
        Assert.Contains("truncated", exception.Message);
        Assert.Contains($"gzip -t {path}", exception.Message);
    }

    [Fact]
    public void OpenRead_PlainAndCompressedFiles_GiveTheSameBytes()
    {
        byte[] plain = File.ReadAllBytes(s_chloroplast);
        string gz = Path.Combine(_directory, "c.fa.gz"), bgz = Path.Combine(_directory, "c.fa.bgz"), text = Path.Combine(_directory, "c.gz");
        File.WriteAllBytes(gz, GzipFiles.Gzip(plain));
        File.WriteAllBytes(bgz, GzipFiles.Bgzf(plain));
        File.WriteAllBytes(text, plain);

        Assert.All(new[] { gz, bgz, text, s_chloroplast }, path =>
        {
            using Stream stream = CompressedInput.OpenRead(path);
            Assert.Equal(plain, ReadAll(stream));
        });
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    private static byte[] Gzip(string text, CompressionLevel level = CompressionLevel.Fastest) => GzipFiles.Gzip(Encoding.UTF8.GetBytes(text), level);

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
