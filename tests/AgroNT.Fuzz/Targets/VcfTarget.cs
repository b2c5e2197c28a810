using System.Globalization;
using System.Text;
using AgroNT.MLNet.Variants;

namespace AgroNT.Fuzz.Targets;

/// <summary>
/// <see cref="VcfReader"/> on VCF files built from the real chloroplast genome (SNVs, indels, multi-allelic records,
/// header lines), mutated line by line and byte by byte, plain or gzip (intact or damaged).
/// </summary>
/// <remarks>
/// Invariants: only <see cref="InvalidDataException"/> (documented for damaged gzip) may escape, and only from a damaged
/// gzip file, naming it; a readable file gives the same alleles as <see cref="VcfReader.Parse"/> of its lines; every data line gives at least
/// one allele (malformed lines are reported, never dropped), one per ALT when well formed, with POS above 0 and
/// upper-case REF/ALT; a damaged gzip file is refused or reads in full, never silently shorter.
/// </remarks>
internal sealed class VcfTarget(Workspace workspace) : FuzzTarget
{
    private static readonly string[] LineMutations = ["", "\t", ".", "-1", "0", "99999999999999999999", "1e5", " 12", "A,,C", "<DEL>", "*", "chr\u00E9", "#", "\t\t\t\t"];

    public override string Name => TargetNames.Vcf;

    public override FuzzCase Generate(Random random)
    {
        var log = new List<string>();
        List<string> lines = Seed(random);
        int lineMutations = random.Next(4);
        for (int m = 0; m < lineMutations && lines.Count > 0; m++)
        {
            int i = random.Next(lines.Count);
            string[] fields = lines[i].Split('\t');
            int f = random.Next(fields.Length);
            string replacement = LineMutations[random.Next(LineMutations.Length)];
            fields[f] = random.Next(2) == 0 ? replacement : fields[f] + replacement;
            lines[i] = string.Join('\t', fields);
            log.Add(string.Create(CultureInfo.InvariantCulture, $"line {i + 1} field {f + 1} := '{fields[f]}'"));
        }
        byte[] plain = Encoding.UTF8.GetBytes(string.Join(random.Next(4) == 0 ? "\r\n" : "\n", lines) + "\n");
        if (random.Next(3) == 0)
        {
            plain = Mutations.Mutate(random, plain, log);
        }
        if (random.Next(2) == 0)
        {
            return new VcfCase(plain, null, false, log);
        }
        byte[] gzip = Mutations.Gzip(random, plain, log, out List<(int Compressed, int Plain)> members);
        if (random.Next(2) == 0)
        {
            return new VcfCase(plain, gzip, true, log);
        }
        byte[] intact = gzip;
        gzip = Mutations.DamageGzip(random, gzip, members, log, out int? prefix);
        if (gzip is not [0x1F, 0x8B, ..])
        {
            // No longer gzip at all: read as plain text.
            return new VcfCase(gzip, null, false, log);
        }
        if (prefix is { } p)
        {
            return new VcfCase(plain[..p], gzip, true, log); // cut between members: a valid, shorter file
        }
        if (Mutations.WholeMembers(gzip, intact, plain, members) is { } other)
        {
            // The damage left whole members of the original and nothing else (a deletion that starts inside one
            // member's header and ends at the same place of a later, identical header): a valid gzip file of other
            // content, which no reader can tell from an undamaged one. Its content is those members' text.
            log.Add("still whole members of the original");
            return new VcfCase(other, gzip, true, log);
        }
        return new VcfCase(plain, gzip, false, log);
    }

    public override string Run(FuzzCase input)
    {
        var c = (VcfCase)input;
        string path = workspace.PathFor(c.Gzip is null ? "input.vcf" : "input.vcf.gz");
        File.WriteAllBytes(path, c.Gzip ?? c.Plain);
        List<VariantAllele> alleles;
        try
        {
            alleles = [.. VcfReader.Read(path)];
        }
        catch (InvalidDataException e) when (c.Gzip is not null && !c.GzipIntact)
        {
            Check(e.Message.Contains(path, StringComparison.Ordinal), $"InvalidDataException does not name the file: {e.Message}");
            return "InvalidDataException (damaged gzip)";
        }

        // The text itself, split into lines as a StreamReader does (UTF-8, BOM detected).
        var lines = new List<string>();
        using (var reader = new StreamReader(new MemoryStream(c.Plain)))
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }
        List<VariantAllele> expected = [.. VcfReader.Parse(lines)];
        // A damaged gzip file that still reads must read in full: the damage missed the data (a header flag, say).
        Check(c.Gzip is null || c.GzipIntact || alleles.SequenceEqual(expected),
            $"a damaged gzip VCF read without error as {alleles.Count} alleles, not the {expected.Count} its content holds: silent data loss");
        InvariantViolation.Equal(expected, alleles, "Read vs Parse of the file's lines");

        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var mine = alleles.Where(a => a.Line == i + 1).ToList();
            Check(mine.Count > 0, $"data line {i + 1} gave no allele (dropped): '{line}'");
            if (!mine[0].Malformed)
            {
                string[] fields = line.Split('\t');
                Check(mine.Count == fields[4].Split(',').Length, $"line {i + 1}: {mine.Count} alleles for ALT '{fields[4]}'");
                Check(mine.All(a => a.Pos > 0 && a.Ref == a.Ref.ToUpperInvariant() && a.Alt == a.Alt.ToUpperInvariant()),
                    $"line {i + 1}: an allele with POS <= 0 or lower-case REF/ALT");
            }
        }
        return alleles.Any(a => a.Malformed) ? "ok: some lines malformed" : "ok";
    }

    /// <summary>A small VCF of real reference bases: SNVs, an insertion, a deletion, a multi-allelic record.</summary>
    private static List<string> Seed(Random random)
    {
        string dna = Corpus.Shared.Dna;
        var lines = new List<string>
        {
            "##fileformat=VCFv4.2",
            "##contig=<ID=NC_000932.1,length=" + dna.Length.ToString(CultureInfo.InvariantCulture) + ">",
            "##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele frequency\">",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
        };
        int records = random.Next(0, 12);
        long pos = random.Next(1, 1000);
        for (int i = 0; i < records; i++)
        {
            pos += random.Next(1, 5000);
            pos = Math.Min(pos, dna.Length - 10);
            string reference = dna.Substring((int)pos - 1, random.Next(4) == 0 ? random.Next(2, 6) : 1);
            string alt = random.Next(5) switch
            {
                0 => reference[..1],
                1 => reference + "ACGT"[random.Next(4)],
                2 => "A,C,G",
                3 => "t",
                _ => "ACGT"[random.Next(4)].ToString(),
            };
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"NC_000932.1\t{pos}\t{(random.Next(2) == 0 ? "." : "rs" + i)}\t{reference}\t{alt}\t{random.Next(100)}\tPASS\tAF=0.{random.Next(100)}"));
        }
        return lines;
    }

    private static void Check(bool condition, string message) => InvariantViolation.Check(condition, message);

    private sealed class VcfCase(byte[] plain, byte[]? gzip, bool gzipIntact, List<string> log) : FuzzCase
    {
        public byte[] Plain { get; } = plain;

        public byte[]? Gzip { get; } = gzip;

        public bool GzipIntact { get; } = gzipIntact;

        public override IEnumerable<(string FileName, byte[] Content)> Artifacts() =>
            Gzip is null ? [("input.vcf", Plain)] : [("input.vcf", Plain), ("input.vcf.gz", Gzip)];

        public override string Describe() =>
            $"VCF{(Gzip is null ? string.Empty : GzipIntact ? " gzip" : " damaged gzip")}, {Plain.Length} bytes; {string.Join(", ", log)}";
    }
}
