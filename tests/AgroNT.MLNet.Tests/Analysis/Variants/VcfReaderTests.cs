using System.IO.Compression;
using System.Text;
using AgroNT.MLNet.Analysis.Variants;

namespace AgroNT.MLNet.Tests.Analysis.Variants;

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
}
