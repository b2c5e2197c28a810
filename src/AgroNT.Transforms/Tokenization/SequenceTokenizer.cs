using System.Text;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// The tokenizer of an ESM-family model folder, as the model, the embedders and the command line use it:
/// <see cref="KmerTokenizer"/> for AgroNT's DNA k-mers, <see cref="ProteinTokenizer"/> for ESM-2's amino acids.
/// <see cref="FromModelFolder"/> picks the one the folder's <c>vocab.txt</c> calls for.
/// </summary>
/// <remarks>
/// A model input is <c>&lt;cls&gt;</c>, the sequence's tokens, and <c>&lt;eos&gt;</c> when the vocabulary has an end
/// token (ESM-2; AgroNT has none). Both tokenizers take the same <see cref="KmerTokenizerOptions"/> (mode, length
/// policy, window), and both refuse, in <see cref="TokenizerMode.Normalize"/>, what they cannot encode faithfully.
/// </remarks>
public abstract class SequenceTokenizer : Tokenizer
{
    private protected SequenceTokenizer()
    {
    }

    /// <summary>The vocabulary.</summary>
    public abstract TokenVocabulary Vocabulary { get; }

    /// <summary>The options the tokenizer was created with.</summary>
    public abstract KmerTokenizerOptions Options { get; }

    /// <summary>The most ids a model input has, special tokens included.</summary>
    public abstract int MaxTokens { get; }

    /// <summary>The effective stride between windows, in sequence tokens.</summary>
    public abstract int WindowStride { get; }

    /// <summary>Special tokens around a model input's sequence tokens: <c>&lt;cls&gt;</c> first (when
    /// <see cref="KmerTokenizerOptions.AddClsToken"/>), <c>&lt;eos&gt;</c> last (when the tokenizer appends one).</summary>
    public int SpecialTokenCount => (Options.AddClsToken ? 1 : 0) + (AppendsEos ? 1 : 0);

    /// <summary>Whether model inputs end with <see cref="TokenVocabulary.EosId"/> (ESM-2: yes; AgroNT: no).</summary>
    public virtual bool AppendsEos => false;

    /// <summary>Creates the tokenizer a Hugging Face model folder calls for (see <see cref="TokenVocabulary.ReadModelFolder"/>).</summary>
    /// <param name="modelFolder">The folder holding <c>vocab.txt</c>.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>A <see cref="ProteinTokenizer"/> or a <see cref="KmerTokenizer"/>.</returns>
    public static SequenceTokenizer FromModelFolder(string modelFolder, KmerTokenizerOptions? options = null) =>
        ForVocabulary(TokenVocabulary.ReadModelFolder(modelFolder), options);

    /// <summary>Creates the tokenizer of a vocabulary already loaded.</summary>
    /// <param name="vocabulary">A <see cref="KmerVocabulary"/> or a <see cref="ProteinVocabulary"/>.</param>
    /// <param name="options">Options; <see cref="KmerTokenizerOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tokenizer.</returns>
    public static SequenceTokenizer ForVocabulary(TokenVocabulary vocabulary, KmerTokenizerOptions? options = null) => vocabulary switch
    {
        KmerVocabulary kmers => KmerTokenizer.Create(kmers, options),
        ProteinVocabulary proteins => ProteinTokenizer.Create(proteins, options),
        null => throw new ArgumentNullException(nameof(vocabulary)),
        _ => throw new ArgumentException($"Unsupported vocabulary type {vocabulary.GetType().Name}.", nameof(vocabulary)),
    };

    /// <summary>The length of the whole encoding of a sequence, special tokens included, before any length policy.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids.</returns>
    public abstract int CountTokens(ReadOnlySpan<char> sequence, string? sequenceName);

    /// <summary>The number of sequence tokens (no special tokens, no length limit).</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of tokens.</returns>
    public abstract int CountSequenceTokens(ReadOnlySpan<char> sequence, string? sequenceName = null);

    /// <summary>The raw token stream of a sequence of any length, without special tokens and without length policy.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="destination">Receives the ids; the sequence's length always suffices.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids written.</returns>
    public abstract int TokenizeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null);

    /// <summary>Encodes one model input into a caller's buffer, at most <see cref="MaxTokens"/> ids, with the length policy applied.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="destination">Receives the ids; <see cref="MaxTokens"/> long always suffices.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The number of ids written.</returns>
    public abstract int EncodeToIds(ReadOnlySpan<char> sequence, Span<int> destination, string? sequenceName = null);

    /// <summary>Encodes one model input into a new array.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The ids.</returns>
    public abstract int[] EncodeToIds(ReadOnlySpan<char> sequence, string? sequenceName);

    /// <summary>Encodes one model input with each token's string and its offset in <paramref name="sequence"/>.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>The tokens.</returns>
    public abstract IReadOnlyList<EncodedToken> EncodeToTokens(ReadOnlySpan<char> sequence, string? sequenceName);

    /// <summary>Covers a sequence of any length with model inputs of at most <see cref="MaxTokens"/> ids each.</summary>
    /// <param name="sequence">The text.</param>
    /// <param name="sequenceName">The record's name for error messages.</param>
    /// <returns>At least one window.</returns>
    public abstract IReadOnlyList<TokenWindow> EncodeWindows(ReadOnlySpan<char> sequence, string? sequenceName = null);

    /// <summary>
    /// Encodes several sequences as one padded batch, as Hugging Face's tokenizer does with <c>padding="longest"</c>
    /// (or <c>padding="max_length"</c> with <paramref name="fixedLength"/>): pad id and mask 0 after each sequence
    /// (<see cref="TokenBatch.Pad(IReadOnlyList{int[]}, int, int?)"/>). An empty list gives an empty batch.
    /// </summary>
    /// <param name="sequences">The texts.</param>
    /// <param name="fixedLength">Pad every row to this length (at most <see cref="MaxTokens"/>; a longer sequence is
    /// handled by the length policy against it); <see langword="null"/> pads to the longest encoding.</param>
    /// <param name="sequenceNames">Record names for error messages, parallel to <paramref name="sequences"/>; by default "#index".</param>
    /// <returns>The batch.</returns>
    /// <exception cref="DnaTokenizationException">A sequence is too long under <see cref="LengthPolicy.Error"/> or
    /// <see cref="LengthPolicy.Windows"/>, or has a character normalize mode refuses.</exception>
    public TokenBatch EncodeBatch(IReadOnlyList<string> sequences, int? fixedLength = null, IReadOnlyList<string>? sequenceNames = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (fixedLength is { } fixedValue && (fixedValue <= SpecialTokenCount || fixedValue > MaxTokens))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(fixedLength), fixedLength, $"A fixed length must be between {SpecialTokenCount + 1} and MaxTokens ({MaxTokens}).");
        }
        if (sequenceNames is not null && sequenceNames.Count != sequences.Count)
        {
            ThrowHelper.ThrowArgument(nameof(sequenceNames), $"{sequenceNames.Count} names for {sequences.Count} sequences.");
        }
        if (sequences.Count == 0)
        {
            // The batch builder refuses zero rows (no model input has them); the tokenizer's answer is an empty batch.
            return new TokenBatch(0, fixedLength ?? 0, [], [], []);
        }
        int limit = fixedLength ?? MaxTokens;
        var rows = new int[sequences.Count][];
        for (int i = 0; i < rows.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(sequences[i], $"{nameof(sequences)}[{i}]");
            rows[i] = EncodeModelInput(sequences[i], limit, sequenceNames?[i] ?? $"#{i}");
        }
        return TokenBatch.Pad(rows, Vocabulary.PadId, fixedLength);
    }

    /// <summary>One model input's ids with the length policy applied against <paramref name="limit"/> (at most <see cref="MaxTokens"/>).</summary>
    private protected abstract int[] EncodeModelInput(string sequence, int limit, string sequenceName);

    /// <summary>Decodes ids as Hugging Face's <c>decode</c> does: tokens joined by spaces, then its space clean-up when asked for.</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="skipSpecialTokens">Leave out the special tokens (<c>skip_special_tokens=True</c>).</param>
    /// <returns>The text.</returns>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecialTokens);

    /// <summary>Hugging Face's <c>clean_up_tokenization</c>: removes the space before punctuation and contractions.</summary>
    private protected static string CleanUpTokenizationSpaces(StringBuilder text) =>
        text.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
            .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re")
            .ToString();
}
