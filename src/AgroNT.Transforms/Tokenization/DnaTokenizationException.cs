namespace AgroNT.Transforms.Tokenization;

/// <summary>What went wrong when a DNA sequence could not be tokenized.</summary>
public enum DnaTokenizationError
{
    /// <summary>A character that <see cref="TokenizerMode.Normalize"/> refuses (a gap, a digit under
    /// <see cref="CharacterHandling.Reject"/>, a literal special token, any non-nucleotide letter).</summary>
    InvalidCharacter,

    /// <summary>The sequence needs more tokens than the model's window and the length policy is
    /// <see cref="LengthPolicy.Error"/> (or <see cref="LengthPolicy.Windows"/> on an API that returns one encoding).</summary>
    TooManyTokens,
}

/// <summary>
/// A sequence the tokenizer refuses rather than encode into something the model was never trained on. The message
/// names the record, the position and character (or the token count and the limit), and says how to fix it.
/// </summary>
public sealed class DnaTokenizationException : Exception
{
    /// <summary>Creates an exception with a message only; prefer the tokenizer's own errors, which fill in the details.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public DnaTokenizationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The cause.</param>
    public DnaTokenizationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with every detail the tokenizer knows.</summary>
    /// <param name="error">The kind of failure.</param>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="sequenceName">The record's name, when the caller gave one.</param>
    /// <param name="position">0-based index of the offending character in the caller's text.</param>
    /// <param name="character">The offending character.</param>
    /// <param name="tokenCount">How many tokens the sequence needs.</param>
    /// <param name="maxTokens">The limit it exceeded.</param>
    public DnaTokenizationException(DnaTokenizationError error, string message, string? sequenceName, int? position, char? character, int? tokenCount, int? maxTokens)
        : base(message)
    {
        Error = error;
        SequenceName = sequenceName;
        Position = position;
        Character = character;
        TokenCount = tokenCount;
        MaxTokens = maxTokens;
    }

    /// <summary>The kind of failure.</summary>
    public DnaTokenizationError Error { get; }

    /// <summary>The record's name (a FASTA header, a row id) when the caller passed one.</summary>
    public string? SequenceName { get; }

    /// <summary>0-based index of the offending character in the text the caller passed, for <see cref="DnaTokenizationError.InvalidCharacter"/>.</summary>
    public int? Position { get; }

    /// <summary>The offending character, for <see cref="DnaTokenizationError.InvalidCharacter"/>.</summary>
    public char? Character { get; }

    /// <summary>How many tokens the sequence needs, for <see cref="DnaTokenizationError.TooManyTokens"/>.</summary>
    public int? TokenCount { get; }

    /// <summary>The token limit that was exceeded, for <see cref="DnaTokenizationError.TooManyTokens"/>.</summary>
    public int? MaxTokens { get; }
}
