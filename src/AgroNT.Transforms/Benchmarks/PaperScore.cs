using System.Globalization;

namespace AgroNT.Transforms.Benchmarks;

/// <summary>
/// AgroNT's published score on a task (Mendoza-Revilla et al. 2024, as recorded in AGRONT-FACTS.md): one value, or
/// the range over labels, outputs or species when the paper reports several.
/// </summary>
/// <param name="Low">The lowest reported value (equal to <paramref name="High"/> for a single value).</param>
/// <param name="High">The highest reported value.</param>
/// <param name="Scope">What the range runs over, e.g. <c>per label</c>, <c>per tissue</c>; empty for a single value.</param>
public sealed record PaperScore(double Low, double High, string Scope)
{
    /// <summary>A single published value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>A score with <see cref="Low"/> = <see cref="High"/>.</returns>
    public static PaperScore Single(double value) => new(value, value, string.Empty);

    /// <summary>The score as the paper states it: <c>0.81</c> or <c>0.979-0.987 per label</c>.</summary>
    /// <returns>The text, in the invariant culture.</returns>
    public override string ToString() => Low == High
        ? Low.ToString("0.###", CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Low:0.###}-{High:0.###}") + (Scope.Length == 0 ? string.Empty : " " + Scope);
}
