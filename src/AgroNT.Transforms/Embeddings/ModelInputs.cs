using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Embeddings;

/// <summary>
/// The model inputs of a list of sequences under a tokenizer's length policy (one input per sequence, or several
/// windows per sequence for <see cref="LengthPolicy.Windows"/>), and the way back from pooled inputs to one vector per
/// sequence. Shared by the TorchSharp and ONNX embedders.
/// </summary>
internal sealed class ModelInputs
{
    private readonly List<(int Sequence, int RealTokens)> _owners;

    private ModelInputs(List<int[]> inputs, List<(int Sequence, int RealTokens)> owners, int sequenceCount, bool windows)
    {
        Inputs = inputs;
        _owners = owners;
        SequenceCount = sequenceCount;
        IsWindowed = windows;
    }

    /// <summary>Token ids of each model input, <c>&lt;cls&gt;</c> first when the tokenizer adds it.</summary>
    public IReadOnlyList<int[]> Inputs { get; }

    /// <summary>Number of sequences the inputs came from.</summary>
    public int SequenceCount { get; }

    /// <summary>Whether sequences were cut into windows.</summary>
    public bool IsWindowed { get; }

    /// <summary>Tokenizes <paramref name="sequences"/>; names (or <c>#1</c>, <c>#2</c>...) appear in error messages.</summary>
    public static ModelInputs Tokenize(SequenceTokenizer tokenizer, IReadOnlyList<string> sequences, IReadOnlyList<string>? names)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        bool windows = tokenizer.Options.LengthPolicy == LengthPolicy.Windows;
        int specials = tokenizer.SpecialTokenCount;
        var inputs = new List<int[]>(sequences.Count);
        var owners = new List<(int Sequence, int RealTokens)>(sequences.Count);
        for (int i = 0; i < sequences.Count; i++)
        {
            string name = names?[i] ?? $"#{i + 1}";
            if (windows)
            {
                foreach (var window in tokenizer.EncodeWindows(sequences[i], name))
                {
                    inputs.Add(window.Ids);
                    owners.Add((i, window.TokenCount));
                }
            }
            else
            {
                int[] ids = tokenizer.EncodeToIds(sequences[i], name);
                inputs.Add(ids);
                owners.Add((i, ids.Length - specials));
            }
        }
        return new ModelInputs(inputs, owners, sequences.Count, windows);
    }

    /// <summary>Turns the pooled vectors of <see cref="Inputs"/> (same order) into one vector per sequence.</summary>
    /// <exception cref="NotSupportedException">Per-token pooling of a sequence that was cut into several windows.</exception>
    public IReadOnlyList<float[]> Combine(IReadOnlyList<float[]> pooled, Pooling pooling, WindowAggregation aggregation)
    {
        if (!IsWindowed)
        {
            return pooled;
        }
        var results = new float[SequenceCount][];
        for (int start = 0; start < _owners.Count;)
        {
            int owner = _owners[start].Sequence, end = start;
            while (end < _owners.Count && _owners[end].Sequence == owner)
            {
                end++;
            }
            if (pooling is Pooling.Tokens or Pooling.PerNucleotide && end - start > 1)
            {
                throw new NotSupportedException("Per-token pooling of a sequence split into windows would repeat the overlapping tokens; embed it with Truncate, or split the sequence yourself.");
            }
            var parts = new List<float[]>(end - start);
            var weights = new List<int>(end - start);
            for (int i = start; i < end; i++)
            {
                parts.Add(pooled[i]);
                weights.Add(_owners[i].RealTokens);
            }
            results[owner] = EmbeddingPooler.CombineWindows(pooling, aggregation, parts, weights);
            start = end;
        }
        return results;
    }

    /// <summary>Bases (or residues) each vocabulary id covers: k for a k-mer, 1 for a single letter or <c>&lt;unk&gt;</c>, 0 for the other specials.</summary>
    public static int[] BasesPerId(TokenVocabulary vocabulary) => vocabulary.LettersPerId();
}
