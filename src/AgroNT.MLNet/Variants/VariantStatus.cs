namespace AgroNT.MLNet.Variants;

/// <summary>Whether an allele was scored, and if not, why. Written to the <c>status</c> column in snake case.</summary>
public enum VariantStatus
{
    /// <summary>Scored.</summary>
    Ok,

    /// <summary>REF and ALT differ in length (insertion or deletion), or ALT is a symbolic/structural allele.</summary>
    Indel,

    /// <summary>REF and ALT are equal-length multi-base alleles (MNV); only single-base variants are scored.</summary>
    Mnv,

    /// <summary>REF, ALT, or the reference token around the variant holds a letter other than A, C, G, T.</summary>
    NonAcgt,

    /// <summary>REF does not match the reference genome at POS.</summary>
    RefMismatch,

    /// <summary>The CHROM is not in the reference FASTA.</summary>
    MissingContig,

    /// <summary>
    /// The contig is shorter than one 6-mer token (under 6 bp). (Variants near a contig's ends are scored: the window is
    /// shifted inward; see <see cref="VariantScorer"/>.)
    /// </summary>
    TooCloseToEdge,

    /// <summary>The VCF line could not be parsed (fewer than 5 columns, or a POS that is not a positive integer).</summary>
    Malformed,

    /// <summary>POS lies past the end of the contig in the reference.</summary>
    OutsideContig,
}

/// <summary>Text forms of <see cref="VariantStatus"/>.</summary>
public static class VariantStatusNames
{
    /// <summary>The snake-case name written to output files: <c>ok</c>, <c>indel</c>, <c>mnv</c>, <c>non_acgt</c>, <c>ref_mismatch</c>, <c>missing_contig</c>, <c>too_close_to_edge</c>, <c>malformed</c>, <c>outside_contig</c>.</summary>
    public static string ToName(this VariantStatus status) => status switch
    {
        VariantStatus.Ok => "ok",
        VariantStatus.Indel => "indel",
        VariantStatus.Mnv => "mnv",
        VariantStatus.NonAcgt => "non_acgt",
        VariantStatus.RefMismatch => "ref_mismatch",
        VariantStatus.MissingContig => "missing_contig",
        VariantStatus.TooCloseToEdge => "too_close_to_edge",
        VariantStatus.OutsideContig => "outside_contig",
        _ => "malformed",
    };
}
