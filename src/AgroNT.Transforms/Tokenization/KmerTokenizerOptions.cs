namespace AgroNT.Transforms.Tokenization;

/// <summary>How <see cref="KmerTokenizer"/> reads the text it is given.</summary>
public enum TokenizerMode
{
    /// <summary>
    /// Clean up the text the way AgroNT's pretraining data was cleaned, then tokenize. The default.
    /// Upper-cases, maps <c>U</c> to <c>T</c>, maps the IUPAC ambiguity codes <c>R Y S W K M B D H V N</c> (either case)
    /// to <c>N</c>, drops or rejects whitespace and digits per <see cref="KmerTokenizerOptions.Whitespace"/> and
    /// <see cref="KmerTokenizerOptions.Digits"/>, and refuses anything else (gaps <c>-</c> <c>.</c>, <c>*</c>, other
    /// letters, and <c>&lt;</c>: literal special tokens such as <c>&lt;mask&gt;</c> are an <see cref="Hf"/> feature)
    /// with a <see cref="DnaTokenizationException"/> naming the record, position and character.
    /// </summary>
    /// <remarks>
    /// Why it is the default: soft-masked plant genomes write repeats in lowercase, and AgroNT was pretrained on
    /// sequences whose non-ACGT letters had been replaced by <c>N</c>. <see cref="Hf"/> turns every lowercase or
    /// ambiguous stretch into a single <c>&lt;unk&gt;</c> token without a word of warning, which silently destroys
    /// the input. On clean A/C/G/T/N text both modes produce identical ids.
    /// </remarks>
    Normalize = 0,

    /// <summary>
    /// Exactly what Hugging Face's <c>EsmTokenizer</c> (transformers 4.32) does: every vocabulary entry is an
    /// unsplittable token matched leftmost-longest, literal special tokens in the text (<c>&lt;mask&gt;</c>,
    /// <c>&lt;cls&gt;</c>, <c>&lt;pad&gt;</c>, <c>&lt;unk&gt;</c>) become those tokens, whitespace is dropped but
    /// separates tokens (it breaks a 6-mer), and each whitespace-free run of characters that match nothing (lowercase,
    /// IUPAC codes, <c>U</c>, gaps) becomes one <c>&lt;unk&gt;</c>, after which the k-mer grid restarts.
    /// </summary>
    Hf = 1,
}

/// <summary>What <see cref="TokenizerMode.Normalize"/> does with a class of characters that are not sequence.</summary>
public enum CharacterHandling
{
    /// <summary>Remove the character; the letters on either side join (a 6-mer may span a dropped line break).</summary>
    Drop = 0,

    /// <summary>Refuse the sequence with a <see cref="DnaTokenizationException"/> naming the position.</summary>
    Reject = 1,
}

/// <summary>What happens to a sequence that needs more tokens than the model's window (1024 for AgroNT, counting <c>&lt;cls&gt;</c>).</summary>
public enum LengthPolicy
{
    /// <summary>Refuse it with a <see cref="DnaTokenizationException"/> giving the token count and the limit. The default:
    /// Hugging Face would tokenize it and the model would then fail with an index error.</summary>
    Error = 0,

    /// <summary>Keep <c>&lt;cls&gt;</c> and the first tokens, up to <see cref="KmerTokenizerOptions.MaxTokens"/> in all
    /// (what Hugging Face does with <c>truncation=True</c>).</summary>
    Truncate = 1,

    /// <summary>Cover the whole sequence with consecutive windows, each with its own <c>&lt;cls&gt;</c>
    /// (<see cref="KmerTokenizer.EncodeWindows(ReadOnlySpan{char}, string?)"/>). APIs that return a single encoding refuse
    /// an over-long sequence under this policy and point to <c>EncodeWindows</c>.</summary>
    Windows = 2,
}

/// <summary>Settings of a <see cref="KmerTokenizer"/>. Immutable; the defaults suit AgroNT on real genomes.</summary>
public sealed record KmerTokenizerOptions
{
    /// <summary>The defaults: <see cref="TokenizerMode.Normalize"/>, whitespace dropped, digits rejected, over-long sequences refused.</summary>
    public static KmerTokenizerOptions Default { get; } = new();

    /// <summary>How the text is read. Default <see cref="TokenizerMode.Normalize"/> (see there for why).</summary>
    public TokenizerMode Mode { get; init; } = TokenizerMode.Normalize;

    /// <summary>Whitespace in <see cref="TokenizerMode.Normalize"/>. Default <see cref="CharacterHandling.Drop"/>, so
    /// line-wrapped FASTA text tokenizes as one sequence. <see cref="TokenizerMode.Hf"/> always drops whitespace but lets it
    /// separate tokens, as Hugging Face does.</summary>
    public CharacterHandling Whitespace { get; init; } = CharacterHandling.Drop;

    /// <summary>ASCII digits (GenBank-style position numbers) in <see cref="TokenizerMode.Normalize"/>. Default
    /// <see cref="CharacterHandling.Reject"/>: a digit inside a sequence usually means a mis-parsed file.
    /// <see cref="TokenizerMode.Hf"/> treats digits as unknown characters.</summary>
    public CharacterHandling Digits { get; init; } = CharacterHandling.Reject;

    /// <summary>What to do with sequences longer than <see cref="MaxTokens"/>. Default <see cref="LengthPolicy.Error"/>.</summary>
    public LengthPolicy LengthPolicy { get; init; } = LengthPolicy.Error;

    /// <summary>The most ids one model input may have, counting <c>&lt;cls&gt;</c>. <see langword="null"/> (the default) takes
    /// the vocabulary's <see cref="KmerVocabulary.MaxTokens"/> (<c>model_max_length</c>, 1024 for AgroNT); a value above that is refused.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>For <see cref="LengthPolicy.Windows"/>: how many sequence tokens each window starts after the previous one.
    /// <see langword="null"/> (the default) means a full window (<see cref="MaxTokens"/> minus <c>&lt;cls&gt;</c>: windows do not
    /// overlap); smaller values make windows overlap by the difference.</summary>
    public int? WindowStride { get; init; }

    /// <summary>Whether model inputs start with <c>&lt;cls&gt;</c>, as AgroNT expects. Default <see langword="true"/>.</summary>
    public bool AddClsToken { get; init; } = true;
}
