using System.IO.Compression;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class SequenceReaderTests : IDisposable
{
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");
    private static readonly string s_bac = Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa");
    private static readonly string? s_genome2 = SharedData.OptionalLargeData("arabidopsis_genome2.fa");

    private readonly string _directory = Directory.CreateTempSubdirectory("agront-seqreader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // A 241-kb two-record FASTA of real DNA (chloroplast genome, then the BAC clone) for multi-record round trips.
    private string TwoGenomes()
    {
        string path = Path.Combine(_directory, "two-genomes.fa");
        File.WriteAllText(path, File.ReadAllText(s_chloroplast) + File.ReadAllText(s_bac));
        return path;
    }

    [Theory]
    [InlineData("a.fa", SequenceFileFormat.Fasta)]
    [InlineData("dir.v2/a.fasta", SequenceFileFormat.Fasta)]
    [InlineData("a.fna.gz", SequenceFileFormat.Fasta)]
    [InlineData("a.fa.bgz", SequenceFileFormat.Fasta)]
    [InlineData("A.FAS", SequenceFileFormat.Fasta)]
    [InlineData("reads.fq", SequenceFileFormat.Fastq)]
    [InlineData("reads.FASTQ.GZ", SequenceFileFormat.Fastq)]
    [InlineData("seqs.txt", SequenceFileFormat.PlainText)]
    [InlineData("seqs.txt.gz", SequenceFileFormat.PlainText)]
    public void DetectFormat_KnownExtensions_ReturnTheirFormat(string path, SequenceFileFormat expected)
    {
        Assert.Equal(expected, SequenceReader.DetectFormat(path));
    }

    [Theory]
    [InlineData("genome.gb")]
    [InlineData("genome")]
    [InlineData("genome.gz")]
    [InlineData("genome.fa.bz2")]
    public void DetectFormat_UnknownExtension_ThrowsNamingFileAndAcceptedExtensions(string path)
    {
        var exception = Assert.Throws<ArgumentException>(() => SequenceReader.DetectFormat(path));

        Assert.Contains($"'{path}'", exception.Message);
        Assert.Contains(".fa, .fasta, .fna, .fas", exception.Message);
        Assert.Contains(".fq, .fastq", exception.Message);
        Assert.Contains(".txt", exception.Message);
        Assert.Equal("path", exception.ParamName);
    }

    [Fact]
    public void ReadFile_ChloroplastGenome_OneRecordWithTheDocumentedComposition()
    {
        var record = Assert.Single(SequenceReader.ReadFile(s_chloroplast));

        Assert.Equal("NC_000932.1", record.Name);
        Assert.Equal("Arabidopsis thaliana chloroplast, complete genome.", record.Description);
        Assert.Equal(1, record.LineNumber);
        Assert.Equal(154_478, record.Sequence.Length);
        var counts = record.Sequence.CountBy(c => c).ToDictionary();
        Assert.Equal(new Dictionary<char, int> { ['A'] = 48_546, ['C'] = 28_496, ['G'] = 27_570, ['T'] = 49_866 }, counts);
    }

    [Fact]
    public void ReadFile_BacClone_OneRecordOf86436Bases()
    {
        var record = Assert.Single(SequenceReader.ReadFile(s_bac));

        Assert.Equal("AC007323.5", record.Name);
        Assert.Equal(86_436, record.Sequence.Length);
        Assert.Equal(15_069 + 15_360, record.Sequence.Count(c => c is 'C' or 'G'));
    }

    [Fact]
    public void ReadFile_SoftMaskedGenome_EightContigsWithLowercaseKept()
    {
        if (s_genome2 is null)
        {
            return; // the 1 Mb soft-masked genome is optional data beside the checkout (present in CI)
        }
        var records = SequenceReader.ReadFile(s_genome2).ToList();

        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"X{i}"), records.Select(r => r.Name));
        Assert.Equal(1_000_001, records.Sum(r => r.Sequence.Length));
        Assert.All(records, r => Assert.InRange(r.Sequence.Length, 124_361, 125_100));
        // The data README: 34,960 soft-masked (lowercase) bases and no letter other than A, C, G, T in either case.
        Assert.Equal(34_960, records.Sum(r => r.Sequence.Count(char.IsLower)));
        Assert.All(records, r => Assert.Equal(-1, r.Sequence.AsSpan().IndexOfAnyExcept("ACGTacgt")));
    }

    [Fact]
    public void ReadFile_TaskFiles_RecordCountsAndLengths()
    {
        var coding = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa")).ToList();
        var features = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_features", "train.fa")).ToList();

        Assert.Equal(1_204, coding.Count);
        Assert.All(coding, r => Assert.Equal(402, r.Sequence.Length));
        Assert.Equal(355, features.Count);
        Assert.All(features, r => Assert.Equal(1000, r.Sequence.Length));
    }

    [Fact]
    public void ReadFile_GzipRoundTrip_SameRecordsAsThePlainFile()
    {
        string gz = Path.Combine(_directory, "genome2.fa.gz");
        string plain = TwoGenomes();
        using (FileStream source = File.OpenRead(plain))
        using (var target = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            source.CopyTo(target);
        }

        Assert.Equal(SequenceReader.ReadFile(plain), SequenceReader.ReadFile(gz));
    }

    [Fact]
    public void ReadFile_CorruptGzip_ThrowsSequenceFormatExceptionNamingTheFile()
    {
        string gz = Path.Combine(_directory, "broken.fa.gz");
        using (var output = new MemoryStream())
        {
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(File.ReadAllBytes(s_bac));
            }
            byte[] bytes = output.ToArray();
            for (int i = 2_000; i < 2_400; i++)
            {
                bytes[i] ^= 0x5A;
            }
            File.WriteAllBytes(gz, bytes);
        }

        var exception = Assert.Throws<SequenceFormatException>(() => SequenceReader.ReadFile(gz).ToList());

        Assert.Equal(gz, exception.SourceName);
        Assert.Contains("gzip data is unreadable", exception.Message);
        Assert.IsType<InvalidDataException>(exception.InnerException);
    }

    [Fact]
    public void ReadFile_TruncatedGzip_ThrowsInsteadOfYieldingAShorterGenome()
    {
        string gz = Path.Combine(_directory, "chloroplast.fa.gz");
        using (var output = new MemoryStream())
        {
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(File.ReadAllBytes(s_chloroplast));
            }
            File.WriteAllBytes(gz, output.ToArray()[..(int)(output.Length * 2 / 3)]);
        }

        var exception = Assert.Throws<SequenceFormatException>(() => SequenceReader.ReadFile(gz).ToList());

        Assert.Contains("truncated", exception.Message);
        Assert.Contains("gzip -t", exception.Message);
    }

    [Fact]
    public void ReadFile_Bgzf_SameRecordsAsThePlainFile_AndCutBetweenBlocksThrows()
    {
        string bgz = Path.Combine(_directory, "chloroplast.fa.bgz");
        byte[] bgzf = GzipFiles.Bgzf(File.ReadAllBytes(s_chloroplast));
        File.WriteAllBytes(bgz, bgzf);
        Assert.Equal(SequenceReader.ReadFile(s_chloroplast), SequenceReader.ReadFile(bgz));
        Assert.Equal(SequenceReader.ReadChunks(s_chloroplast, 1000, 100), SequenceReader.ReadChunks(bgz, 1000, 100));

        // Two whole blocks of three: every member is complete, so only the missing BGZF end block shows the cut.
        File.WriteAllBytes(bgz, bgzf[..GzipFiles.BgzfBlockStarts(bgzf)[2]]);
        var exception = Assert.Throws<SequenceFormatException>(() => SequenceReader.ReadFile(bgz).ToList());

        Assert.Contains("truncated", exception.Message);
        Assert.Contains("gzip -t", exception.Message);
    }

    [Fact]
    public void ReadFile_MissingFile_ThrowsAtOnceWithTheFullPath()
    {
        string missing = Path.Combine(_directory, "nope", "missing.fa");

        var exception = Assert.Throws<FileNotFoundException>(() => SequenceReader.ReadFile(missing));

        Assert.Equal(Path.GetFullPath(missing), exception.FileName);
        Assert.Contains(Path.GetFullPath(missing), exception.Message);
    }

    [Fact]
    public void ReadFile_UnknownExtensionWithoutFormat_ThrowsAtOnce()
    {
        Assert.Throws<ArgumentException>(() => SequenceReader.ReadFile(Path.Combine(_directory, "genome.gb")));
    }

    [Fact]
    public void ReadFile_ExplicitFormat_OverridesTheExtension()
    {
        string path = Path.Combine(_directory, "reads.dat");
        File.WriteAllText(path, "@r\nAC\n+\nII\n");

        var record = Assert.Single(SequenceReader.ReadFile(path, SequenceFileFormat.Fastq));

        Assert.Equal(("r", "AC", "II"), (record.Name, record.Sequence, record.Quality));
    }

    [Fact]
    public void ReadFile_MalformedLaterInTheFile_FirstRecordIsYieldedBeforeTheError()
    {
        string path = Path.Combine(_directory, "reads.fq");
        File.WriteAllText(path, "@ok\nACGT\n+\nIIII\n@bad\nACGT\n+\nIII\n");

        Assert.Equal("ok", SequenceReader.ReadFile(path).First().Name);
        var exception = Assert.Throws<SequenceFormatException>(() => SequenceReader.ReadFile(path).ToList());
        Assert.StartsWith($"{path}, line 8: quality has 3 characters but the sequence has 4 (FASTQ record 'bad')", exception.Message);
    }

    [Fact]
    public void ReadFile_EnumeratedTwice_ReadsTheFileAgainAndReleasesIt()
    {
        string path = Path.Combine(_directory, "twice.txt");
        File.WriteAllText(path, "AC\nGT\n");
        var records = SequenceReader.ReadFile(path);

        Assert.Equal(records.ToList(), records.ToList());
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ReadFile_CrlfCopyOfTheBacClone_SameRecord()
    {
        string crlf = Path.Combine(_directory, "bac_crlf.fasta");
        File.WriteAllText(crlf, File.ReadAllText(s_bac).Replace("\n", "\r\n"));

        Assert.Equal(SequenceReader.ReadFile(s_bac), SequenceReader.ReadFile(crlf));
    }

    [Fact]
    public void Read_NullArguments_ThrowAtOnce()
    {
        Assert.Throws<ArgumentNullException>(() => SequenceReader.Read(null!, SequenceFileFormat.Fasta));
        Assert.Throws<ArgumentNullException>(() => SequenceReader.Read(new StringReader(""), SequenceFileFormat.Fasta, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceReader.Read(new StringReader(""), (SequenceFileFormat)9));
    }

    [Fact]
    public void Read_NoSourceName_ErrorsSayInput()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => SequenceReader.Read(new StringReader("ACGT"), SequenceFileFormat.Fasta).ToList());

        Assert.StartsWith("<input>, line 1:", exception.Message);
    }

    [Fact]
    public void ReadChunks_GzipGenomeByExtension_RebuildsEveryContig()
    {
        string gz = Path.Combine(_directory, "genome2.fna.gz");
        string plain = TwoGenomes();
        using (FileStream source = File.OpenRead(plain))
        using (var target = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            source.CopyTo(target);
        }
        var expected = SequenceReader.ReadFile(plain).ToList();

        var rebuilt = new List<(string Name, string Sequence)>();
        var sequence = new System.Text.StringBuilder();
        foreach (SequenceChunk chunk in SequenceReader.ReadChunks(gz, 6200, 100))
        {
            sequence.Append(chunk.Sequence.AsSpan((int)(sequence.Length - chunk.Start)));
            if (chunk.IsLastInRecord)
            {
                rebuilt.Add((chunk.RecordName, sequence.ToString()));
                sequence.Clear();
            }
        }

        Assert.Equal(expected.Select(r => (r.Name, r.Sequence)), rebuilt);
    }

    [Fact]
    public void ReadChunks_ExplicitFormat_ReadsAnyFileName()
    {
        string path = Path.Combine(_directory, "seqs.data");
        File.WriteAllText(path, "ACGTAC\n");

        var chunks = SequenceReader.ReadChunks(path, 4, 0, SequenceFileFormat.PlainText).ToList();

        Assert.Equal([(0L, "ACGT"), (2L, "GTAC")], chunks.Select(c => (c.Start, c.Sequence)));
    }

    [Fact]
    public void ReadChunks_MissingFile_ThrowsAtOnce()
    {
        Assert.Throws<FileNotFoundException>(() => SequenceReader.ReadChunks(Path.Combine(_directory, "missing.fa"), 10, 2));
    }
}
