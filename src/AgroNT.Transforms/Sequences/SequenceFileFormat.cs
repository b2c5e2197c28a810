namespace AgroNT.Transforms.Sequences;

/// <summary>The sequence file layouts <see cref="SequenceReader"/> understands, each plain or gzip-compressed.</summary>
public enum SequenceFileFormat
{
    /// <summary>FASTA: <c>&gt;name description</c> header lines, each followed by any number of sequence lines.</summary>
    Fasta,

    /// <summary>FASTQ: four-line records of <c>@name</c>, the sequence, <c>+</c> (optionally the name again) and the quality.</summary>
    Fastq,

    /// <summary>Plain text: one raw sequence per line, taken verbatim; records are named <c>line1</c>, <c>line2</c>, ...</summary>
    PlainText,
}
