using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class StrandTextTests
{
    private static readonly KmerTokenizerOptions s_normalize = KmerTokenizerOptions.Default;
    private static readonly KmerTokenizerOptions s_hf = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf };

    [Fact]
    public void Normalize_ComplementsBasesKeepsCase_IupacBecomesN_RnaBecomesDna()
    {
        Assert.Equal("nNNNNNNNNNNn" + "TGCAtgca" + "AAaa", StrandText.ReverseComplement("uuUU" + "tgcaTGCA" + "nRYSWKMBDHVn", s_normalize));
    }

    [Fact]
    public void Normalize_OnPlainDna_IsDnaReverseComplement()
    {
        const string dna = "ACGTTGCAaccgtNNACGT";
        Assert.Equal(Dna.ReverseComplement(dna), StrandText.ReverseComplement(dna, s_normalize));
    }

    [Fact]
    public void Normalize_TokenizesLikeTheReverseComplementOfTheNormalizedText()
    {
        var tokenizer = TestVocabularies.Create(s_normalize);
        const string messy = "ACGUUAcgtacgRYSWKMBDHVNnacgtAAAACCCCGGGGTTTTuagc\nACGTAC";
        string normalized = new string([.. messy.Where(c => c != '\n').Select(c => char.ToUpperInvariant(c) switch
        {
            'U' => 'T',
            'A' or 'C' or 'G' or 'T' => char.ToUpperInvariant(c),
            _ => 'N',
        })]);
        Assert.Equal(
            tokenizer.EncodeToIds(Dna.ReverseComplement(normalized)),
            tokenizer.EncodeToIds(StrandText.ReverseComplement(messy, s_normalize)));
    }

    [Fact]
    public void Normalize_RejectedCharacter_IsReportedAtItsForwardPosition()
    {
        var error = Assert.Throws<DnaTokenizationException>(() => StrandText.ReverseComplement("ACGT-ACGT", s_normalize, "chr1"));
        Assert.Equal(4, error.Position);
        Assert.Equal('-', error.Character);
        Assert.Contains("chr1", error.Message);

        var digit = Assert.Throws<DnaTokenizationException>(() => StrandText.ReverseComplement("ACG7T", s_normalize));
        Assert.Equal(3, digit.Position);
        Assert.Equal("T7CGT", StrandText.ReverseComplement("ACG7A", s_normalize with { Digits = CharacterHandling.Drop }));
    }

    [Fact]
    public void Hf_ComplementsOnlyUpperCaseBases_AndMirrorsUnknownRuns()
    {
        Assert.Equal("NTGCAaccgt RU", StrandText.ReverseComplement("UR tgccaTGCAN", s_hf));
        var error = Assert.Throws<ArgumentException>(() => StrandText.ReverseComplement("ACG<mask>T", s_hf, "probe"));
        Assert.Contains("<mask>", error.Message);
        Assert.Contains("probe", error.Message);
    }
}
