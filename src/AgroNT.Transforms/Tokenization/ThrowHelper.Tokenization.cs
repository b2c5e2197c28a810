using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms;

internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowInvalidDnaCharacter(string? sequenceName, int position, char c, string fix) =>
        throw new DnaTokenizationException(
            DnaTokenizationError.InvalidCharacter,
            string.Create(CultureInfo.InvariantCulture,
                $"{DescribeSequence(sequenceName)} has the character {DescribeChar(c)} at position {position} (0-based), which TokenizerMode.Normalize does not accept. {fix}"),
            sequenceName, position, c, tokenCount: null, maxTokens: null);

    [DoesNotReturn]
    public static void ThrowTooManyTokens(string? sequenceName, int tokenCount, int maxTokens, bool clsCounted, LengthPolicy policy)
    {
        string counted = clsCounted ? " (counting <cls>)" : string.Empty;
        string fix = policy == LengthPolicy.Windows
            ? "LengthPolicy is Windows: call KmerTokenizer.EncodeWindows to get every window, or use LengthPolicy.Truncate to keep the first ones."
            : $"Set KmerTokenizerOptions.LengthPolicy to Truncate to keep the first {maxTokens} tokens, or to Windows and call EncodeWindows to cover the whole sequence.";
        throw new DnaTokenizationException(
            DnaTokenizationError.TooManyTokens,
            string.Create(CultureInfo.InvariantCulture,
                $"{DescribeSequence(sequenceName)} encodes to {tokenCount} tokens{counted}, more than the limit of {maxTokens} (AgroNT's window is 1024 tokens counting <cls>). {fix}"),
            sequenceName, position: null, character: null, tokenCount, maxTokens);
    }

    [DoesNotReturn]
    public static void ThrowDestinationTooSmall(string paramName, int required, int actual) =>
        throw new ArgumentException(
            string.Create(CultureInfo.InvariantCulture,
                $"The destination holds {actual} ids but the encoding needs {required}; size it with KmerTokenizer.CountTokens (or MaxTokens for model inputs)."),
            paramName);

    private static string DescribeSequence(string? sequenceName) =>
        sequenceName is null ? "The sequence" : $"Sequence '{sequenceName}'";
}
