namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// Several sequences encoded and padded to one length, row-major and ready for a <c>[Count, SequenceLength]</c> tensor
/// (<see cref="SequenceTokenizer.EncodeBatch(IReadOnlyList{string}, int?, IReadOnlyList{string}?)"/>). <see cref="Pad(IReadOnlyList{int[]}, int, int?)"/>
/// is the one place token-id rows become a padded batch: the tokenizers, both embedders, fine-tuning, pretraining,
/// fill-mask and variant scoring all go through it.
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

    /// <summary>Tokens computed by a model over the batch, padding included (<see cref="Count"/> x <see cref="SequenceLength"/>).</summary>
    public long ComputedTokens => (long)Count * SequenceLength;

    /// <summary>Tokens that are not padding (the sum of <see cref="Lengths"/>).</summary>
    public long RealTokens
    {
        get
        {
            long sum = 0;
            foreach (int length in Lengths)
            {
                sum += length;
            }
            return sum;
        }
    }

    /// <summary>
    /// Pads token-id rows on the right into one batch, as Hugging Face's tokenizer pads (<c>padding_side="right"</c>):
    /// <paramref name="padId"/> after each row's end and attention mask 0 there, 1 on every id of the row (a pad id
    /// inside a row is a real token).
    /// </summary>
    /// <param name="rows">The rows, each already a model input (<c>&lt;cls&gt;</c> and the like included).</param>
    /// <param name="padId">The vocabulary's <c>&lt;pad&gt;</c> id (a model's <c>pad_token_id</c>).</param>
    /// <param name="fixedLength">Pad every row to this length (<c>padding="max_length"</c>); <see langword="null"/> pads to the longest row.</param>
    /// <returns>The batch; the rows are copied.</returns>
    /// <exception cref="ArgumentException">There are no rows, a row is null, or a row is longer than <paramref name="fixedLength"/>.</exception>
    public static TokenBatch Pad(IReadOnlyList<int[]> rows, int padId, int? fixedLength = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            ThrowHelper.ThrowArgument(nameof(rows), "There are no rows to pad: a batch holds at least one token-id row.");
        }
        int longest = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            ArgumentNullException.ThrowIfNull(rows[r], $"{nameof(rows)}[{r}]");
            longest = Math.Max(longest, rows[r].Length);
        }
        if (fixedLength is { } fixedValue)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(fixedValue, nameof(fixedLength));
            if (longest > fixedValue)
            {
                ThrowHelper.ThrowArgument(nameof(rows), $"A row has {longest} tokens, more than the fixed length {fixedValue}; truncate or window the rows first.");
            }
        }
        int length = fixedLength ?? longest;
        var inputIds = new int[rows.Count * length];
        var mask = new int[rows.Count * length];
        var lengths = new int[rows.Count];
        inputIds.AsSpan().Fill(padId);
        for (int r = 0; r < rows.Count; r++)
        {
            rows[r].CopyTo(inputIds.AsSpan(r * length));
            mask.AsSpan(r * length, rows[r].Length).Fill(1);
            lengths[r] = rows[r].Length;
        }
        return new TokenBatch(rows.Count, length, inputIds, mask, lengths);
    }

    /// <summary>Pads the rows <paramref name="selection"/> of <paramref name="inputs"/> (a length bucket) to the longest of them.</summary>
    /// <param name="inputs">All inputs.</param>
    /// <param name="selection">Indexes into <paramref name="inputs"/>, in batch row order.</param>
    /// <param name="padId">The vocabulary's <c>&lt;pad&gt;</c> id.</param>
    /// <returns>The batch; row r is <c>inputs[selection[r]]</c>.</returns>
    /// <exception cref="ArgumentException">The selection is empty or names a null row.</exception>
    public static TokenBatch Pad(IReadOnlyList<int[]> inputs, ReadOnlySpan<int> selection, int padId)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var rows = new int[selection.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = inputs[selection[r]];
        }
        return Pad(rows, padId);
    }

    private int RowStart(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        return row * SequenceLength;
    }
}
