using System.Globalization;
using System.IO.Compression;
using System.Text;
using AgroNT.MLNet.Variants;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Variants;

public sealed class VcfReaderTests
{
    [Fact]
    public void Parse_SkipsHeader_SplitsMultiAllelic_ReportsMalformed()
    {
        var alleles = VcfReader.Parse(
        [
            "##fileformat=VCFv4.2",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
            "chr1\t10\trs1\ta\tc,G,T\t.\t.\t.",
            "chr1\tten\trs2\tA\tC",
            "chr1\t12\t.\tA",
        ]).ToList();
        Assert.Equal(5, alleles.Count);
        Assert.Equal(["C", "G", "T"], alleles.Take(3).Select(a => a.Alt));
        Assert.All(alleles.Take(3), a => Assert.Equal(("chr1", 10L, "rs1", "A", 3L), (a.Chrom, a.Pos, a.Id, a.Ref, a.Line)));
        Assert.True(alleles[3].Malformed);
        Assert.True(alleles[4].Malformed);
    }

    [Fact]
    public void Read_GzipVcf_StreamsTheSameAlleles()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("v.vcf.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.ASCII.GetBytes("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchr2\t7\tx\tG\tA,C\n"));
        }
        var alleles = VcfReader.Read(path).ToList();
        Assert.Equal([new VariantAllele("chr2", 7, "x", "G", "A", 3), new VariantAllele("chr2", 7, "x", "G", "C", 3)], alleles);
        Assert.Throws<FileNotFoundException>(() => VcfReader.Read(folder.File("missing.vcf")));
    }

    [Fact]
    public void Read_HalfOfAGzipVcf_ThrowsInsteadOfFewerAlleles()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("snvs.vcf.gz");
        byte[] gzip = GzipFiles.Gzip(ChloroplastVcf());
        File.WriteAllBytes(path, gzip[..(gzip.Length / 2)]);

        var exception = Assert.Throws<InvalidDataException>(() => VcfReader.Read(path).Count());

        Assert.Contains(path, exception.Message);
        Assert.Contains("truncated", exception.Message);
    }

    [Fact]
    public void Read_GzipVcfWithFlippedBytes_Throws()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("snvs.vcf.gz");
        byte[] gzip = GzipFiles.Gzip(ChloroplastVcf());
        File.WriteAllBytes(path, GzipFiles.FlipBytes(gzip, gzip.Length / 2, 4));

        Assert.Throws<InvalidDataException>(() => VcfReader.Read(path).Count());
    }

    [Fact]
    public void Read_BgzfVcf_SameAllelesAsPlain_AndACutBetweenBlocksThrows()
    {
        using var folder = new TemporaryFolder();
        byte[] vcf = ChloroplastVcf();
        string plain = folder.File("snvs.vcf"), bgz = folder.File("snvs.vcf.bgz"), cut = folder.File("cut.vcf.gz");
        File.WriteAllBytes(plain, vcf);
        byte[] bgzf = GzipFiles.Bgzf(vcf);
        File.WriteAllBytes(bgz, bgzf);
        var alleles = VcfReader.Read(plain).ToList();
        Assert.Equal(4_176, alleles.Count);
        Assert.Equal(alleles, VcfReader.Read(bgz));

        // The first block alone is a complete gzip member holding whole lines: only BGZF's missing end block shows the cut.
        File.WriteAllBytes(cut, bgzf[..GzipFiles.BgzfBlockStarts(bgzf)[1]]);
        var exception = Assert.Throws<InvalidDataException>(() => VcfReader.Read(cut).Count());
        Assert.Contains(cut, exception.Message);
    }

    /// <summary>A VCF of one SNV every 37 bp of the chloroplast (REF from the genome), about 125 kB.</summary>
    private static byte[] ChloroplastVcf()
    {
        string sequence = FastaReferenceTests.WholeSequence(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"));
        var text = new StringBuilder("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n");
        for (int pos = 1; pos <= sequence.Length; pos += 37)
        {
            char reference = sequence[pos - 1];
            text.Append(CultureInfo.InvariantCulture, $"NC_000932.1\t{pos}\tsnv{pos}\t{reference}\t{(reference == 'A' ? 'G' : 'A')}\t.\t.\t.\n");
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
