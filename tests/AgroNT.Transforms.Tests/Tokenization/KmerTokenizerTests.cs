using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class KmerTokenizerTests
{
    private static readonly KmerTokenizer s_normalize = TestVocabularies.Create();
    private static readonly KmerTokenizer s_hf = TestVocabularies.Hf();

    private static string OverMaxText => HfTokenizationFixtures.Get("over_max_1031tok").Text;

    private static string Tokens(KmerTokenizer tokenizer, string text) =>
        string.Join(' ', tokenizer.EncodeToTokens(text, sequenceName: null).Select(t => t.Value));

    [Fact]
    public void Create_DefaultOptions_AreNormalizeModeWithAgroNTWindow()
    {
        KmerTokenizer tokenizer = KmerTokenizer.Create(SharedData.TinyModel);

        Assert.Equal(TokenizerMode.Normalize, tokenizer.Options.Mode);
        Assert.Equal(1024, tokenizer.MaxTokens);
        Assert.Equal(1023, tokenizer.WindowStride);
        Assert.Null(tokenizer.Normalizer);
        Assert.Null(tokenizer.PreTokenizer);
    }

    [Theory]
    [InlineData(1025, null)]
    [InlineData(1, null)]
    [InlineData(null, 0)]
    [InlineData(null, 1024)]
    [InlineData(100, 100)]
    public void Create_OutOfRangeWindowOptions_Throw(int? maxTokens, int? stride)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TestVocabularies.Create(new KmerTokenizerOptions { MaxTokens = maxTokens, WindowStride = stride }));
    }

    [Fact]
    public void Create_UndefinedEnumValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => TestVocabularies.Create(new KmerTokenizerOptions { Mode = (TokenizerMode)7 }));
    }

    [Fact]
    public void EncodeToIds_CleanRandomSequences_NormalizeAndHfModesAgree()
    {
        var random = new Random(20240601);
        for (int trial = 0; trial < 500; trial++)
        {
            string sequence = TestVocabularies.RandomDna(random, random.Next(0, 700), trial % 3 == 0 ? "ACGT" : "ACGTN");

            Assert.Equal(s_hf.EncodeToIds(sequence), s_normalize.EncodeToIds(sequence));
        }
    }

    [Fact]
    public void Decode_EncodedRandomSequences_RoundTripsIgnoringSpaces()
    {
        var random = new Random(7);
        foreach (KmerTokenizer tokenizer in new[] { s_normalize, s_hf })
        {
            for (int trial = 0; trial < 300; trial++)
            {
                string sequence = TestVocabularies.RandomDna(random, random.Next(0, 1500));

                string decoded = tokenizer.Decode(tokenizer.EncodeToIds(sequence, sequenceName: null), skipSpecialTokens: true);

                Assert.Equal(sequence, decoded.Replace(" ", string.Empty, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void TokenizeToIds_ArbitraryTextInHfMode_OnlyProducesVocabularyIds()
    {
        var random = new Random(11);
        const string Alphabet = "ACGTNacgtnRYUu-*.<>maskclsunkpd \t\n0123456789é\u2003\uD83E";
        var destination = new int[4000];
        for (int trial = 0; trial < 500; trial++)
        {
            string text = TestVocabularies.RandomDna(random, random.Next(0, 3000), Alphabet);

            int count = s_hf.TokenizeToIds(text, destination);

            Assert.All(destination.Take(count), id => Assert.InRange(id, 0, s_hf.Vocabulary.Count - 1));
        }
    }

    [Fact]
    public void EncodeToIds_NormalizeMode_FoldsCaseUAndIupacCodes()
    {
        Assert.Equal(s_hf.EncodeToIds("ACGTACGTACGT"), s_normalize.EncodeToIds("acgtacgtacgt"));
        Assert.Equal(s_hf.EncodeToIds("ACGTACGTACGT"), s_normalize.EncodeToIds("ACGUACGUACGU"));
        Assert.Equal(s_hf.EncodeToIds("ACGTACGTACGT"), s_normalize.EncodeToIds("acguACGuacgT"));
        Assert.Equal(s_hf.EncodeToIds("ACGTNNACGT"), s_normalize.EncodeToIds("ACGTRYACGT"));
        Assert.Equal(s_hf.EncodeToIds("NNNNNNNNNNNNNNNNNNNNNN"), s_normalize.EncodeToIds("RYSWKMBDHVNryswkmbdhvn"));
        Assert.Equal("<cls> ACGTAC GTACGT", Tokens(s_normalize, "ACGTacgtACGT"));
        Assert.Equal("<cls> A C G T <unk> A C G T", Tokens(s_hf, "ACGTacgtACGT"));
    }

    [Fact]
    public void EncodeToTokens_NormalizeModeLowercase_OffsetsPointAtTheCallersText()
    {
        const string Text = "acgtacGTAnacgt";

        IReadOnlyList<EncodedToken> tokens = s_normalize.EncodeToTokens(Text, out string? normalized);

        Assert.Null(normalized);
        Assert.Equal(["<cls>", "ACGTAC", "G", "T", "A", "N", "A", "C", "G", "T"], tokens.Select(t => t.Value));
        Assert.Equal(["", "acgtac", "G", "T", "A", "n", "a", "c", "g", "t"], tokens.Select(t => Text[t.Offset]));
    }

    [Fact]
    public void EncodeToTokens_WhitespaceDropped_KmerSpansTheLineBreak()
    {
        const string Text = "ACG\nTACGT\r\n ACG";

        IReadOnlyList<EncodedToken> tokens = s_normalize.EncodeToTokens(Text, sequenceName: "wrapped");

        Assert.Equal(["<cls>", "ACGTAC", "G", "T", "A", "C", "G"], tokens.Select(t => t.Value));
        Assert.Equal(new Range(0, 7), tokens[1].Offset);
        Assert.Equal(new Range(7, 8), tokens[2].Offset);
        Assert.Equal(new Range(14, 15), tokens[6].Offset);
        Assert.Equal(s_normalize.EncodeToIds("ACGTACGTACG"), s_normalize.EncodeToIds(Text));
    }

    [Fact]
    public void EncodeToIds_WhitespaceRejected_ThrowsWithPositionAndFix()
    {
        KmerTokenizer strict = TestVocabularies.Create(new KmerTokenizerOptions { Whitespace = CharacterHandling.Reject });

        var error = Assert.Throws<DnaTokenizationException>(() => strict.EncodeToIds("ACGT ACGT", "chr1"));

        Assert.Equal(DnaTokenizationError.InvalidCharacter, error.Error);
        Assert.Equal(4, error.Position);
        Assert.Equal(' ', error.Character);
        Assert.Equal("chr1", error.SequenceName);
        Assert.Contains("position 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("CharacterHandling.Drop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeToIds_Digits_RejectedByDefaultDroppedOnRequest()
    {
        KmerTokenizer dropping = TestVocabularies.Create(new KmerTokenizerOptions { Digits = CharacterHandling.Drop });

        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds("        1 acgtacgtac", "gb"));

        Assert.Equal(8, error.Position);
        Assert.Equal('1', error.Character);
        Assert.Contains("KmerTokenizerOptions.Digits", error.Message, StringComparison.Ordinal);
        Assert.Equal(s_hf.EncodeToIds("ACGTACGTAC"), dropping.EncodeToIds("        1 acgtacgtac\n       11 "));
    }

    [Theory]
    [InlineData("ACGT-ACGT", 4, '-', "gap")]
    [InlineData("ACGTACGT*", 8, '*', "stop codon")]
    [InlineData("AC.GT", 2, '.', "gap")]
    [InlineData("ACGTACG<mask>TTT", 7, '<', "TokenizerMode.Hf")]
    [InlineData("ACGTXACGT", 4, 'X', "IUPAC")]
    [InlineData("ACGT\0", 4, '\0', "Remove it")]
    public void EncodeToIds_NormalizeModeInvalidCharacter_NamesRecordPositionCharacterAndFix(string text, int position, char character, string advice)
    {
        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds(text, "seq42"));

        Assert.Equal(position, error.Position);
        Assert.Equal(character, error.Character);
        Assert.Contains("'seq42'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"position {position} (0-based)", error.Message, StringComparison.Ordinal);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeToIds_InvalidCharacterAfterDroppedWhitespace_ReportsOriginalPosition()
    {
        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds("AC\nGT\n\nA-C", sequenceName: null));

        Assert.Equal(8, error.Position);
        Assert.Contains("The sequence has", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeToIds_OverMaxFixtureUnderError_RefusesWithCountLimitAndFix()
    {
        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds(OverMaxText, "over"));

        Assert.Equal(DnaTokenizationError.TooManyTokens, error.Error);
        Assert.Equal(1031, error.TokenCount);
        Assert.Equal(1024, error.MaxTokens);
        Assert.Contains("1031 tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("1024", error.Message, StringComparison.Ordinal);
        Assert.Contains("Truncate", error.Message, StringComparison.Ordinal);
        Assert.Contains("Windows", error.Message, StringComparison.Ordinal);
        Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds(OverMaxText));
        Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToTokens(OverMaxText, out _));
        Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds(OverMaxText.AsSpan(), new int[2000]));
        Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeBatch([OverMaxText]));
    }

    [Fact]
    public void EncodeToIds_OverMaxFixtureUnderTruncate_KeepsExactlyTheFirst1024()
    {
        KmerTokenizer truncating = TestVocabularies.Create(new KmerTokenizerOptions { LengthPolicy = LengthPolicy.Truncate });
        int[] expected = HfTokenizationFixtures.Get("over_max_1031tok").InputIds;

        IReadOnlyList<int> ids = truncating.EncodeToIds(OverMaxText, 5000, out string? normalized, out int consumed);

        Assert.Equal(expected.Take(1024), ids);
        Assert.Null(normalized);
        Assert.Equal(1023 * 6, consumed);
        Assert.Equal(1024, truncating.EncodeToTokens(OverMaxText, out _).Count);
        Assert.Equal(1024, truncating.EncodeBatch([OverMaxText, "ACGT"]).SequenceLength);
        Assert.Equal(1031, truncating.CountTokens(OverMaxText));
    }

    [Fact]
    public void EncodeToIds_OverMaxFixtureUnderWindows_PointsToEncodeWindows()
    {
        KmerTokenizer windowing = TestVocabularies.Create(new KmerTokenizerOptions { LengthPolicy = LengthPolicy.Windows });

        var error = Assert.Throws<DnaTokenizationException>(() => windowing.EncodeToIds(OverMaxText));

        Assert.Contains("EncodeWindows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeToIds_ExplicitMaxTokenCount_TruncatesUnderEveryPolicy()
    {
        IReadOnlyList<int> ids = s_normalize.EncodeToIds(OverMaxText, 10, out _, out int consumed);

        Assert.Equal(HfTokenizationFixtures.Get("over_max_1031tok").InputIds.Take(10), ids);
        Assert.Equal(54, consumed);
        Assert.Equal(3, s_normalize.EncodeToIds("ACGTACGTA", 3, out _, out consumed).Count);
        Assert.Equal(7, consumed);
        Assert.Throws<ArgumentOutOfRangeException>(() => s_normalize.EncodeToIds("ACGT", 0, out _, out _));
    }

    [Fact]
    public void EncodeWindows_OverMaxFixture_CoversEveryTokenWithinTheWindow()
    {
        int[] expected = HfTokenizationFixtures.Get("over_max_1031tok").InputIds;

        IReadOnlyList<TokenWindow> windows = s_normalize.EncodeWindows(OverMaxText, "over");

        Assert.Equal(2, windows.Count);
        Assert.All(windows, w => Assert.InRange(w.Ids.Length, 2, 1024));
        Assert.All(windows, w => Assert.Equal(3, w.Ids[0]));
        Assert.Equal(expected.Skip(1), windows.SelectMany(w => w.Ids.Skip(1)));
        Assert.Equal((0, 1023, 0, 6138), (windows[0].TokenStart, windows[0].TokenEnd, windows[0].BaseStart, windows[0].BaseEnd));
        Assert.Equal((1023, 1030, 6138, 6180), (windows[1].TokenStart, windows[1].TokenEnd, windows[1].BaseStart, windows[1].BaseEnd));
        Assert.Equal([0, 1], windows.Select(w => w.Index));
    }

    [Fact]
    public void EncodeWindows_OverlappingStride_EveryWindowFitsAndTheLastEndsTheSequence()
    {
        KmerTokenizer tokenizer = TestVocabularies.Create(new KmerTokenizerOptions { LengthPolicy = LengthPolicy.Windows, MaxTokens = 100, WindowStride = 40 });
        var random = new Random(3);
        string sequence = TestVocabularies.RandomDna(random, 2000);
        var all = new int[2000];
        int total = tokenizer.TokenizeToIds(sequence, all);

        IReadOnlyList<TokenWindow> windows = tokenizer.EncodeWindows(sequence);

        Assert.All(windows, w => Assert.True(w.Ids.Length <= 100));
        Assert.Equal(total, windows[^1].TokenEnd);
        Assert.Equal(sequence.Length, windows[^1].BaseEnd);
        for (int i = 0; i < windows.Count; i++)
        {
            TokenWindow window = windows[i];
            Assert.Equal(i * 40, window.TokenStart);
            Assert.Equal(all.AsSpan(window.TokenStart, window.TokenCount).ToArray(), window.Ids[1..]);
            if (i < windows.Count - 1)
            {
                Assert.Equal(99, window.TokenCount);
            }

            // A window's base range, tokenized alone, gives the window's tokens whenever it starts on the k-mer grid.
            if (i == 0)
            {
                Assert.Equal(window.Ids, tokenizer.EncodeToIds(sequence.AsSpan(window.BaseStart, window.BaseCount), sequenceName: null));
            }
        }
    }

    [Fact]
    public void EncodeWindows_ShortAndEmptySequences_GiveOneWindow()
    {
        TokenWindow single = Assert.Single(s_normalize.EncodeWindows("ACGTACG"));
        TokenWindow empty = Assert.Single(s_normalize.EncodeWindows(string.Empty));

        Assert.Equal([3, 726, 4103], single.Ids);
        Assert.Equal((0, 7), (single.BaseStart, single.BaseEnd));
        Assert.Equal([3], empty.Ids);
        Assert.Equal(0, empty.TokenCount);
    }

    [Fact]
    public void EncodeToIds_NearMaxFixture_FitsExactlyUnderErrorPolicy()
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get("near_max_1024tok");

        Assert.Equal(record.InputIds, s_normalize.EncodeToIds(record.Text.AsSpan(), sequenceName: "near"));
        Assert.Single(s_normalize.EncodeWindows(record.Text));
    }

    [Fact]
    public void EncodeToIds_WithoutCls_StartsWithTheFirstToken()
    {
        KmerTokenizer noCls = TestVocabularies.Create(new KmerTokenizerOptions { AddClsToken = false, MaxTokens = 3 });

        Assert.Equal([726, 3377], noCls.EncodeToIds("ACGTACGTACGT"));
        Assert.Equal(2, noCls.CountTokens("ACGTACGTACGT"));
        Assert.Equal([726, 3377, 4100], noCls.EncodeWindows("ACGTACGTACGTA")[0].Ids);
        Assert.Throws<DnaTokenizationException>(() => noCls.EncodeToIds("ACGTACGTACGTAC"));
    }

    [Fact]
    public void TokenizeToIds_LongCleanInput_AllocatesNothing()
    {
        string sequence = TestVocabularies.RandomDna(new Random(5), 100_000, "ACGT");
        var destination = new int[sequence.Length];
        var window = new int[s_normalize.MaxTokens];
        s_normalize.TokenizeToIds(sequence, destination);
        s_normalize.EncodeToIds(sequence.AsSpan(0, 6000), window);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = s_normalize.TokenizeToIds(sequence, destination);
        count += s_normalize.EncodeToIds(sequence.AsSpan(0, 6000), window);
        count += s_hf.TokenizeToIds(sequence, destination);
        count += s_normalize.CountSequenceTokens(sequence);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(count > 0);
    }

    [Fact]
    public void TokenizeToIds_DestinationTooShort_ThrowsWithRequiredLength()
    {
        var error = Assert.Throws<ArgumentException>(() => s_normalize.TokenizeToIds("ACGTACGTACGTA", new int[2]));

        Assert.Contains("needs 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenizeToIds_WhitespaceInsideTheLastKmerOfAnExactBuffer_FillsIt()
    {
        // 36 letters = six 6-mers once the tab is dropped; the letters before the tab alone are five 6-mers and four
        // single letters, which used to overflow a six-id buffer before the tab was seen.
        const string Text = "TCTTGTCTGCAGCACAAGAATCCTGGCTTTTGAA\tAT";
        int[] expected = s_normalize.EncodeToIds(Text.Replace("\t", string.Empty, StringComparison.Ordinal), sequenceName: null)[1..];
        var destination = new int[6];

        int count = s_normalize.TokenizeToIds(Text, destination);

        Assert.Equal(6, expected.Length);
        Assert.Equal(6, count);
        Assert.Equal(expected, destination);
    }

    [Fact]
    public void EncodeToIds_DroppedDigitInsideTheLastKmerAtTheLengthCap_FitsExactly()
    {
        KmerTokenizer tokenizer = TestVocabularies.Create(new KmerTokenizerOptions { Digits = CharacterHandling.Drop, MaxTokens = 7 });
        const string Text = "TCTTGTCTGCAGCACAAGAATCCTGGCTTTTGAA7AT";

        int[] ids = tokenizer.EncodeToIds(Text, sequenceName: "capped");

        Assert.Equal(tokenizer.EncodeToIds(Text.Replace("7", string.Empty, StringComparison.Ordinal), sequenceName: null), ids);
        Assert.Equal(7, ids.Length);
    }

    [Fact]
    public void TokenizeToIds_RandomWhitespaceInsertionsWithAnExactBuffer_EqualEncodeToIdsAndTheCompactedText()
    {
        var random = new Random(20261206);
        const string Whitespace = " \t\r\n";
        for (int trial = 0; trial < 2000; trial++)
        {
            string letters = TestVocabularies.RandomDna(random, random.Next(1, 400), trial % 2 == 0 ? "ACGT" : "ACGTN");
            var text = new System.Text.StringBuilder(letters);
            int insertions = random.Next(1, 6);
            for (int i = 0; i < insertions; i++)
            {
                text.Insert(random.Next(0, text.Length + 1), Whitespace[random.Next(Whitespace.Length)]);
            }

            string spaced = text.ToString();
            int[] fromCompacted = s_normalize.EncodeToIds(letters, sequenceName: null);
            int count = s_normalize.CountSequenceTokens(spaced);
            var exact = new int[count];

            int written = s_normalize.TokenizeToIds(spaced, exact);

            Assert.Equal(count, written);
            Assert.Equal(s_normalize.EncodeToIds(spaced, sequenceName: null)[1..], exact);
            Assert.Equal(fromCompacted[1..], exact);

            // The same encoding at a length cap it exactly fills.
            KmerTokenizer capped = TestVocabularies.Create(new KmerTokenizerOptions { MaxTokens = count + 1 });
            Assert.Equal(fromCompacted, capped.EncodeToIds(spaced, sequenceName: null));
        }
    }

    [Fact]
    public void EncodeToIds_SpanDestinationTooShort_ThrowsWithRequiredLength()
    {
        Assert.Contains("needs 4", Assert.Throws<ArgumentException>(() => s_normalize.EncodeToIds("ACGTACGTACGTA".AsSpan(), new int[3])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => s_normalize.EncodeToIds("ACGT".AsSpan(), Span<int>.Empty));
        Assert.Equal(4, s_normalize.EncodeToIds("ACGTACGTACGTA".AsSpan(), new int[4]));
    }

    [Fact]
    public void CountTokens_TokenizerOverloads_CountClsAndIgnorePolicy()
    {
        Assert.Equal(1031, s_normalize.CountTokens(OverMaxText));
        Assert.Equal(1031, s_normalize.CountTokens(OverMaxText.AsSpan()));
        Assert.Equal(1031, s_normalize.CountTokens(OverMaxText, sequenceName: "x"));
        Assert.Equal(1030, s_normalize.CountSequenceTokens(OverMaxText));
        Assert.Equal(1, s_normalize.CountTokens(string.Empty));
    }

    [Fact]
    public void GetIndexByTokenCount_FromStart_ReturnsEndOfLastWholeToken()
    {
        // <cls> ACGTAC GTACGT A C : four tokens end after "ACGTACGTACGTA" (13 characters).
        Assert.Equal(13, s_normalize.GetIndexByTokenCount("ACGTACGTACGTAC", 4, out string? normalized, out int count));
        Assert.Null(normalized);
        Assert.Equal(4, count);
        Assert.Equal(14, s_normalize.GetIndexByTokenCount("ACGTACGTACGTAC", 100, out _, out count));
        Assert.Equal(5, count);
        Assert.Equal(0, s_normalize.GetIndexByTokenCount("ACGTACGTACGTAC", 1, out _, out count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void GetIndexByTokenCountFromEnd_KeepsTheLastTokens()
    {
        Assert.Equal(12, s_normalize.GetIndexByTokenCountFromEnd("ACGTACGTACGTAC", 3, out _, out int count));
        Assert.Equal(3, count);
        Assert.Equal(0, s_normalize.GetIndexByTokenCountFromEnd("ACGTACGTACGTAC", 5, out _, out count));
        Assert.Equal(5, count);
        Assert.Equal(14, s_normalize.GetIndexByTokenCountFromEnd("ACGTACGTACGTAC", 1, out _, out count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Decode_SpanDestination_WritesWholeTokensAndResumes()
    {
        int[] ids = [3, 726, 3377, 4100];
        Span<char> small = stackalloc char[14];

        OperationStatus status = s_normalize.Decode(ids, small, out int idsConsumed, out int written);

        Assert.Equal(OperationStatus.DestinationTooSmall, status);
        Assert.Equal(2, idsConsumed);
        Assert.Equal("<cls> ACGTAC", small[..written].ToString());
        Span<char> large = stackalloc char[64];
        Assert.Equal(OperationStatus.Done, s_normalize.Decode(ids, large, out idsConsumed, out written));
        Assert.Equal("<cls> ACGTAC GTACGT A", large[..written].ToString());
        Assert.Equal(4, idsConsumed);
    }

    [Fact]
    public void Decode_IdsOutsideVocabulary_DecodeAsUnknownLikeHuggingFace()
    {
        Assert.Equal("<unk> A", s_normalize.Decode([99999, 4100]));
        Assert.Equal("<unk> A", s_normalize.Decode([99999, 0, 4100], skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_VocabularyWithPunctuation_AppliesHuggingFaceCleanUp()
    {
        var tokens = TestVocabularies.Tiny.Tokens.ToList();
        tokens.AddRange(["<.>", "'s"]);
        KmerTokenizer tokenizer = KmerTokenizer.Create(KmerVocabulary.FromTokens(tokens), new KmerTokenizerOptions { Mode = TokenizerMode.Hf });
        int dot = tokens.Count - 2;
        int apostrophe = tokens.Count - 1;

        Assert.Equal("A <.>'s", tokenizer.Decode([4100, dot, apostrophe]));
        Span<char> buffer = stackalloc char[32];
        Assert.Equal(OperationStatus.Done, tokenizer.Decode([4100, dot, apostrophe], buffer, out int consumed, out int written));
        Assert.Equal("A <.>'s", buffer[..written].ToString());
        Assert.Equal(3, consumed);
        Assert.Equal(OperationStatus.DestinationTooSmall, tokenizer.Decode([4100, dot, apostrophe], buffer[..3], out _, out _));
        Assert.Equal("<cls> A <.> <unk>", string.Join(' ', tokenizer.EncodeToTokens("A<.>x", out _).Select(t => t.Value)));
    }

    [Fact]
    public void EncodeBatch_FixedLength_PadsEveryRowAndAppliesPolicyAgainstIt()
    {
        TokenBatch batch = s_normalize.EncodeBatch(["ACGTAC", "", "NNN"], fixedLength: 5);

        Assert.Equal(5, batch.SequenceLength);
        Assert.Equal([3, 726, 1, 1, 1, 3, 1, 1, 1, 1, 3, 4104, 4104, 4104, 1], batch.InputIds);
        Assert.Equal([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0], batch.AttentionMask);
        Assert.Equal([2, 1, 4], batch.Lengths);
        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeBatch(["ACGT", "NNNNNN"], fixedLength: 5));
        Assert.Equal("#1", error.SequenceName);
        Assert.Throws<ArgumentOutOfRangeException>(() => s_normalize.EncodeBatch(["A"], fixedLength: 1025));
        Assert.Throws<ArgumentException>(() => s_normalize.EncodeBatch(["A"], sequenceNames: ["a", "b"]));
        Assert.Equal(0, s_normalize.EncodeBatch([]).Count);
    }

    [Fact]
    public void EncodeToTokens_ShuffledVocabulary_GivesTheSameTokenStrings()
    {
        using var folder = new TestVocabularies.TempFolder();
        var random = new Random(99);
        string[] shuffled = [.. TestVocabularies.Tiny.Tokens];
        random.Shuffle(shuffled);
        folder.Write("vocab.txt", string.Join('\n', shuffled));
        foreach (string file in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            File.Copy(Path.Combine(SharedData.TinyModel, file), Path.Combine(folder.Path, file));
        }

        KmerTokenizer original = TestVocabularies.Hf(new KmerTokenizerOptions { LengthPolicy = LengthPolicy.Truncate });
        KmerTokenizer reordered = KmerTokenizer.Create(folder.Path, new KmerTokenizerOptions { Mode = TokenizerMode.Hf, LengthPolicy = LengthPolicy.Truncate });
        IEnumerable<string> texts = HfTokenizationFixtures.Records.Select(r => r.Text)
            .Concat(Enumerable.Range(0, 50).Select(i => TestVocabularies.RandomDna(random, random.Next(1, 400), "ACGTNacgRY- ")));

        Assert.NotEqual(original.Vocabulary.Tokens, reordered.Vocabulary.Tokens);
        foreach (string text in texts)
        {
            IReadOnlyList<EncodedToken> expected = original.EncodeToTokens(text, out _);
            IReadOnlyList<EncodedToken> actual = reordered.EncodeToTokens(text, out _);
            Assert.Equal(expected.Select(t => t.Value), actual.Select(t => t.Value));
            Assert.Equal(expected.Select(t => t.Offset), actual.Select(t => t.Offset));
            Assert.Equal(expected.Select(t => t.Value), actual.Select(t => reordered.Vocabulary.GetToken(t.Id)));
        }
    }

    [Fact]
    public void EncodeToIds_ConcurrentCallers_GetIdenticalResults()
    {
        string[] sequences = [.. Enumerable.Range(0, 64).Select(i => TestVocabularies.RandomDna(new Random(i), 1500, "ACGTNacgtn\n"))];
        int[][] expected = [.. sequences.Select(s => s_normalize.EncodeToIds(s, sequenceName: null))];

        Parallel.For(0, 256, i => Assert.Equal(expected[i % 64], s_normalize.EncodeToIds(sequences[i % 64], sequenceName: null)));
    }
}
