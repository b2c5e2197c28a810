using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class SequenceScannerTests
{
    [Theory]
    [InlineData("X1", "X1", "")]
    [InlineData("NC_000932.1 Arabidopsis thaliana chloroplast, complete genome.", "NC_000932.1", "Arabidopsis thaliana chloroplast, complete genome.")]
    [InlineData("read7\tlane=1  run=2  ", "read7", "lane=1  run=2")]
    [InlineData("  leading spaces", "leading", "spaces")]
    [InlineData("", "", "")]
    [InlineData("   ", "", "")]
    [InlineData("a|1|0.5", "a|1|0.5", "")]
    public void SplitHeader_Headers_NameIsFirstWordAndDescriptionTheTrimmedRest(string header, string name, string description)
    {
        Assert.Equal((name, description), SequenceScanner.SplitHeader(header));
    }

    [Fact]
    public void Excerpt_LongLineWithControlCharacters_IsShortenedAndEscaped()
    {
        string excerpt = SequenceScanner.Excerpt("\u0001" + new string('A', 100));

        Assert.Equal("'\\u0001" + new string('A', 39) + "...'", excerpt);
    }

    [Fact]
    public void Create_UndefinedFormat_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceScanner.Create(new StringReader(""), (SequenceFileFormat)42, "x"));
    }

    [Theory]
    [InlineData(SequenceFileFormat.Fasta, typeof(FastaScanner))]
    [InlineData(SequenceFileFormat.Fastq, typeof(FastqScanner))]
    [InlineData(SequenceFileFormat.PlainText, typeof(PlainTextScanner))]
    public void Create_EachFormat_ReturnsItsScannerWithTheSourceName(SequenceFileFormat format, Type expected)
    {
        SequenceScanner scanner = SequenceScanner.Create(new StringReader(""), format, "reads.txt");

        Assert.IsType(expected, scanner);
        Assert.Equal("reads.txt", scanner.SourceName);
        Assert.False(scanner.MoveToNextRecord());
    }
}
