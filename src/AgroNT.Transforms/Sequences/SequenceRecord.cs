namespace AgroNT.Transforms.Sequences;

/// <summary>One DNA record read from a FASTA, FASTQ or plain-text file.</summary>
/// <param name="Name">
/// The header text up to its first whitespace, after the <c>&gt;</c> or <c>@</c> and any spaces that follow it
/// (<c>&gt;X1 chromosome 5</c> gives <c>X1</c>). A header with no text (<c>&gt;</c> alone) gives the empty string.
/// For plain-text input it is <c>line&lt;N&gt;</c>, N counted from 1. Names are not checked for uniqueness.
/// </param>
/// <param name="Description">The rest of the header after the name, trimmed; empty when there is none.</param>
/// <param name="Sequence">
/// The sequence exactly as written, lines joined: case, IUPAC codes and any other letters are kept as they are
/// (the tokenizer's policy decides what they mean). Whitespace at the start and end of each FASTA/FASTQ line is
/// removed; whitespace inside a line is kept. Plain-text lines are taken verbatim.
/// </param>
/// <param name="LineNumber">The 1-based line of the header (of the line itself for plain text).</param>
/// <param name="Quality">The FASTQ quality string (Phred+33, one character per base); <see langword="null"/> for FASTA and plain text.</param>
public sealed record SequenceRecord(string Name, string Description, string Sequence, long LineNumber, string? Quality = null);
