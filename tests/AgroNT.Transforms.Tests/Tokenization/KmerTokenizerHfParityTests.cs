using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tests.Tokenization;

/// <summary>TokenizerMode.Hf against transformers' own EsmTokenizer output (fixtures.tokenization, fixtures.batches).</summary>
public sealed class KmerTokenizerHfParityTests
{
    // Truncate, so the Tokenizer APIs accept the 1031-token fixture; its whole stream is checked through TokenizeToIds.
    private static readonly KmerTokenizer s_hf = KmerTokenizer.Create(SharedData.TinyModel, new KmerTokenizerOptions { Mode = TokenizerMode.Hf, LengthPolicy = LengthPolicy.Truncate });

    private static KmerTokenizer Hf => s_hf;

    public static IEnumerable<object[]> Records => HfTokenizationFixtures.RecordNames();

    [Fact]
    public void Fixtures_AllThirtyRecords_AreLoaded()
    {
        Assert.Equal(30, HfTokenizationFixtures.Records.Count);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void TokenizeToIds_EveryFixtureRecord_MatchesHuggingFaceIds(string name)
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get(name);
        var ids = new int[record.Text.Length + 1];
        ids[0] = Hf.Vocabulary.ClsId;
        int count = Hf.TokenizeToIds(record.Text, ids.AsSpan(1));

        Assert.Equal(record.InputIds, ids.AsSpan(0, count + 1).ToArray());
        Assert.Equal(record.InputIds.Length, Hf.CountTokens(record.Text, sequenceName: null));
        Assert.Equal(record.InputIds.Length, Hf.CountTokens(record.Text));
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void EncodeToIds_FixtureRecordWithinWindow_MatchesHuggingFaceIds(string name)
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get(name);
        if (record.InputIds.Length > Hf.MaxTokens)
        {
            return;
        }

        Assert.Equal(record.InputIds, Hf.EncodeToIds(record.Text));
        Assert.Equal(record.InputIds, Hf.EncodeToIds(record.Text.AsSpan()));
        Assert.Equal(record.InputIds, Hf.EncodeToIds(record.Text, sequenceName: name));
        var destination = new int[Hf.MaxTokens];
        int count = Hf.EncodeToIds(record.Text.AsSpan(), destination, name);
        Assert.Equal(record.InputIds, destination.AsSpan(0, count).ToArray());
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void EncodeToTokens_EveryFixtureRecord_MatchesHuggingFaceTokensAndTokenizePieces(string name)
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get(name);
        IReadOnlyList<EncodedToken> tokens = Hf.EncodeToTokens(record.Text, out string? normalized);
        Assert.Null(normalized);
        string[] values = [.. tokens.Select(t => t.Value)];
        int expectedCount = Math.Min(record.InputIds.Length, Hf.MaxTokens);
        Assert.Equal(expectedCount, values.Length);
        Assert.Equal(record.InputIds.Take(expectedCount), tokens.Select(t => t.Id));
        if (record.Tokens.Contains("..."))
        {
            // Long records: the index keeps the first eight and the last four tokens.
            Assert.Equal(record.Tokens[..8], values[..8]);
            string[] all = [.. Hf.Decode(record.InputIds).Split(' ')];
            Assert.Equal(record.Tokens[^4..], all[^4..]);
        }
        else
        {
            Assert.Equal(record.Tokens, values);
        }

        Assert.Equal(new Range(0, 0), tokens[0].Offset);
        if (record.Tokenize is not null)
        {
            // HF's tokenize() returns the raw pieces (an unknown run as typed); our offsets point at exactly them.
            Assert.Equal(record.Tokenize, tokens.Skip(1).Select(t => record.Text[t.Offset]));
        }
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Decode_EveryFixtureRecord_MatchesHuggingFaceDecodeWithAndWithoutSpecialTokens(string name)
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get(name);
        string decoded = Hf.Decode(record.InputIds);
        if (record.Decode!.EndsWith(" ...", StringComparison.Ordinal))
        {
            Assert.StartsWith(record.Decode[..^4], decoded, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(record.Decode, decoded);
        }

        if (record.DecodeSkipSpecialTokens is not null)
        {
            Assert.Equal(record.DecodeSkipSpecialTokens, Hf.Decode(record.InputIds, skipSpecialTokens: true));
        }
    }

    [Fact]
    public void EncodeToIds_NearMaxFixture_IsExactlyTheWindow()
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get("near_max_1024tok");
        var strict = KmerTokenizer.Create(SharedData.TinyModel, new KmerTokenizerOptions { Mode = TokenizerMode.Hf });

        int[] ids = strict.EncodeToIds(record.Text, sequenceName: null);

        Assert.Equal(1024, ids.Length);
        Assert.Equal(record.InputIds, ids);
    }

    [Fact]
    public void EncodeToIds_OverMaxFixtureTruncated_MatchesHuggingFaceTruncation()
    {
        HfTokenizationRecord record = HfTokenizationFixtures.Get("over_max_1031tok");

        IReadOnlyList<int> ids = Hf.EncodeToIds(record.Text);

        // index.json: tok(text, truncation=True) keeps <cls> and the first 1023 tokens, ending 757 3876 57 532 1787.
        Assert.Equal(1024, ids.Count);
        Assert.Equal(record.InputIds.Take(1024), ids);
        Assert.Equal([757, 3876, 57, 532, 1787], ids.Skip(1019));
    }

    [Fact]
    public void EncodeBatch_AllShortSequences_MatchesHuggingFacePaddedBatch()
    {
        string[] names = ["card_1", "card_2", "card_3", "nt_card_54bp", "len1_A", "len5", "len6", "len7", "len11", "len12", "len13", "all_N_6", "all_N_13",
            "N_inside_kmer", "N_edges", "lowercase", "mixed_case", "iupac_RY", "iupac_only", "gap_dash", "resync_after_R", "space_inside", "space_breaks_kmer",
            "empty", "rna_U", "mask_inline", "random_60", "random_97_N"];
        NpyArray expectedIds = Npy.Read(Path.Combine(SharedData.HfReference, "tokenization", "all_short_padded.input_ids.npy"));
        NpyArray expectedMask = Npy.Read(Path.Combine(SharedData.HfReference, "tokenization", "all_short_padded.attention_mask.npy"));

        TokenBatch batch = Hf.EncodeBatch([.. names.Select(n => HfTokenizationFixtures.Get(n).Text)], sequenceNames: names);

        Assert.Equal(expectedIds.Shape, new[] { batch.Count, batch.SequenceLength });
        Assert.Equal(expectedIds.Longs.Select(l => (int)l), batch.InputIds);
        Assert.Equal(expectedMask.Longs.Select(l => (int)l), batch.AttentionMask);
    }

    [Fact]
    public void EncodeBatch_EveryFixtureBatch_MatchesIdsMaskAndBatchDecode()
    {
        foreach (HfBatchRecord expected in HfTokenizationFixtures.LoadBatches())
        {
            TokenBatch batch = Hf.EncodeBatch([.. expected.SequenceNames.Select(n => HfTokenizationFixtures.Get(n).Text)]);

            Assert.Equal(expected.InputIds.Shape, new[] { batch.Count, batch.SequenceLength });
            Assert.Equal(expected.InputIds.Longs.Select(l => (int)l), batch.InputIds);
            Assert.Equal(expected.AttentionMask.Longs.Select(l => (int)l), batch.AttentionMask);
            Assert.Equal(expected.Lengths, batch.Lengths);
            for (int row = 0; row < batch.Count; row++)
            {
                Assert.Equal(expected.BatchDecode[row], Hf.Decode(batch.GetInputIds(row).ToArray()));
            }
        }
    }

    [Theory]
    [InlineData("acgtacgtacgt", "<cls> <unk>")]
    [InlineData("ACGTRYACGT", "<cls> A C G T <unk> A C G T")]
    [InlineData("ACGTACRGTACGTA", "<cls> ACGTAC <unk> GTACGT A")]
    [InlineData("ACGUACGUACGU", "<cls> A C G <unk> A C G <unk> A C G <unk>")]
    [InlineData("ACGTAC GTACGT", "<cls> ACGTAC GTACGT")]
    [InlineData("ACGTA CGTACG", "<cls> A C G T A CGTACG")]
    [InlineData("ACGTACG<mask>TTT", "<cls> ACGTAC G <mask> T T T")]
    [InlineData("<<mask>>", "<cls> <unk> <mask> <unk>")]
    [InlineData("ATCCCGGNNTCGACACN", "<cls> ATCCCG G N N TCGACA C N")]
    [InlineData("", "<cls>")]
    [InlineData("acgt acgt", "<cls> <unk> <unk>")]
    [InlineData("ac<pad>gt", "<cls> <unk> <pad> <unk>")]
    [InlineData("<mas<mask>", "<cls> <unk> <mask>")]
    [InlineData("<cls><unk>A", "<cls> <cls> <unk> A")]
    [InlineData("AC\u001CGT", "<cls> A C G T")]
    [InlineData("  \t\n ", "<cls>")]
    [InlineData("12ACGTAC", "<cls> <unk> ACGTAC")]
    public void EncodeToTokens_DocumentedHuggingFaceBehaviours_AreReproduced(string text, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Hf.EncodeToTokens(text, out _).Select(t => t.Value)));
    }
}
