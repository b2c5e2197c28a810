using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class FastaScannerTests
{
    [Fact]
    public void Read_MultiLineRecords_JoinsLinesAndSplitsHeaders()
    {
        var records = ReadFasta(">r1 first record\nACGT\nTTGA\nCC\n>r2\nGGGG\n");

        Assert.Equal(
            [
                new SequenceRecord("r1", "first record", "ACGTTTGACC", 1),
                new SequenceRecord("r2", "", "GGGG", 5),
            ],
            records);
    }

    [Fact]
    public void Read_CrlfLineEnds_GiveTheSameRecordsAsLf()
    {
        const string Lf = ">a desc\nACGT\nAC\n\n>b\nTT\n";

        Assert.Equal(ReadFasta(Lf), ReadFasta(Lf.Replace("\n", "\r\n")));
    }

    [Fact]
    public void Read_BlankAndWhitespaceOnlyLines_AreIgnoredEverywhere()
    {
        var records = ReadFasta("\n  \n\t\n>a\n\nAC\n   \nGT\n\n\n>b\n\nTT\n\n");

        Assert.Equal(["ACGT", "TT"], records.Select(r => r.Sequence));
        Assert.Equal([4L, 11L], records.Select(r => r.LineNumber));
    }

    [Fact]
    public void Read_SoftMaskedLowercaseAndIupac_KeptVerbatim()
    {
        var record = Assert.Single(ReadFasta(">x\nACGTacgtNnRYkm\nuU\n"));

        Assert.Equal("ACGTacgtNnRYkmuU", record.Sequence);
    }

    [Theory]
    [InlineData(">a\n>b\nAC\n", new[] { "", "AC" })]
    [InlineData(">a\nAC\n>b\n", new[] { "AC", "" })]
    [InlineData(">a\n>b", new[] { "", "" })]
    [InlineData(">a", new[] { "" })]
    public void Read_HeaderWithoutSequence_YieldsEmptySequence(string text, string[] sequences)
    {
        Assert.Equal(sequences, ReadFasta(text).Select(r => r.Sequence));
    }

    [Theory]
    [InlineData(">\nACGT\n")]
    [InlineData(">   \nACGT\n")]
    public void Read_HeaderWithoutName_YieldsEmptyName(string text)
    {
        var record = Assert.Single(ReadFasta(text));

        Assert.Equal(("", "", "ACGT"), (record.Name, record.Description, record.Sequence));
    }

    [Fact]
    public void Read_SpaceAfterTheGreaterThanSign_SkipsItBeforeTheName()
    {
        var record = Assert.Single(ReadFasta(">  chr1\tAt chromosome 1 \nAC\n"));

        Assert.Equal(("chr1", "At chromosome 1"), (record.Name, record.Description));
    }

    [Fact]
    public void Read_WhitespaceInSequenceLines_TrimsLineEndsAndKeepsInteriorSpaces()
    {
        var record = Assert.Single(ReadFasta(">x\n  ACG T \t\n\tGG  CC\r\n"));

        Assert.Equal("ACG TGG  CC", record.Sequence);
        Assert.Null(record.Quality);
    }

    [Fact]
    public void Read_EmptyInputOrOnlyBlankLines_YieldsNoRecords()
    {
        Assert.Empty(ReadFasta(""));
        Assert.Empty(ReadFasta("\n \r\n\t\n"));
    }

    [Theory]
    [InlineData("ACGT\n>x\nAC\n", 1)]
    [InlineData("\n\n  ACGT\n>x\nAC\n", 3)]
    [InlineData("\r\n# comment\r\n>x\r\n", 2)]
    public void Read_TextBeforeFirstHeader_ThrowsWithItsLineNumber(string text, long line)
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFasta(text, "genome.fa"));

        Assert.Equal(line, exception.LineNumber);
        Assert.Equal("genome.fa", exception.SourceName);
        Assert.StartsWith($"genome.fa, line {line}: expected a FASTA header line starting with '>'", exception.Message);
        Assert.Contains(".txt", exception.Message);
    }

    [Fact]
    public void Read_FastqGivenAsFasta_ErrorSuggestsTheFastqFormat()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFasta("@read1\nACGT\n+\nIIII\n"));

        Assert.Equal(1, exception.LineNumber);
        Assert.Contains("'@read1'", exception.Message);
        Assert.Contains("SequenceFileFormat.Fastq", exception.Message);
    }

    [Fact]
    public void Read_IndentedHeader_ErrorSaysHeadersStartInColumnOne()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFasta("  >x\nAC\n"));

        Assert.Contains("first column", exception.Message);
    }

    [Fact]
    public void Read_SequenceLineLongerThanTheBuffer_IsJoinedExactly()
    {
        var random = new Random(3);
        string sequence = string.Concat(Enumerable.Range(0, 300_000).Select(_ => "ACGT"[random.Next(4)]));

        var records = ReadFasta($">one line\n{sequence}\n>wrapped\n{string.Join("\n", sequence.Chunk(70).Select(c => new string(c)))}\n");

        Assert.Equal([sequence, sequence], records.Select(r => r.Sequence));
    }

    [Fact]
    public void Read_HeaderLongerThanTheBuffer_IsReadWhole()
    {
        string description = string.Join(' ', Enumerable.Repeat("word", 40_000));

        var record = Assert.Single(ReadFasta($">name {description}\nAC\n"));

        Assert.Equal(("name", description, "AC"), (record.Name, record.Description, record.Sequence));
    }

    [Fact]
    public void Read_ByteOrderMarkFromFile_IsNotPartOfTheHeader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agront-bom-{Guid.NewGuid():N}.fa");
        try
        {
            File.WriteAllText(path, ">x\nAC\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

            var record = Assert.Single(SequenceReader.ReadFile(path));

            Assert.Equal("x", record.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<SequenceRecord> ReadFasta(string text, string sourceName = "test.fa") =>
        SequenceReader.Read(new StringReader(text), SequenceFileFormat.Fasta, sourceName).ToList();
}
