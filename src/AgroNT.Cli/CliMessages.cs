using System.Text.RegularExpressions;

namespace AgroNT.Cli;

/// <summary>
/// Library messages told in the command line's words: the library names its C# settings
/// (<c>KmerTokenizerOptions.LengthPolicy</c>, <c>TokenizerMode.Hf</c>), a CLI user knows only the flags
/// (<c>--length-policy</c>, <c>--tokenizer-mode hf</c>). Each rule rewrites one phrasing; text no rule matches is kept.
/// </summary>
internal static class CliMessages
{
    private static readonly (Regex Pattern, string Replacement)[] s_rules =
    [
        // Too many tokens (DNA and protein tokenizers), under the error policy.
        (new Regex(@"Set KmerTokenizerOptions\.LengthPolicy to Truncate(?: \(--length-policy truncate\))? to keep (?<what>.+?), or to Windows(?: and call EncodeWindows)? to cover the whole sequence\.", RegexOptions.CultureInvariant),
            "Use --length-policy truncate to keep ${what}, or --length-policy windows to cover the whole sequence."),
        // Too many tokens when windows were asked for but a single encoding was made.
        (new Regex(@"LengthPolicy is Windows: call (?:KmerTokenizer\.)?EncodeWindows to get every window[^.]*?, or use (?:LengthPolicy\.)?Truncate to keep the first [a-z]+\.", RegexOptions.CultureInvariant),
            "--length-policy windows covers the whole sequence; --length-policy truncate keeps the first tokens."),
        (new Regex(@"KmerTokenizerOptions\.WindowStride must be between", RegexOptions.CultureInvariant), "--stride must be between"),
        (new Regex(@", or null for non-overlapping windows\.", RegexOptions.CultureInvariant), ", or left out for non-overlapping windows."),
        (new Regex(@"KmerTokenizerOptions\.MaxTokens", RegexOptions.CultureInvariant), "the window length"),
        (new Regex(@"Whitespace is rejected because KmerTokenizerOptions\.Whitespace is Reject; set it to CharacterHandling\.Drop to remove it\.", RegexOptions.CultureInvariant),
            "Remove the whitespace from the record."),
        (new Regex(@"KmerTokenizerOptions\.Whitespace is Reject; remove the whitespace or set it to Drop\.", RegexOptions.CultureInvariant),
            "Remove the whitespace from the record."),
        (new Regex(@"Digits are rejected because KmerTokenizerOptions\.Digits is Reject; set it to CharacterHandling\.Drop if they are position numbers\.", RegexOptions.CultureInvariant),
            "Digits are not sequence: remove them (GenBank-style position numbers) from the record."),
        (new Regex(@"TokenizerMode\.Hf \(--tokenizer-mode hf\)", RegexOptions.CultureInvariant), "--tokenizer-mode hf"),
        (new Regex(@"TokenizerMode\.Hf", RegexOptions.CultureInvariant), "--tokenizer-mode hf"),
        (new Regex(@"TokenizerMode\.Normalize", RegexOptions.CultureInvariant), "--tokenizer-mode normalize (the default)"),
        (new Regex(@"VariantScoringOptions\.Strand", RegexOptions.CultureInvariant), "--strand"),
        (new Regex(@"VariantScoringOptions\.WindowBases must be between", RegexOptions.CultureInvariant), "--window must be between"),
        (new Regex(@"set CheckpointLoadOptions\.AllowNonFiniteWeights \(AgroNTModelOptions\.AllowNonFiniteWeights, --allow-non-finite-weights on the command line\)", RegexOptions.CultureInvariant),
            "pass --allow-non-finite-weights"),
        (new Regex(@"the step axis, MetricsPlotOptions\.StepColumn", RegexOptions.CultureInvariant), "the step axis"),
        // ArgumentException's own suffixes name a C# parameter; say the value instead.
        (new Regex(@" ?\(Parameter '[^']*'\)(?: Actual value was (?<value>.+?)\.?$)?", RegexOptions.CultureInvariant), " (got ${value})"),
        (new Regex(@" \(got \)", RegexOptions.CultureInvariant), ""),
    ];

    /// <summary><paramref name="message"/> with the library's C# setting names replaced by the agront flags that set them.</summary>
    public static string ForCli(string message)
    {
        foreach (var (pattern, replacement) in s_rules)
        {
            message = pattern.Replace(message, replacement);
        }
        return message;
    }
}
