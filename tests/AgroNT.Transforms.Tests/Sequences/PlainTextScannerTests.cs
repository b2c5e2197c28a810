using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class PlainTextScannerTests
{
    [Theory]
    [InlineData("A\nB\n", new[] { "A", "B" })]
    [InlineData("A\n\nB", new[] { "A", "", "B" })]
    [InlineData("A\r\nB\r\n", new[] { "A", "B" })]
    [InlineData("\n", new[] { "" })]
    [InlineData("", new string[0])]
    [InlineData(" ac gt \n>x\nNNRY", new[] { " ac gt ", ">x", "NNRY" })]
    [InlineData("A\rB\n", new[] { "A\rB" })]
    public void Read_Lines_EachLineIsOneVerbatimRecord(string text, string[] expected)
    {
        var records = ReadText(text);

        Assert.Equal(expected, records.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(1, expected.Length).Select(n => $"line{n}"), records.Select(r => r.Name));
        Assert.Equal(Enumerable.Range(1, expected.Length).Select(n => (long)n), records.Select(r => r.LineNumber));
        Assert.All(records, r => Assert.Equal("", r.Description));
        Assert.All(records, r => Assert.Null(r.Quality));
    }

    [Fact]
    public void Read_LineLongerThanTheBuffer_IsKeptWhole()
    {
        string line = string.Concat(Enumerable.Repeat("ACGT  ", 40_000));

        var records = ReadText(line + "\nTT\n");

        Assert.Equal([line, "TT"], records.Select(r => r.Sequence));
    }

    [Fact]
    public void ReadChunks_LongLines_ChunksEachLineSeparately()
    {
        string first = new string('A', 10) + new string('C', 10);

        var chunks = SequenceReader.ReadChunks(new StringReader(first + "\n\nGGG\n"), SequenceFileFormat.PlainText, 8, 2).ToList();

        Assert.Equal(
            [("line1", 0L, "AAAAAAAA"), ("line1", 6L, "AAAACCCC"), ("line1", 12L, "CCCCCCCC"), ("line2", 0L, ""), ("line3", 0L, "GGG")],
            chunks.Select(c => (c.RecordName, c.Start, c.Sequence)));
    }

    private static List<SequenceRecord> ReadText(string text) =>
        SequenceReader.Read(new StringReader(text), SequenceFileFormat.PlainText, "in.txt").ToList();
}
