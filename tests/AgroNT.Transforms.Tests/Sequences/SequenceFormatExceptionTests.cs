using AgroNT.Transforms.Sequences;

namespace AgroNT.Transforms.Tests.Sequences;

public sealed class SequenceFormatExceptionTests
{
    [Fact]
    public void Constructor_SourceLineAndProblem_MessageSaysWhereThenWhat()
    {
        var exception = new SequenceFormatException("genome.fa", 12, "quality has 80 characters but the sequence has 81 (FASTQ record 'read7')");

        Assert.Equal("genome.fa, line 12: quality has 80 characters but the sequence has 81 (FASTQ record 'read7')", exception.Message);
        Assert.Equal("genome.fa", exception.SourceName);
        Assert.Equal(12, exception.LineNumber);
        Assert.Equal("quality has 80 characters but the sequence has 81 (FASTQ record 'read7')", exception.Problem);
        Assert.IsAssignableFrom<FormatException>(exception);
    }

    [Fact]
    public void Constructor_InnerException_IsKept()
    {
        var inner = new InvalidDataException("bad block");

        var exception = new SequenceFormatException("a.fa.gz", 3, "corrupt", inner);

        Assert.Same(inner, exception.InnerException);
    }
}
