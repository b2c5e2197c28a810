namespace AgroNT.MLNet.Training.Data;

/// <summary>One training or validation window of normalised DNA (only <c>A C G T N</c>).</summary>
/// <param name="Source">The file (or in-memory source) it was read from.</param>
/// <param name="RecordName">The FASTA record's name.</param>
/// <param name="Start">0-based position of its first base in the record.</param>
/// <param name="Sequence">The bases: lowercase upper-cased, every other letter turned into <c>N</c>.</param>
public sealed record DnaWindow(string Source, string RecordName, long Start, string Sequence)
{
    /// <summary>0-based position just past its last base in the record.</summary>
    public long End => Start + Sequence.Length;
}

/// <summary>Which side of the validation split to read.</summary>
public enum CorpusPart
{
    /// <summary>Windows used for the updates.</summary>
    Training,

    /// <summary>Held-out windows used for validation loss and accuracy.</summary>
    Validation,
}
