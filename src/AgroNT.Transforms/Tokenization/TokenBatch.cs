namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// Several sequences encoded and padded to one length, row-major and ready for a <c>[Count, SequenceLength]</c> tensor
/// (<see cref="KmerTokenizer.EncodeBatch(IReadOnlyList{string}, int?, IReadOnlyList{string}?)"/>).
/// </summary>
/// <param name="Count">Number of sequences (rows).</param>
/// <param name="SequenceLength">Length of every row: the longest encoding, or the fixed length asked for.</param>
/// <param name="InputIds">Ids, row after row; positions past a sequence's end hold the pad id.</param>
/// <param name="AttentionMask">1 where <see cref="InputIds"/> holds a real token, 0 on padding, as Hugging Face's tokenizer sets it
/// (a literal <c>&lt;pad&gt;</c> typed in hf-mode text is a real token and gets 1).</param>
/// <param name="Lengths">Each row's number of real tokens.</param>
public sealed record TokenBatch(int Count, int SequenceLength, int[] InputIds, int[] AttentionMask, int[] Lengths)
{
    /// <summary>The ids of one row, padding included.</summary>
    /// <param name="row">0-based row.</param>
    /// <returns>A view of <see cref="InputIds"/>.</returns>
    public ReadOnlySpan<int> GetInputIds(int row) => InputIds.AsSpan(RowStart(row), SequenceLength);

    /// <summary>The attention mask of one row.</summary>
    /// <param name="row">0-based row.</param>
    /// <returns>A view of <see cref="AttentionMask"/>.</returns>
    public ReadOnlySpan<int> GetAttentionMask(int row) => AttentionMask.AsSpan(RowStart(row), SequenceLength);

    private int RowStart(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return row * SequenceLength;
    }
}
