using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class KmerVocabularyTests
{
    private static string TinyVocabText => File.ReadAllText(Path.Combine(SharedData.TinyModel, KmerVocabulary.VocabFileName));

    private static List<string> TinyTokens => [.. TestVocabularies.Tiny.Tokens];

    [Fact]
    public void FromModelFolder_TinyModel_ReadsAgroNTLayout()
    {
        KmerVocabulary vocabulary = KmerVocabulary.FromModelFolder(SharedData.TinyModel);

        Assert.Equal(4105, vocabulary.Count);
        Assert.Equal(6, vocabulary.K);
        Assert.Equal(1024, vocabulary.MaxTokens);
        Assert.Equal((0, 1, 2, 3), (vocabulary.UnkId, vocabulary.PadId, vocabulary.MaskId, vocabulary.ClsId));
        Assert.Equal(4104, vocabulary.NId);
        Assert.Equal(4100, vocabulary.GetNucleotideId('A'));
        Assert.Equal(4103, vocabulary.GetNucleotideId('G'));
        Assert.Equal(4096, vocabulary.KmerIdTable.Length);
        Assert.Equal(4, vocabulary.KmerIdTable[KmerVocabulary.GetKmerCode("AAAAAA")]);
        Assert.Equal(431, vocabulary.KmerIdTable[KmerVocabulary.GetKmerCode("ATCCCG")]);
        Assert.True(vocabulary.CleanUpTokenizationSpaces);
        Assert.EndsWith("vocab.txt", vocabulary.SourcePath, StringComparison.Ordinal);
    }

    [Fact]
    public void KmerIdTable_EveryKmerToken_IsFoundUnderItsCode()
    {
        KmerVocabulary vocabulary = TestVocabularies.Tiny;
        int kmers = 0;
        for (int id = 0; id < vocabulary.Count; id++)
        {
            string token = vocabulary.GetToken(id);
            if (token.Length == 6 && token.All(c => "ACGT".Contains(c)))
            {
                Assert.Equal(id, vocabulary.KmerIdTable[KmerVocabulary.GetKmerCode(token)]);
                kmers++;
            }
        }

        Assert.Equal(4096, kmers);
    }

    [Theory]
    [InlineData("A", 0)]
    [InlineData("C", 1)]
    [InlineData("T", 2)]
    [InlineData("G", 3)]
    [InlineData("CA", 0b01_00)]
    [InlineData("ACTG", 0b00_01_10_11)]
    [InlineData("GGGGGG", 4095)]
    public void GetKmerCode_Letters_UseTwoBitsEachFirstLetterHighest(string kmer, int expected)
    {
        Assert.Equal(expected, KmerVocabulary.GetKmerCode(kmer));
    }

    [Theory]
    [InlineData("ACGN")]
    [InlineData("acgt")]
    [InlineData("ACGTACGTACG")]
    public void GetKmerCode_NotAKmer_Throws(string kmer)
    {
        Assert.Throws<ArgumentException>(() => KmerVocabulary.GetKmerCode(kmer));
    }

    [Fact]
    public void Lookups_ValidAndInvalidInput_BehaveAsDocumented()
    {
        KmerVocabulary vocabulary = TestVocabularies.Tiny;

        Assert.Equal("<mask>", vocabulary.GetToken(2));
        Assert.Equal(2, vocabulary.GetId("<mask>"));
        Assert.True(vocabulary.TryGetId("ACGTAC".AsSpan(), out int id));
        Assert.Equal(726, id);
        Assert.False(vocabulary.TryGetId("acgtac".AsSpan(), out _));
        Assert.False(vocabulary.TryGetToken(4105, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.GetToken(-1));
        Assert.Contains("'zzz' is not in the vocabulary", Assert.Throws<KeyNotFoundException>(() => vocabulary.GetId("zzz")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => vocabulary.GetNucleotideId('U'));
        Assert.True(vocabulary.IsSpecialId(0) && vocabulary.IsSpecialId(3));
        Assert.False(vocabulary.IsSpecialId(4) || vocabulary.IsSpecialId(-1) || vocabulary.IsSpecialId(5000));
    }

    [Fact]
    public void FromModelFolder_MissingFolder_ThrowsWithFullPath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-agront-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => KmerVocabulary.FromModelFolder(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("vocab.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromModelFolder_FolderWithoutVocab_ThrowsNamingFileAndLayout()
    {
        using var folder = new TestVocabularies.TempFolder();
        folder.Write("config.json", "{}");

        var error = Assert.Throws<FileNotFoundException>(() => KmerVocabulary.FromModelFolder(folder.Path));

        Assert.Contains(Path.Combine(folder.Path, "vocab.txt"), error.Message, StringComparison.Ordinal);
        Assert.Contains("snapshots", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(folder.Path, "vocab.txt"), error.FileName);
    }

    [Fact]
    public void FromFile_MissingFile_ThrowsWithFullPath()
    {
        string missing = Path.Combine(Path.GetTempPath(), "missing-" + Guid.NewGuid().ToString("N"), "vocab.txt");

        var error = Assert.Throws<FileNotFoundException>(() => KmerVocabulary.FromFile(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromModelFolder_HuggingFaceCacheEntry_ResolvesRefsMain()
    {
        using var folder = new TestVocabularies.TempFolder();
        folder.Write("refs/main", "abc123\n");
        folder.Write("snapshots/abc123/vocab.txt", TinyVocabText);
        folder.Write("snapshots/abc123/tokenizer_config.json", """{"model_max_length": 512, "eos_token": null}""");

        KmerVocabulary vocabulary = KmerVocabulary.FromModelFolder(folder.Path);

        Assert.Equal(4105, vocabulary.Count);
        Assert.Equal(512, vocabulary.MaxTokens);
        Assert.Contains(Path.Combine("snapshots", "abc123"), vocabulary.SourcePath, StringComparison.Ordinal);
    }

    [Fact]
    public void FromModelFolder_NoTokenizerConfig_TakesWindowFromConfigJsonThenDefault()
    {
        using var withConfig = new TestVocabularies.TempFolder();
        withConfig.Write("vocab.txt", TinyVocabText);
        withConfig.Write("config.json", """{"max_position_embeddings": 514}""");
        using var bare = new TestVocabularies.TempFolder();
        bare.Write("vocab.txt", TinyVocabText + "\n");

        Assert.Equal(512, KmerVocabulary.FromModelFolder(withConfig.Path).MaxTokens);
        Assert.Equal(1024, KmerVocabulary.FromModelFolder(bare.Path).MaxTokens);
        Assert.Equal(4105, KmerVocabulary.FromModelFolder(bare.Path).Count);
    }

    [Fact]
    public void FromModelFolder_HugeModelMaxLength_IsIgnored()
    {
        using var folder = new TestVocabularies.TempFolder();
        folder.Write("vocab.txt", TinyVocabText);
        folder.Write("tokenizer_config.json", """{"model_max_length": 1000000000000000019884624838656}""");

        Assert.Equal(1024, KmerVocabulary.FromModelFolder(folder.Path).MaxTokens);
    }

    [Fact]
    public void FromModelFolder_SpecialTokensMap_WinsOverTokenizerConfigAndAcceptsAddedTokenObjects()
    {
        using var folder = new TestVocabularies.TempFolder();
        List<string> tokens = TinyTokens;
        tokens[0] = "[UNK]";
        tokens[3] = "[CLS]";
        folder.Write("vocab.txt", string.Join('\n', tokens));
        folder.Write("tokenizer_config.json", """{"unk_token": "<unk>", "cls_token": "[CLS]", "clean_up_tokenization_spaces": false}""");
        folder.Write("special_tokens_map.json", """{"unk_token": {"content": "[UNK]", "lstrip": false}, "cls_token": "[CLS]"}""");

        KmerVocabulary vocabulary = KmerVocabulary.FromModelFolder(folder.Path);

        Assert.Equal(0, vocabulary.UnkId);
        Assert.Equal(3, vocabulary.ClsId);
        Assert.Equal("[UNK]", vocabulary.SpecialTokens.Unk);
        Assert.False(vocabulary.CleanUpTokenizationSpaces);
    }

    [Fact]
    public void FromTokens_DuplicateToken_ThrowsNamingBothPositions()
    {
        List<string> tokens = TinyTokens;
        tokens.Add("ACGTAC");

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens));

        Assert.Contains("'ACGTAC'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Token 4105", error.Message, StringComparison.Ordinal);
        Assert.Contains("token 726", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_DuplicateToken_NamesLinesOfTheFile()
    {
        using var folder = new TestVocabularies.TempFolder();
        string path = folder.Write("vocab.txt", TinyVocabText + "\nA");

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromFile(path));

        Assert.Contains("Line 4106", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 4101", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_BlankLineInside_Throws()
    {
        using var folder = new TestVocabularies.TempFolder();
        string path = folder.Write("vocab.txt", TinyVocabText.Replace("<cls>\n", "<cls>\n\n", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromFile(path));

        Assert.Contains("Line 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<mask>", "mask_token")]
    [InlineData("<cls>", "cls_token")]
    [InlineData("<unk>", "unk_token")]
    [InlineData("<pad>", "pad_token")]
    public void FromTokens_MissingSpecialToken_ThrowsNamingIt(string special, string role)
    {
        List<string> tokens = TinyTokens;
        tokens.Remove(special);

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens));

        Assert.Contains($"'{special}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(role, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTokens_MissingKmer_ThrowsNamingOne()
    {
        List<string> tokens = TinyTokens;
        tokens.Remove("GATTAC");

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens));

        Assert.Contains("4095 of the 4096", error.Message, StringComparison.Ordinal);
        Assert.Contains("'GATTAC'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTokens_MixedKmerLengths_Throws()
    {
        List<string> tokens = TinyTokens;
        tokens.Add("ACG");

        Assert.Contains("mixes k-mer lengths", Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("N")]
    [InlineData("A")]
    public void FromTokens_MissingSingleNucleotide_Throws(string letter)
    {
        List<string> tokens = TinyTokens;
        tokens.Remove(letter);

        Assert.Contains($"'{letter}'", Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NNNNNN")]
    [InlineData("A<x>")]
    public void FromTokens_TokenStartingWithNucleotideThatIsNoKmer_Throws(string token)
    {
        List<string> tokens = TinyTokens;
        tokens.Add(token);

        Assert.Contains("starts with a nucleotide", Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(tokens)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTokens_NoKmers_Throws()
    {
        Assert.Contains("no k-mer tokens", Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(["<unk>", "<pad>", "<mask>", "<cls>", "A", "C", "G", "T", "N"])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens([]));
    }

    [Fact]
    public void FromModelFolder_EosTokenSet_IsRefused()
    {
        using var folder = new TestVocabularies.TempFolder();
        folder.Write("vocab.txt", TinyVocabText);
        folder.Write("tokenizer_config.json", """{"eos_token": "<eos>"}""");

        var error = Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromModelFolder(folder.Path));

        Assert.Contains("eos_token", error.Message, StringComparison.Ordinal);
        Assert.Contains("null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromModelFolder_MalformedJson_ThrowsInvalidData()
    {
        using var folder = new TestVocabularies.TempFolder();
        folder.Write("vocab.txt", TinyVocabText);
        string path = folder.Write("special_tokens_map.json", "{ not json");

        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromModelFolder(folder.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTokens_AdditionalSpecialTokens_AreSpecialAndMustExist()
    {
        List<string> tokens = TinyTokens;
        tokens.Add("<eos>");

        KmerVocabulary vocabulary = KmerVocabulary.FromTokens(tokens, KmerSpecialTokens.Default with { Additional = ["<eos>"] });

        Assert.True(vocabulary.IsSpecialId(4105));
        Assert.Throws<InvalidDataException>(() => KmerVocabulary.FromTokens(TinyTokens, KmerSpecialTokens.Default with { Additional = ["<bos>"] }));
    }
}
