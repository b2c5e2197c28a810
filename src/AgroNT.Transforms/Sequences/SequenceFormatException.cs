namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Malformed sequence input. The message says what is wrong, where (source and line) and how to fix it, as in
/// <c>genome.fq, line 12: quality has 80 characters but the sequence has 81 (FASTQ record 'read7')</c>.
/// </summary>
public sealed class SequenceFormatException : FormatException
{
    /// <summary>Creates the exception for a problem at one line of a source.</summary>
    /// <param name="sourceName">The file path as the caller gave it, or the name given to <see cref="SequenceReader.Read"/>.</param>
    /// <param name="lineNumber">The 1-based line where the problem was found.</param>
    /// <param name="problem">What is wrong and how to fix it, without the source and line.</param>
    public SequenceFormatException(string sourceName, long lineNumber, string problem)
        : this(sourceName, lineNumber, problem, innerException: null)
    {
    }

    /// <summary>Creates the exception for a problem at one line of a source, caused by another exception.</summary>
    /// <param name="sourceName">The file path as the caller gave it, or the name given to <see cref="SequenceReader.Read"/>.</param>
    /// <param name="lineNumber">The 1-based line where the problem was found.</param>
    /// <param name="problem">What is wrong and how to fix it, without the source and line.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SequenceFormatException(string sourceName, long lineNumber, string problem, Exception? innerException)
        : base($"{sourceName}, line {lineNumber}: {problem}", innerException)
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>The file path as the caller gave it, or the source name given to <see cref="SequenceReader.Read"/>.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line where the problem was found.</summary>
    public long LineNumber { get; }

    /// <summary>The message without its <c>source, line N: </c> prefix.</summary>
    public string Problem { get; }
}
