namespace AgroNT.Transforms.Sequences;

/// <summary>
/// A piece of one record's sequence, produced by <see cref="SequenceReader.ReadChunks(string, int, int)"/> without
/// materialising the whole record.
/// </summary>
/// <param name="RecordName">The <see cref="SequenceRecord.Name"/> of the record the chunk comes from.</param>
/// <param name="Start">The 0-based position of the chunk's first letter within its record.</param>
/// <param name="Sequence">The letters of the chunk, exactly as <see cref="SequenceRecord.Sequence"/> would hold them.</param>
public sealed record SequenceChunk(string RecordName, long Start, string Sequence)
{
    /// <summary>
    /// The 0-based index of the record in its input, which tells records with equal (or empty) names apart.
    /// </summary>
    public long RecordIndex { get; init; }

    /// <summary>
    /// <see langword="true"/> for the last chunk of its record; <c>Start + Sequence.Length</c> is then the record's length.
    /// </summary>
    public bool IsLastInRecord { get; init; }
}
