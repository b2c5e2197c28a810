using AgroNT.MLNet.Training.Data;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Training;

/// <summary>
/// A padded micro-batch of masked windows, as plain arrays (tensors are made per step): input ids and attention mask
/// <c>[Rows, Length]</c>, and the flat positions and original ids of the selected tokens, the only ones scored.
/// </summary>
internal sealed class MaskedBatch
{
    private MaskedBatch(int rows, int length, long[] inputIds, long[] attentionMask, long[] selectedPositions, long[] targets, int realTokens)
    {
        Rows = rows;
        Length = length;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        SelectedPositions = selectedPositions;
        Targets = targets;
        RealTokens = realTokens;
    }

    public int Rows { get; }

    public int Length { get; }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    /// <summary>Selected positions as <c>row x Length + column</c>.</summary>
    public long[] SelectedPositions { get; }

    /// <summary>The original id at each selected position.</summary>
    public long[] Targets { get; }

    /// <summary>Non-padding tokens, <c>&lt;cls&gt;</c> included.</summary>
    public int RealTokens { get; }

    /// <summary>Tokenizes, masks and pads windows; each window's mask is drawn from (seed, stream, index).</summary>
    public static MaskedBatch Create(IReadOnlyList<(string Sequence, long Stream, long Index)> windows, KmerTokenizer tokenizer, MlmMasker masker, ulong seed)
    {
        var encoded = new List<int[]>(windows.Count);
        var labels = new List<int[]>(windows.Count);
        var buffer = new int[tokenizer.MaxTokens];
        foreach (var (sequence, stream, index) in windows)
        {
            int count = tokenizer.EncodeToIds(sequence, buffer);
            var input = new int[count];
            var label = new int[count];
            masker.Apply(buffer.AsSpan(0, count), input, label, seed, stream, index);
            encoded.Add(input);
            labels.Add(label);
        }
        int length = encoded.Max(e => e.Length);
        int rows = encoded.Count;
        long pad = tokenizer.Vocabulary.PadId;
        var inputIds = new long[rows * length];
        var mask = new long[rows * length];
        var positions = new List<long>();
        var targets = new List<long>();
        int real = 0;
        for (int r = 0; r < rows; r++)
        {
            int[] row = encoded[r];
            int offset = r * length;
            for (int c = 0; c < length; c++)
            {
                bool isReal = c < row.Length;
                inputIds[offset + c] = isReal ? row[c] : pad;
                mask[offset + c] = isReal ? 1 : 0;
                if (isReal && labels[r][c] != MlmMasker.IgnoredLabel)
                {
                    positions.Add(offset + c);
                    targets.Add(labels[r][c]);
                }
            }
            real += row.Length;
        }
        return new MaskedBatch(rows, length, inputIds, mask, positions.ToArray(), targets.ToArray(), real);
    }

    /// <summary>Groups numbered training windows into the input of <see cref="Create"/>.</summary>
    public static IReadOnlyList<(string Sequence, long Stream, long Index)> Numbered(IEnumerable<NumberedWindow> windows) =>
        windows.Select(w => (w.Window.Sequence, w.Epoch, w.Index)).ToArray();
}
