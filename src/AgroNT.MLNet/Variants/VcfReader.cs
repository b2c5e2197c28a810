using System.Globalization;
using AgroNT.Transforms.Sequences;

namespace AgroNT.MLNet.Variants;

/// <summary>One alternative allele of a VCF record (multi-allelic records give one per ALT).</summary>
/// <param name="Chrom">CHROM.</param>
/// <param name="Pos">POS, 1-based (0 when the line is malformed).</param>
/// <param name="Id">ID (<c>.</c> when absent).</param>
/// <param name="Ref">REF, upper-cased.</param>
/// <param name="Alt">This ALT allele, upper-cased.</param>
/// <param name="Line">1-based line number in the VCF.</param>
/// <param name="Malformed">True when the line could not be parsed; such alleles are reported, never dropped.</param>
public sealed record VariantAllele(string Chrom, long Pos, string Id, string Ref, string Alt, long Line = 0, bool Malformed = false);

/// <summary>
/// Streams the alleles of a VCF (plain, gzip or BGZF, told by the content): header lines skipped, multi-allelic records
/// split. Compressed VCFs are checked to their end, so a truncated or damaged file is an error, never fewer alleles.
/// </summary>
public static class VcfReader
{
    /// <summary>Reads the alleles of <paramref name="path"/> lazily, in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// During enumeration, when the reader gets there: the compressed data is truncated or damaged (the message names the file).
    /// </exception>
    public static IEnumerable<VariantAllele> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"VCF {path} does not exist.", path);
        }
        return ReadLines(path);
    }

    /// <summary>Parses the alleles of VCF text lines (header lines skipped).</summary>
    public static IEnumerable<VariantAllele> Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        long number = 0;
        foreach (string line in lines)
        {
            number++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string[] fields = line.Split('\t');
            if (fields.Length < 5 || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pos) || pos <= 0)
            {
                yield return new VariantAllele(fields[0], 0, fields.Length > 2 ? fields[2] : ".", fields.Length > 3 ? fields[3] : "", fields.Length > 4 ? fields[4] : "", number, Malformed: true);
                continue;
            }
            foreach (string alt in fields[4].Split(','))
            {
                yield return new VariantAllele(fields[0], pos, fields[2], fields[3].ToUpperInvariant(), alt.ToUpperInvariant(), number);
            }
        }
    }

    private static IEnumerable<VariantAllele> ReadLines(string path)
    {
        using var reader = new StreamReader(CompressedInput.OpenRead(path));
        foreach (var allele in Parse(Lines(reader)))
        {
            yield return allele;
        }
    }

    private static IEnumerable<string> Lines(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }
}
