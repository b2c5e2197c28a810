using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class TokenSinksTests
{
    [Fact]
    public void Pack_SixMerFastPath_AgreesWithLetterByLetterCode()
    {
        KmerVocabulary vocabulary = TestVocabularies.Tiny;
        var random = new Random(1);
        string letters = TestVocabularies.RandomDna(random, 6 * 5000, "ACGTUacgtu");
        var ids = new int[5000];

        KmerPacker.Pack(letters, ids, vocabulary.KmerIds, 6);

        for (int j = 0; j < ids.Length; j++)
        {
            string kmer = letters.Substring(j * 6, 6).ToUpperInvariant().Replace('U', 'T');
            Assert.Equal(vocabulary.GetId(kmer), ids[j]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(1001)]
    public void Pack_EveryPathAndTailLength_AgreesWithLetterByLetterCode(int kmers)
    {
        KmerVocabulary vocabulary = TestVocabularies.Tiny;
        string letters = TestVocabularies.RandomDna(new Random(kmers), 6 * kmers, "ACGTUacgtu");
        int[] expected = [.. Enumerable.Range(0, kmers).Select(j => vocabulary.GetId(letters.Substring(j * 6, 6).ToUpperInvariant().Replace('U', 'T')))];
        var viaPack = new int[kmers];
        var viaScalar = new int[kmers];

        KmerPacker.Pack(letters, viaPack, vocabulary.KmerIds, 6);
        KmerPacker.Pack6Scalar(letters, viaScalar, vocabulary.KmerIds);

        Assert.Equal(expected, viaPack);
        Assert.Equal(expected, viaScalar);
        if (System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.VL.IsSupported)
        {
            var viaVector = new int[kmers];
            int written = KmerPacker.Pack6Avx512(letters, viaVector, vocabulary.KmerIds);
            Assert.Equal(kmers / 8 * 8, written);
            Assert.Equal(expected.Take(written), viaVector.Take(written));
        }
    }

    [Fact]
    public void Pack_GenericK_AgreesWithVocabulary()
    {
        var tokens = new List<string> { "<unk>", "<pad>", "<mask>", "<cls>", "A", "C", "G", "T", "N" };
        tokens.AddRange(from a in "ACGT" from b in "ACGT" from c in "ACGT" select $"{a}{b}{c}");
        KmerVocabulary vocabulary = KmerVocabulary.FromTokens(tokens);
        var ids = new int[3];

        KmerPacker.Pack("GATTACAGA", ids, vocabulary.KmerIds, 3);

        Assert.Equal(3, vocabulary.K);
        Assert.Equal([vocabulary.GetId("GAT"), vocabulary.GetId("TAC"), vocabulary.GetId("AGA")], ids);
    }

    [Fact]
    public void Pack_LengthMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => KmerPacker.Pack("ACGTA", new int[1], TestVocabularies.Tiny.KmerIds, 6));
    }

    [Fact]
    public void CountSink_RunBeyondCapacity_StopsAtTheLastWholeToken()
    {
        var sink = new CountSink(6, capacity: 3);

        sink.AddRun("ACGTACGTACGTAC", 10);

        Assert.True(sink.Overflowed);
        Assert.Equal(3, sink.Count);
        Assert.Equal(10 + 13, sink.LastEnd);
    }

    [Fact]
    public void IdSink_SinglesAfterKmers_RecordOffsets()
    {
        var ids = new int[4];
        var starts = new int[4];
        var ends = new int[4];
        var sink = new IdSink(ids, starts, ends, TestVocabularies.Tiny);

        sink.AddRun("ACGTACGT", 5);
        sink.Add(4104, 13, 14);

        Assert.Equal(4, sink.Count);
        Assert.Equal([726, 4103, 4101, 4104], ids);
        Assert.Equal([5, 11, 12, 13], starts);
        Assert.Equal([11, 12, 13, 14], ends);
        sink.Add(4104, 14, 15);
        Assert.True(sink.Overflowed);
    }

    [Fact]
    public void IdSink_MapOffsets_TranslatesCompactedPositions()
    {
        var ids = new int[1];
        var starts = new int[1];
        var ends = new int[1];
        var sink = new IdSink(ids, starts, ends, TestVocabularies.Tiny);
        sink.AddRun("ACGTAC", 0);

        sink.MapOffsets([0, 1, 2, 5, 6, 9]);

        Assert.Equal((0, 10), (starts[0], ends[0]));
        Assert.Equal(10, sink.LastEnd);
    }
}
