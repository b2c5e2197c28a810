using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Training;

/// <summary>
/// Applies <see cref="MaskingOptions"/> to token ids, reproducibly: the decisions for one sequence depend only on the
/// seed and the two counters naming it (for training, the epoch and the window's index in it), so a resumed run masks
/// exactly as an uninterrupted one, and masks change from epoch to epoch (dynamic masking).
/// </summary>
public sealed class MlmMasker
{
    /// <summary>The label of a position that is not part of the loss (PyTorch's <c>ignore_index</c> default).</summary>
    public const int IgnoredLabel = -100;

    private readonly int[] _replacementIds;
    private readonly bool[] _selectable;

    /// <summary>Creates a masker for <paramref name="vocabulary"/>'s special and ordinary tokens.</summary>
    /// <param name="vocabulary">Gives <c>&lt;mask&gt;</c> and which ids are special.</param>
    /// <param name="options">The probabilities; <see cref="MaskingOptions.AgroNT"/> when null.</param>
    public MlmMasker(KmerVocabulary vocabulary, MaskingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Options = options ?? MaskingOptions.AgroNT;
        Options.Validate();
        MaskId = vocabulary.MaskId;
        _selectable = new bool[vocabulary.Count];
        for (int id = 0; id < vocabulary.Count; id++)
        {
            _selectable[id] = !vocabulary.IsSpecialId(id);
        }
        _replacementIds = Enumerable.Range(0, vocabulary.Count).Where(id => _selectable[id]).ToArray();
        if (_replacementIds.Length == 0)
        {
            throw new ArgumentException("The vocabulary has no ordinary (non-special) token to mask.", nameof(vocabulary));
        }
    }

    /// <summary>The probabilities in use.</summary>
    public MaskingOptions Options { get; }

    /// <summary>The id written for masked tokens.</summary>
    public int MaskId { get; }

    /// <summary>Whether <paramref name="id"/> may be selected (it is an ordinary token, not <c>&lt;cls&gt;</c>, <c>&lt;pad&gt;</c>, <c>&lt;mask&gt;</c> or <c>&lt;unk&gt;</c>).</summary>
    public bool IsSelectable(int id) => (uint)id < (uint)_selectable.Length && _selectable[id];

    /// <summary>
    /// Masks one sequence. <paramref name="inputIds"/> receives the model input (the ids with selected tokens replaced)
    /// and <paramref name="labels"/> the original id at selected positions and <see cref="IgnoredLabel"/> elsewhere.
    /// </summary>
    /// <param name="tokenIds">The sequence's ids.</param>
    /// <param name="inputIds">Receives the masked ids; as long as <paramref name="tokenIds"/> (it may be the same memory).</param>
    /// <param name="labels">Receives the labels; as long as <paramref name="tokenIds"/>.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">First counter naming the sequence (training: the epoch).</param>
    /// <param name="index">Second counter naming the sequence (training: the window's position in the epoch).</param>
    /// <returns>The number of selected positions.</returns>
    public int Apply(ReadOnlySpan<int> tokenIds, Span<int> inputIds, Span<int> labels, ulong seed, long stream, long index)
    {
        if (inputIds.Length < tokenIds.Length || labels.Length < tokenIds.Length)
        {
            throw new ArgumentException($"inputIds and labels must hold {tokenIds.Length} ids.", nameof(inputIds));
        }
        var random = new CounterRandom(seed, (ulong)stream, (ulong)index, 0x4D41534B /* "MASK" */);
        double select = Options.SelectionProbability;
        double mask = Options.MaskTokenFraction;
        double replace = mask + Options.RandomTokenFraction;
        int selected = 0;
        for (int i = 0; i < tokenIds.Length; i++)
        {
            int id = tokenIds[i];
            // Every position draws, selectable or not, so one sequence's decisions do not shift with its content.
            double draw = random.NextDouble();
            double kind = random.NextDouble();
            int replacement = _replacementIds[random.NextInt(_replacementIds.Length)];
            if (!IsSelectable(id) || draw >= select)
            {
                inputIds[i] = id;
                labels[i] = IgnoredLabel;
                continue;
            }
            selected++;
            labels[i] = id;
            inputIds[i] = kind < mask ? MaskId : kind < replace ? replacement : id;
        }
        return selected;
    }
}
