using System.Globalization;

namespace AgroNT.MLNet.Training.Data;

/// <summary>How the held-out validation windows are chosen from the training genomes.</summary>
public enum ValidationSplitKind
{
    /// <summary>No held-out part of the training genomes (validation genomes may still be given separately).</summary>
    None,

    /// <summary>Whole regions: every genome is read in regions of <see cref="ValidationSplit.RegionLength"/> bp and a spread-out share of them is held out.</summary>
    Regions,

    /// <summary>Whole records (chromosomes, contigs) named in <see cref="ValidationSplit.RecordNames"/>.</summary>
    Records,
}

/// <summary>
/// Which parts of the training genomes are held out for validation, so that no base is in both parts. Genomes are
/// always read in regions of <see cref="RegionLength"/> bp and windows never cross a region's edge, so a held-out region
/// shares nothing with the training windows (not even the overlap between neighbouring windows). AgroNT held out
/// whole species; pass those as validation genomes (<see cref="PretrainingCorpus.FromGenomes"/>) and use
/// <see cref="None"/> here.
/// </summary>
public sealed record ValidationSplit
{
    /// <summary>The default region length, 100 kb: long enough to lose few windows at region edges, short enough to spread the held-out part over a genome.</summary>
    public const int DefaultRegionLength = 100_000;

    private ValidationSplit(ValidationSplitKind kind, double fraction, int regionLength, IReadOnlyList<string> recordNames)
    {
        Kind = kind;
        Fraction = fraction;
        RegionLength = regionLength;
        RecordNames = recordNames;
    }

    /// <summary>Nothing held out of the training genomes.</summary>
    public static ValidationSplit None { get; } = new(ValidationSplitKind.None, 0, DefaultRegionLength, []);

    /// <summary>The kind of split.</summary>
    public ValidationSplitKind Kind { get; }

    /// <summary>The held-out share of regions (<see cref="ValidationSplitKind.Regions"/>).</summary>
    public double Fraction { get; }

    /// <summary>The region length in bp: the unit of the split and the longest stretch windows are cut from.</summary>
    public int RegionLength { get; }

    /// <summary>The held-out record names (<see cref="ValidationSplitKind.Records"/>), compared exactly.</summary>
    public IReadOnlyList<string> RecordNames { get; }

    /// <summary>
    /// Holds out <paramref name="fraction"/> of each genome's regions of <paramref name="regionLength"/> bp. Region n
    /// (counted from 0 through each file in order) is held out when <c>floor((n + 1) f + p)</c> exceeds
    /// <c>floor(n f + p)</c>, with a phase p in [0, 1) hashed from the file name: the held-out regions are evenly spread,
    /// their number is the fraction of the file's regions to within one, and the choice does not depend on the seed, the
    /// other files, or the order they are read in.
    /// </summary>
    public static ValidationSplit ByRegion(double fraction = 0.05, int regionLength = DefaultRegionLength)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must lie strictly between 0 and 1.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(regionLength, 1000, nameof(regionLength));
        return new ValidationSplit(ValidationSplitKind.Regions, fraction, regionLength, []);
    }

    /// <summary>Holds out the records with these exact names (the FASTA header's first word), in every training genome.</summary>
    public static ValidationSplit ByRecord(params IEnumerable<string> recordNames)
    {
        ArgumentNullException.ThrowIfNull(recordNames);
        string[] names = recordNames.Distinct(StringComparer.Ordinal).ToArray();
        if (names.Length == 0)
        {
            throw new ArgumentException("Name at least one record to hold out.", nameof(recordNames));
        }
        return new ValidationSplit(ValidationSplitKind.Records, 0, DefaultRegionLength, names);
    }

    /// <summary>The same split reading genomes in regions of <paramref name="regionLength"/> bp.</summary>
    public ValidationSplit WithRegionLength(int regionLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(regionLength, 1000, nameof(regionLength));
        return new ValidationSplit(Kind, Fraction, regionLength, RecordNames);
    }

    /// <summary>A one-line description for logs and model cards.</summary>
    public string Describe() => Kind switch
    {
        ValidationSplitKind.None => "none",
        ValidationSplitKind.Regions => string.Create(CultureInfo.InvariantCulture, $"{Fraction:0.###} of {RegionLength:N0} bp regions, evenly spread"),
        _ => $"records {string.Join(", ", RecordNames)}",
    };

    /// <inheritdoc/>
    public bool Equals(ValidationSplit? other) =>
        other is not null && Kind == other.Kind && Fraction.Equals(other.Fraction) && RegionLength == other.RegionLength
        && RecordNames.SequenceEqual(other.RecordNames, StringComparer.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Fraction, RegionLength, RecordNames.Count);

    /// <summary>Whether region <paramref name="regionIndex"/> of the file <paramref name="sourceName"/>, in record <paramref name="recordName"/>, is held out.</summary>
    internal bool IsHeldOut(string sourceName, string recordName, long regionIndex)
    {
        switch (Kind)
        {
            case ValidationSplitKind.Records:
                return RecordNames.Contains(recordName, StringComparer.Ordinal);
            case ValidationSplitKind.Regions:
                double phase = (StableHash(sourceName) >> 11) * (1.0 / (1UL << 53));
                return Math.Floor((regionIndex + 1) * Fraction + phase) > Math.Floor(regionIndex * Fraction + phase);
            default:
                return false;
        }
    }

    /// <summary>FNV-1a over the UTF-16 code units, finished with a SplitMix64 mix: stable across processes and .NET versions.</summary>
    internal static ulong StableHash(string text)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }
        return CounterRandom.Derive(hash);
    }
}
