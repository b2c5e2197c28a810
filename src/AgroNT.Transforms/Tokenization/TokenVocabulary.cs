using System.Diagnostics.CodeAnalysis;

namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// What every vocabulary of an ESM-family model folder offers, whatever its tokens are: AgroNT's k-mers
/// (<see cref="KmerVocabulary"/>) or ESM-2's amino acids (<see cref="ProteinVocabulary"/>). Ids are line numbers of
/// <c>vocab.txt</c>.
/// </summary>
public abstract class TokenVocabulary
{
    private protected TokenVocabulary()
    {
    }

    /// <summary>Number of tokens. Valid ids are <c>0 .. Count - 1</c>.</summary>
    public abstract int Count { get; }

    /// <summary>The tokens in id order.</summary>
    public abstract IReadOnlyList<string> Tokens { get; }

    /// <summary>The most tokens one model input may have, special tokens included.</summary>
    public abstract int MaxTokens { get; }

    /// <summary>Id of the unknown token.</summary>
    public abstract int UnkId { get; }

    /// <summary>Id of the padding token.</summary>
    public abstract int PadId { get; }

    /// <summary>Id of the mask token.</summary>
    public abstract int MaskId { get; }

    /// <summary>Id of the class token that starts every model input.</summary>
    public abstract int ClsId { get; }

    /// <summary>Id of the end token appended to every model input, or <see langword="null"/> when none is (AgroNT).</summary>
    public virtual int? EosId => null;

    /// <summary>Whether decoding applies Hugging Face's <c>clean_up_tokenization</c>.</summary>
    public abstract bool CleanUpTokenizationSpaces { get; }

    /// <summary>The file the vocabulary was read from, or <see langword="null"/> when built from a list.</summary>
    public abstract string? SourcePath { get; }

    /// <summary>The token with an id.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The token string.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside <c>0 .. Count - 1</c>.</exception>
    public abstract string GetToken(int id);

    /// <summary>Looks up the token with an id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="token">The token, when the id is valid.</param>
    /// <returns>Whether the id is valid.</returns>
    public abstract bool TryGetToken(int id, [NotNullWhen(true)] out string? token);

    /// <summary>The id of a token.</summary>
    /// <param name="token">The token string, exactly as in the file.</param>
    /// <returns>The id.</returns>
    /// <exception cref="KeyNotFoundException">The token is not in the vocabulary.</exception>
    public abstract int GetId(string token);

    /// <summary>Looks up the id of a token.</summary>
    /// <param name="token">The token string.</param>
    /// <param name="id">The id, when found.</param>
    /// <returns>Whether the token is in the vocabulary.</returns>
    public abstract bool TryGetId(ReadOnlySpan<char> token, out int id);

    /// <summary>Whether an id is one of the special tokens (those Hugging Face's <c>skip_special_tokens</c> removes).</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> for the special tokens.</returns>
    public abstract bool IsSpecialId(int id);

    /// <summary>
    /// Sequence letters each id covers: k for a k-mer, 1 for a single letter (a nucleotide or an amino acid) or
    /// <c>&lt;unk&gt;</c>, 0 for the other special tokens. Indexed by id.
    /// </summary>
    /// <returns>One count per id.</returns>
    public abstract int[] LettersPerId();

    /// <summary>
    /// Reads the vocabulary of a Hugging Face model folder, choosing its kind from <c>vocab.txt</c>: a protein
    /// vocabulary (the twenty standard amino acids as single-letter tokens and no k-mers: ESM-2) or a k-mer vocabulary
    /// (AgroNT, the Nucleotide Transformers).
    /// </summary>
    /// <param name="modelFolder">The folder, a Hugging Face cache entry <c>models--org--name</c>, or a Hub id in the local cache (<see cref="ModelFolders.ModelFolder.Open(string)"/>).</param>
    /// <returns>A <see cref="ProteinVocabulary"/> or a <see cref="KmerVocabulary"/>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.txt</c>.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static TokenVocabulary ReadModelFolder(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        string folder = Directory.Exists(modelFolder)
            ? ModelFolders.HuggingFaceModelLocator.ResolveCacheEntry(Path.GetFullPath(modelFolder))
            : ModelFolders.ModelFolder.Open(modelFolder).Path;
        string vocabPath = Path.Combine(folder, KmerVocabulary.VocabFileName);
        return File.Exists(vocabPath) && ProteinVocabulary.IsProteinVocabulary(KmerVocabulary.ReadLines(vocabPath))
            ? ProteinVocabulary.FromModelFolder(folder)
            : KmerVocabulary.FromModelFolder(folder);
    }
}
