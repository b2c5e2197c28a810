using System.Text;

namespace AgroNT.Transforms.Sequences;

/// <summary>A Plant Genomic Benchmark example's name and labels, read from its FASTA header by <see cref="BenchmarkHeader"/>.</summary>
/// <param name="Name">The text before the first <c>|</c>.</param>
/// <param name="Labels">
/// The labels in header order: one for binary and regression tasks, K for multi-label and multi-output tasks.
/// Integers (binary, multi-label) are exact as floats up to 2^24.
/// </param>
/// <remarks>Equality compares the labels element by element, not the array references.</remarks>
public sealed record BenchmarkLabel(string Name, float[] Labels)
{
    /// <summary>Whether both have the same name and the same labels in the same order.</summary>
    /// <param name="other">The label to compare with.</param>
    /// <returns><see langword="true"/> when name and labels are equal.</returns>
    public bool Equals(BenchmarkLabel? other) =>
        other is not null && Name == other.Name && Labels.AsSpan().SequenceEqual(other.Labels);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        foreach (float label in Labels)
        {
            hash.Add(label);
        }
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name).Append(", Labels = [")
            .AppendJoin(", ", Labels.Select(label => label.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Append(']');
        return true;
    }
}
