using System.IO.Compression;
using AgroNT.MLNet.Variants;
using AgroNT.Tests.Common;

namespace AgroNT.MLNet.Tests.Variants;

public sealed class FastaReferenceTests : IDisposable
{
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");
    private static readonly Lazy<(string Path, string Fai)> s_contigs = new(WriteContigs);

    // Eight contigs of real DNA, X1..X8, cut from the chloroplast genome at lengths around line ends (60 columns).
    private static string ContigsFasta => s_contigs.Value.Path;

    /// <summary>
    /// Writes the eight-contig FASTA and the .fai samtools faidx writes for it, computed here from the layout (name,
    /// length, offset of the first base, bases per line, bytes per line), independently of <see cref="FastaReference"/>.
    /// </summary>
    private static (string Path, string Fai) WriteContigs()
    {
        string dna = WholeSequence(s_chloroplast);
        int[] lengths = [20_040, 20_100, 19_999, 61, 60, 59, 30_001, 24_361];
        var fasta = new System.Text.StringBuilder();
        var fai = new System.Text.StringBuilder();
        int start = 0;
        for (int c = 0; c < lengths.Length; c++)
        {
            string name = $"X{c + 1}";
            fasta.Append('>').Append(name).Append('\n');
            // samtools takes bases per line from the contig's first line: a one-line contig shorter than 60 has its own width.
            int lineBases = Math.Min(60, lengths[c]);
            fai.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}\t{lengths[c]}\t{fasta.Length}\t{lineBases}\t{lineBases + 1}\n");
            for (int i = 0; i < lengths[c]; i += 60)
            {
                fasta.Append(dna.AsSpan(start + i, Math.Min(60, lengths[c] - i))).Append('\n');
            }
            start += lengths[c];
        }
        string path = Path.Combine(Directory.CreateTempSubdirectory("agront-contigs-").FullName, "sample_genome2.fa");
        File.WriteAllText(path, fasta.ToString());
        return (path, fai.ToString());
    }
    private static readonly string s_bac = Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa");
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
    public void Open_HalfAGzipReference_ThrowsInsteadOfAShorterContig()
    {
        string gz = _folder.File("chloroplast.fa.gz");
        byte[] gzip = GzipFiles.Gzip(File.ReadAllBytes(s_chloroplast));
        File.WriteAllBytes(gz, gzip[..(gzip.Length / 2)]);

        var exception = Assert.Throws<InvalidDataException>(() => FastaReference.Open(gz));

        Assert.Contains(gz, exception.Message);
        Assert.Contains("truncated", exception.Message);
    }

    [Fact]
    public void Open_GzipReferenceWithFlippedBytes_Throws()
    {
        string gz = _folder.File("chloroplast.fa.gz");
        byte[] gzip = GzipFiles.Gzip(File.ReadAllBytes(s_chloroplast));
        File.WriteAllBytes(gz, GzipFiles.FlipBytes(gzip, gzip.Length / 3, 8));

        var exception = Assert.Throws<InvalidDataException>(() => FastaReference.Open(gz));

        Assert.Contains(gz, exception.Message);
    }

    [Fact]
    public void Open_BgzfReference_ReadAsSuch_AndACutBetweenBlocksThrows()
    {
        string expected = WholeSequence(s_chloroplast);
        byte[] bgzf = GzipFiles.Bgzf(File.ReadAllBytes(s_chloroplast));
        string bgz = _folder.File("chloroplast.fa.bgz");
        File.WriteAllBytes(bgz, bgzf);
        using (var reference = FastaReference.Open(bgz))
        {
            Assert.Equal(FastaIndexSource.GzipScan, reference.IndexSource);
            Assert.Equal(expected.Length, reference.GetLength("NC_000932.1"));
            Assert.Equal(expected[^300..], reference.Fetch("NC_000932.1", expected.Length - 300, expected.Length));
        }

        // Two of the three data blocks, each a complete gzip member: the contig would silently be 2/3 of its length.
        string cut = _folder.File("cut.fa.gz");
        File.WriteAllBytes(cut, bgzf[..GzipFiles.BgzfBlockStarts(bgzf)[2]]);
        var exception = Assert.Throws<InvalidDataException>(() => FastaReference.Open(cut));
        Assert.Contains("end-of-file block", exception.Message);
    }

    [Fact]
    public void Open_PlainFastaNamedGz_IsIndexedAsPlain()
    {
        string named = _folder.File("plain.fa.gz");
        File.Copy(s_chloroplast, named);

        using var reference = FastaReference.Open(named);

        Assert.Equal(FastaIndexSource.BuiltAndWritten, reference.IndexSource);
        Assert.Equal(WholeSequence(s_chloroplast).Substring(500, 60), reference.Fetch("NC_000932.1", 500, 560));
    }

    [Fact]
    public void Open_ZeroByteFai_IsRebuiltAndWrittenOver()
    {
        string fasta = CopyWithIndex(ContigsFasta, out string goodIndex);
        WriteNewerIndex(fasta, "");

        using var reference = FastaReference.Open(fasta);

        Assert.Equal(FastaIndexSource.BuiltAndWritten, reference.IndexSource);
        Assert.Contains("no contigs", reference.RejectedIndexReason);
        Assert.Equal(goodIndex, File.ReadAllText(fasta + ".fai"));
        Assert.Equal(8, reference.Contigs.Count);
        Assert.Equal(["genome2.fa", "genome2.fa.fai"], _folder.FileNames()); // no temporary file left behind
    }

    [Theory]
    [InlineData(0.5)] // cut inside a line
    [InlineData(0.2)]
    public void Open_TruncatedFai_IsRebuilt(double kept)
    {
        string fasta = CopyWithIndex(ContigsFasta, out string goodIndex);
        WriteNewerIndex(fasta, goodIndex[..(int)(goodIndex.Length * kept)]);

        using var reference = FastaReference.Open(fasta);

        Assert.NotNull(reference.RejectedIndexReason);
        Assert.Equal(goodIndex, File.ReadAllText(fasta + ".fai"));
        Assert.Equal(WholeSequenceOf(ContigsFasta, "X8").Length, reference.GetLength("X8"));
    }

    [Fact]
    public void Open_FaiCutAtALineEnd_MissingContigs_IsRebuilt()
    {
        string fasta = CopyWithIndex(ContigsFasta, out string goodIndex);
        string[] lines = goodIndex.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        WriteNewerIndex(fasta, string.Join('\n', lines[..3]) + "\n");

        using var reference = FastaReference.Open(fasta);

        Assert.Contains("goes on after the last indexed contig", reference.RejectedIndexReason);
        Assert.Equal(8, reference.Contigs.Count);
    }

    [Fact]
    public void Open_FaiOfAnotherFasta_IsRebuilt_OrRefusedWhenItMayNotBeWritten()
    {
        string fasta = _folder.File("chloroplast.fa");
        File.Copy(s_chloroplast, fasta);
        CopyWithIndex(s_bac, out string bacIndex);
        WriteNewerIndex(fasta, bacIndex);

        var refused = Assert.Throws<InvalidDataException>(() => FastaReference.Open(fasta, writeIndex: false));
        Assert.Contains(fasta + ".fai", refused.Message);
        Assert.Contains("does not match", refused.Message);
        Assert.Equal(bacIndex, File.ReadAllText(fasta + ".fai"));

        using var reference = FastaReference.Open(fasta);
        Assert.NotNull(reference.RejectedIndexReason);
        Assert.Equal(WholeSequence(s_chloroplast).Length, reference.GetLength("NC_000932.1"));
        Assert.StartsWith("NC_000932.1\t154478\t", File.ReadAllText(fasta + ".fai"));
    }

    [Fact]
    public void Open_FaiWithAWrongLength_IsRebuilt()
    {
        string fasta = CopyWithIndex(ContigsFasta, out string goodIndex);
        string[] fields = goodIndex.Split('\n')[2].Split('\t');
        string shorter = string.Join('\t', fields[0], (long.Parse(fields[1]) - 60).ToString(), fields[2], fields[3], fields[4]);
        WriteNewerIndex(fasta, goodIndex.Replace(goodIndex.Split('\n')[2], shorter));

        using var reference = FastaReference.Open(fasta);

        Assert.NotNull(reference.RejectedIndexReason);
        Assert.Equal(long.Parse(fields[1]), reference.GetLength(fields[0]));
    }

    [Fact]
    public void Open_BuildsTheIndexSamtoolsFaidxWrites_AndLoadsIt()
    {
        // samtools faidx's layout for this file, computed from how it was written.
        string samtools = s_contigs.Value.Fai;
        string fasta = CopyWithIndex(ContigsFasta, out string built);
        Assert.Equal(samtools, built);

        WriteNewerIndex(fasta, samtools);
        using var reference = FastaReference.Open(fasta, writeIndex: false);
        Assert.Equal(FastaIndexSource.Loaded, reference.IndexSource);
        Assert.Equal(WholeSequenceOf(ContigsFasta, "X8")[^40..], reference.Fetch("X8", 24_321, 24_361));
    }

    [Fact]
    public void Open_ValidFai_IsLoadedWithoutRebuilding()
    {
        string fasta = CopyWithIndex(ContigsFasta, out string goodIndex);
        WriteNewerIndex(fasta, goodIndex);

        using var reference = FastaReference.Open(fasta);

        Assert.Equal(FastaIndexSource.Loaded, reference.IndexSource);
        Assert.Null(reference.RejectedIndexReason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchr1\t5\t.\tA\tC\n")]
    [InlineData("ACGTACGT\n>late\nACGT\n")]
    public void Open_EmptyOrNotFasta_ThrowsInsteadOfAnEmptyReference(string content)
    {
        string plain = _folder.File("reference.fa");
        File.WriteAllText(plain, content);
        string gz = _folder.File("reference.fa.gz");
        File.WriteAllBytes(gz, GzipFiles.Gzip(System.Text.Encoding.ASCII.GetBytes(content)));

        foreach (string path in new[] { plain, gz })
        {
            var exception = Assert.Throws<FormatException>(() => FastaReference.Open(path));
            Assert.Contains("is not a FASTA file", exception.Message);
            Assert.Contains(path, exception.Message);
        }
        Assert.False(File.Exists(plain + ".fai"));
    }

    /// <summary>Copies a FASTA into the folder and returns it, with the text of the index built for it.</summary>
    private string CopyWithIndex(string source, out string index)
    {
        string fasta = _folder.File(Path.GetFileName(source)[(Path.GetFileName(source).IndexOf('_') + 1)..]);
        File.Copy(source, fasta, overwrite: true);
        using (FastaReference.Open(fasta))
        {
        }
        index = File.ReadAllText(fasta + ".fai");
        return fasta;
    }

    /// <summary>Writes an index newer than the FASTA, as a later run would find it.</summary>
    private static void WriteNewerIndex(string fasta, string text)
    {
        File.WriteAllText(fasta + ".fai", text);
        File.SetLastWriteTimeUtc(fasta + ".fai", File.GetLastWriteTimeUtc(fasta).AddMinutes(1));
    }

    private static string WholeSequenceOf(string fasta, string name) =>
        string.Concat(File.ReadLines(fasta).SkipWhile(l => l != ">" + name).Skip(1).TakeWhile(l => !l.StartsWith('>')).Select(l => l.Trim())).ToUpperInvariant();

    [Fact]
    public void GenomeRegion_ParsesAndRejects()
    {
        Assert.Equal(new GenomeRegion("NC_000932.1", 1001, 1100), GenomeRegion.Parse("NC_000932.1:1,001-1100"));
        Assert.Throws<FormatException>(() => GenomeRegion.Parse("chr1:200-100"));
        Assert.Throws<FormatException>(() => GenomeRegion.Parse("chr1"));
    }
}
