using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AgroNT.Transforms.Sequences;

/// <summary>
/// Reads the labels that Plant Genomic Benchmark FASTA files carry in their headers: <c>name|label</c> for binary
/// and regression tasks, <c>name|l1|l2|...|lK</c> for multi-label and multi-output tasks.
/// </summary>
/// <remarks>
/// The name is the text before the first <c>|</c> (it may be empty); every later field is a label, an integer or a
/// decimal number in the invariant culture (<c>.</c> as the decimal point, exponents allowed, surrounding spaces
/// ignored). A leading <c>&gt;</c> is skipped, so a raw header line can be passed. A field that is empty, not a
/// number or not finite (NaN, infinity) is an error: a label like that would silently poison training.
/// Pass <see cref="SequenceRecord.Name"/>: PGB headers contain no whitespace.
/// </remarks>
public static class BenchmarkHeader
{
    /// <summary>Parses a header such as <c>NC_000932:1-402(+)|1</c> or <c>chr1:100-1100|0|1|1|0</c>.</summary>
    /// <param name="header">The header text, with or without its leading <c>&gt;</c>.</param>
    /// <returns>The name and the labels.</returns>
    /// <exception cref="FormatException">The header has no <c>|</c>, or a label field is not a finite number; the message names the header and the field.</exception>
    public static BenchmarkLabel Parse(string header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return TryParse(header, out BenchmarkLabel? label, out string? error) ? label : throw new FormatException(error);
    }

    /// <summary>Parses a header like <see cref="Parse(string)"/>, returning <see langword="false"/> instead of throwing.</summary>
    /// <param name="header">The header text, with or without its leading <c>&gt;</c>.</param>
    /// <param name="label">The name and labels when the header is valid; otherwise <see langword="null"/>.</param>
    /// <returns>Whether the header is valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? header, [NotNullWhen(true)] out BenchmarkLabel? label) =>
        TryParse(header, out label, out _);

    private static bool TryParse(string? header, [NotNullWhen(true)] out BenchmarkLabel? label, [NotNullWhen(false)] out string? error)
    {
        label = null;
        if (header is null)
        {
            error = "The Plant Genomic Benchmark header is null.";
            return false;
        }
        ReadOnlySpan<char> text = header.AsSpan().Trim();
        if (text.StartsWith('>'))
        {
            text = text[1..];
        }
        int bar = text.IndexOf('|');
        if (bar < 0)
        {
            error = $"The header '{header}' has no '|': Plant Genomic Benchmark headers are 'name|label' or 'name|l1|l2|...|lK'.";
            return false;
        }

        var labels = new float[text[bar..].Count('|')];
        ReadOnlySpan<char> rest = text[(bar + 1)..];
        for (int i = 0; i < labels.Length; i++)
        {
            int next = rest.IndexOf('|');
            ReadOnlySpan<char> field = next < 0 ? rest : rest[..next];
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out labels[i]) || !float.IsFinite(labels[i]))
            {
                error = $"The header '{header}' has label field {i + 1} '{field}', which is not a finite number: labels are "
                    + "integers or decimals with '.' as the decimal point, as in 'name|1' or 'name|0.25|1.5'.";
                return false;
            }
            rest = next < 0 ? [] : rest[(next + 1)..];
        }
        label = new BenchmarkLabel(new string(text[..bar]), labels);
        error = null;
        return true;
    }
}
