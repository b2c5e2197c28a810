using System.IO.Compression;
using AgroNT.MLNet.Analysis.Variants;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Analysis.Variants;

public sealed class FastaReferenceTests : IDisposable
{
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static string WholeSequence(string fasta) =>
        string.Concat(File.ReadLines(fasta).Skip(1).TakeWhile(l => !l.StartsWith('>')).Select(l => l.Trim())).ToUpperInvariant();

    [Fact]
    public void Open_NoIndex_BuildsFaiBesideTheFastaAndReusesIt()
    {
        string copy = _folder.File("chloroplast.fa");
        File.Copy(s_chloroplast, copy);
        string expected = WholeSequence(copy);
        using (var built = FastaReference.Open(copy))
        {
            Assert.Equal(FastaIndexSource.BuiltAndWritten, built.IndexSource);
            Assert.True(File.Exists(copy + ".fai"));
            Assert.Equal(expected.Length, built.GetLength("NC_000932.1"));
            Assert.Equal(expected.Substring(59, 125), built.Fetch("NC_000932.1", 59, 184));
        }
        using var reused = FastaReference.Open(copy);
        Assert.Equal(FastaIndexSource.Loaded, reused.IndexSource);
        Assert.Equal(expected[^7..], reused.Fetch("NC_000932.1", expected.Length - 7, expected.Length));
        Assert.Equal(expected.Substring(1000, 1), reused.Fetch("NC_000932.1", 1000, 1001));
        Assert.Null(reused.GetLength("chrZ"));
    }

    [Fact]
    public void Open_ReadOnlyFolderOrGzip_StillGivesRandomAccess()
    {
        string expected = WholeSequence(s_chloroplast);
        using (var shared = FastaReference.Open(s_chloroplast, writeIndex: false))
        {
            Assert.Equal(FastaIndexSource.BuiltInMemory, shared.IndexSource);
            Assert.False(File.Exists(s_chloroplast + ".fai"));
            Assert.Equal(expected.Substring(70_000, 300), shared.Fetch("NC_000932.1", 70_000, 70_300));
        }
        string gz = _folder.File("chloroplast.fa.gz");
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        using (var input = File.OpenRead(s_chloroplast))
        {
            input.CopyTo(output);
        }
        using var zipped = FastaReference.Open(gz);
        Assert.Equal(FastaIndexSource.GzipScan, zipped.IndexSource);
        Assert.Equal(expected.Length, zipped.GetLength("NC_000932.1"));
        Assert.Equal(expected.Substring(70_000, 300), zipped.Fetch("NC_000932.1", 70_000, 70_300));
    }

    [Fact]
    public void GenomeRegion_ParsesAndRejects()
    {
        Assert.Equal(new GenomeRegion("NC_000932.1", 1001, 1100), GenomeRegion.Parse("NC_000932.1:1,001-1100"));
        Assert.Throws<FormatException>(() => GenomeRegion.Parse("chr1:200-100"));
        Assert.Throws<FormatException>(() => GenomeRegion.Parse("chr1"));
    }
}
