using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class FastqScannerTests
{
    [Fact]
    public void Read_FourLineRecords_YieldsSequenceAndQuality()
    {
        var records = ReadFastq("@read1 lane 1\nACGTN\n+\nIIII#\n@read2\nacg\n+read2\n!~5\n");

        Assert.Equal(
            [
                new SequenceRecord("read1", "lane 1", "ACGTN", 1, "IIII#"),
                new SequenceRecord("read2", "", "acg", 5, "!~5"),
            ],
            records);
    }

    [Fact]
    public void Read_CrlfAndBlankLinesBetweenRecords_AreTolerated()
    {
        var records = ReadFastq("\r\n@a\r\nAC\r\n+\r\nII\r\n\r\n\r\n@b\r\nG\r\n+b\r\n#\r\n\r\n");

        Assert.Equal(["a", "b"], records.Select(r => r.Name));
        Assert.Equal(["AC", "G"], records.Select(r => r.Sequence));
        Assert.Equal(["II", "#"], records.Select(r => r.Quality));
        Assert.Equal([2L, 8L], records.Select(r => r.LineNumber));
    }

    [Fact]
    public void Read_PlusLineRepeatingTheWholeHeader_IsAccepted()
    {
        var record = Assert.Single(ReadFastq("@r1 sample=leaf\nAC\n+r1 sample=leaf\nII\n"));

        Assert.Equal("leaf", record.Description.Split('=')[1]);
    }

    [Fact]
    public void Read_EmptyRead_HasEmptySequenceAndQuality()
    {
        var record = Assert.Single(ReadFastq("@empty\n\n+\n\n"));

        Assert.Equal(("", ""), (record.Sequence, record.Quality));
    }

    [Fact]
    public void Read_QualityShorterThanSequence_ThrowsNamingLengthsRecordAndLine()
    {
        string text = "@read6\nAC\n+\nII\n@read7\n" + new string('A', 81) + "\n+\n" + new string('I', 80) + "\n";

        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq(text, "genome.fq"));

        Assert.Equal(8, exception.LineNumber);
        Assert.StartsWith("genome.fq, line 8: quality has 80 characters but the sequence has 81 (FASTQ record 'read7')", exception.Message);
    }

    [Theory]
    [InlineData("@r\nACGT\n", 3, "'+' separator")]
    [InlineData("@r\nACGT\n+\n", 4, "quality")]
    [InlineData("@r\n", 2, "sequence")]
    public void Read_TruncatedRecord_ThrowsNamingTheMissingLine(string text, long line, string missing)
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq(text));

        Assert.Equal(line, exception.LineNumber);
        Assert.Contains($"the {missing} line of FASTQ record 'r'", exception.Message);
        Assert.Contains("truncated", exception.Message);
    }

    [Fact]
    public void Read_MissingPlusLine_ThrowsAtTheLineFound()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq("@r\nACGT\nACGT\n+\nIIIIIIII\n"));

        Assert.Equal(3, exception.LineNumber);
        Assert.Contains("expected the '+' separator line of FASTQ record 'r' but found 'ACGT'", exception.Message);
    }

    [Fact]
    public void Read_WrongFirstCharacter_Throws()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq("@a\nA\n+\nI\nread2\nA\n+\nI\n"));

        Assert.Equal(5, exception.LineNumber);
        Assert.Contains("expected a FASTQ header line starting with '@' but found 'read2'", exception.Message);
    }

    [Fact]
    public void Read_FastaGivenAsFastq_ErrorSuggestsTheFastaFormat()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq(">chr1\nACGT\n"));

        Assert.Contains("SequenceFileFormat.Fasta", exception.Message);
    }

    [Fact]
    public void Read_PlusLineNamingAnotherRecord_Throws()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq("@r1\nAC\n+r2\nII\n"));

        Assert.Equal(3, exception.LineNumber);
        Assert.Contains("'r2'", exception.Message);
    }

    [Fact]
    public void Read_QualityCharacterOutsidePhred33_Throws()
    {
        var exception = Assert.Throws<SequenceFormatException>(() => ReadFastq("@r\nACG\n+\nI\u00e9I\n"));

        Assert.Equal(4, exception.LineNumber);
        Assert.Contains("U+00E9", exception.Message);
        Assert.Contains("position 2", exception.Message);
    }

    [Fact]
    public void Read_LaterRecordMalformed_EarlierRecordsAreStillYielded()
    {
        using IEnumerator<SequenceRecord> records = SequenceReader
            .Read(new StringReader("@ok\nA\n+\nI\n@bad\nAC\n+\nI\n"), SequenceFileFormat.Fastq).GetEnumerator();

        Assert.True(records.MoveNext());
        Assert.Equal("ok", records.Current.Name);
        Assert.Throws<SequenceFormatException>(() => records.MoveNext());
    }

    private static List<SequenceRecord> ReadFastq(string text, string sourceName = "reads.fq") =>
        SequenceReader.Read(new StringReader(text), SequenceFileFormat.Fastq, sourceName).ToList();
}
