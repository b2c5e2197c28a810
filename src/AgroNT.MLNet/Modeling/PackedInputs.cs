namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Model inputs packed end to end for <see cref="EsmModel.ForwardPacked"/>: the ids, each token's absolute position id
/// (as Hugging Face derives it from its own row: <c>pad_token_id + 1</c> counting up over non-pad ids, a literal pad id
/// keeping <c>pad_token_id</c>), each sequence's length and its number of <c>&lt;mask&gt;</c> ids (for token dropout).
/// </summary>
internal sealed record PackedInputs(long[] InputIds, long[] Positions, long[] Lengths, long[] MaskCounts)
{
    /// <summary>Packs <paramref name="rows"/>, checking them against <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">A row is null or empty, longer than the model's window, or holds an id outside the vocabulary.</exception>
    public static PackedInputs Build(IReadOnlyList<int[]> rows, EsmConfig config)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(config);
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no sequences to run: pass at least one token-id row.", nameof(rows));
        }
        long total = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r] ?? throw new ArgumentNullException($"{nameof(rows)}[{r}]");
            if (row.Length == 0)
            {
                throw new ArgumentException($"Row {r} has no tokens; every model input holds at least one.", nameof(rows));
            }
            if (!config.IsRotary && row.Length > config.MaxTokens)
            {
                throw new ArgumentException(
                    $"Row {r} has {row.Length} tokens, more than the model's window of {config.MaxTokens} (including <cls>); truncate or window the input (tokenizer LengthPolicy).", nameof(rows));
            }
            total += row.Length;
        }

        var ids = new long[total];
        var positions = new long[total];
        var lengths = new long[rows.Count];
        var maskCounts = new long[rows.Count];
        long at = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            long position = config.PadTokenId;
            foreach (int id in rows[r])
            {
                if (id < 0 || id >= config.VocabSize)
                {
                    throw new ArgumentException($"token ids must lie in [0, {config.VocabSize}); row {r} holds {id}.", nameof(rows));
                }
                ids[at] = id;
                positions[at] = id == config.PadTokenId ? config.PadTokenId : ++position;
                maskCounts[r] += id == config.MaskTokenId ? 1 : 0;
                at++;
            }
            lengths[r] = rows[r].Length;
        }
        return new PackedInputs(ids, positions, lengths, maskCounts);
    }
}
