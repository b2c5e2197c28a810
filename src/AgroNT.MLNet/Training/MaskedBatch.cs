using AgroNT.MLNet.Training.Data;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Training;

/// <summary>
/// A padded micro-batch of masked windows, as plain arrays (tensors are made per step): the masked inputs, padded by
/// <see cref="TokenBatch.Pad(IReadOnlyList{int[]}, int, int?)"/>, and the flat positions and original ids of the
/// selected tokens, the only ones scored.
/// </summary>
internal sealed class MaskedBatch
{
    private MaskedBatch(TokenBatch inputs, long[] selectedPositions, long[] targets)
    {
        Inputs = inputs;
        SelectedPositions = selectedPositions;
        Targets = targets;
    }

    /// <summary>The masked input ids and attention mask, <c>[Rows, SequenceLength]</c>.</summary>
    public TokenBatch Inputs { get; }

    public int Rows => Inputs.Count;

    /// <summary>Selected positions as <c>row x SequenceLength + column</c>.</summary>
    public long[] SelectedPositions { get; }

    /// <summary>The original id at each selected position.</summary>
    public long[] Targets { get; }

    /// <summary>Non-padding tokens, <c>&lt;cls&gt;</c> included.</summary>
    public int RealTokens => (int)Inputs.RealTokens;

    /// <summary>Tokenizes, masks and pads windows; each window's mask is drawn from (seed, stream, index).</summary>
    public static MaskedBatch Create(IReadOnlyList<(string Sequence, long Stream, long Index)> windows, KmerTokenizer tokenizer, MlmMasker masker, ulong seed)
    {
        var encoded = new int[windows.Count][];
        var labels = new int[windows.Count][];
        var buffer = new int[tokenizer.MaxTokens];
        for (int w = 0; w < windows.Count; w++)
        {
            var (sequence, stream, index) = windows[w];
            int count = tokenizer.EncodeToIds(sequence, buffer);
            encoded[w] = new int[count];
            labels[w] = new int[count];
            masker.Apply(buffer.AsSpan(0, count), encoded[w], labels[w], seed, stream, index);
        }
        var inputs = TokenBatch.Pad(encoded, tokenizer.Vocabulary.PadId);
        var positions = new List<long>();
        var targets = new List<long>();
        for (int r = 0; r < labels.Length; r++)
        {
            for (int c = 0; c < labels[r].Length; c++)
            {
                if (labels[r][c] != MlmMasker.IgnoredLabel)
                {
                    positions.Add((long)r * inputs.SequenceLength + c);
                    targets.Add(labels[r][c]);
                }
            }
        }
        return new MaskedBatch(inputs, positions.ToArray(), targets.ToArray());
    }

    /// <summary>Groups numbered training windows into the input of <see cref="Create"/>.</summary>
    public static IReadOnlyList<(string Sequence, long Stream, long Index)> Numbered(IEnumerable<NumberedWindow> windows) =>
        windows.Select(w => (w.Window.Sequence, w.Epoch, w.Index)).ToArray();
}
