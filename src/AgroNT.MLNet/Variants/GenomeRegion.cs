using System.Globalization;

namespace AgroNT.MLNet.Variants;

/// <summary>A 1-based inclusive genome interval, as written <c>chrom:start-end</c>.</summary>
/// <param name="Chrom">The contig.</param>
/// <param name="Start">First base, 1-based.</param>
/// <param name="End">Last base, 1-based, inclusive.</param>
public sealed record GenomeRegion(string Chrom, long Start, long End)
{
    /// <summary>Bases in the region.</summary>
    public long Length => End - Start + 1;

    /// <summary>Parses <c>chrom:start-end</c> (commas in numbers allowed).</summary>
    /// <exception cref="FormatException">The text is not of that form, or start &gt; end, or start &lt; 1.</exception>
    public static GenomeRegion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        int dash = colon < 0 ? -1 : text.IndexOf('-', colon);
        if (colon <= 0 || dash < 0
            || !long.TryParse(text.AsSpan(colon + 1, dash - colon - 1).ToString().Replace(",", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            || !long.TryParse(text.AsSpan(dash + 1).ToString().Replace(",", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out long end)
            || start < 1 || end < start)
        {
            throw new FormatException($"'{text}' is not a region; write chrom:start-end with 1-based inclusive coordinates, e.g. NC_000932.1:1001-1100.");
        }
        return new GenomeRegion(text[..colon], start, end);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Chrom}:{Start}-{End}";
}
