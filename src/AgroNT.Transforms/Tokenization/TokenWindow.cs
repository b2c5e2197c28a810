namespace AgroNT.Transforms.Tokenization;

/// <summary>
/// One model input cut from a sequence too long for a single window
/// (<see cref="KmerTokenizer.EncodeWindows(ReadOnlySpan{char}, string?)"/>).
/// </summary>
/// <param name="Index">0-based position of the window in the sequence's list of windows.</param>
/// <param name="Ids">The window's ids: <c>&lt;cls&gt;</c> (when the tokenizer adds it) then the sequence tokens
/// <c>[TokenStart, TokenEnd)</c>; never longer than the tokenizer's <see cref="KmerTokenizer.MaxTokens"/>.</param>
/// <param name="TokenStart">Index of the window's first token among the sequence's tokens (not counting <c>&lt;cls&gt;</c>).</param>
/// <param name="TokenEnd">Index just past the window's last token among the sequence's tokens.</param>
/// <param name="BaseStart">Index in the input text of the first character the window's tokens cover.</param>
/// <param name="BaseEnd">Index in the input text just past the last character the window's tokens cover.</param>
public sealed record TokenWindow(int Index, int[] Ids, int TokenStart, int TokenEnd, int BaseStart, int BaseEnd)
{
    /// <summary>Number of sequence tokens in the window (without <c>&lt;cls&gt;</c>).</summary>
    public int TokenCount => TokenEnd - TokenStart;

    /// <summary>Number of input characters the window covers.</summary>
    public int BaseCount => BaseEnd - BaseStart;
}
