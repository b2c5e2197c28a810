using System.Text.Json.Nodes;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Transforms.Tests.Tokenization;

public sealed class ProteinTokenizerTests
{
    private static readonly Lazy<JsonNode> s_index = new(() => JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Esm2Reference, "index.json")))!);
    private static readonly ProteinTokenizer s_hf = ProteinTokenizer.Create(SharedData.Esm2TinyModel, KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf });
    private static readonly ProteinTokenizer s_normalize = ProteinTokenizer.Create(SharedData.Esm2TinyModel);

    public static TheoryData<string> FixtureNames() => [.. Records().Select(r => (string)r["name"]!)];

    private static IEnumerable<JsonNode> Records() => s_index.Value["fixtures"]!["tokenization"]!.AsArray().Select(r => r!);

    private static JsonNode Record(string name) => Records().Single(r => (string)r["name"]! == name);

    private static string Text(JsonNode record) => record["text_file"] is { } file
        ? File.ReadAllText(Path.Combine(SharedData.Esm2Reference, (string)file!))
        : (string)record["text"]!;

    [Fact]
    public void FromModelFolder_ProteinVocabulary_PicksTheProteinTokenizer()
    {
        Assert.IsType<ProteinTokenizer>(SequenceTokenizer.FromModelFolder(SharedData.Esm2TinyModel));
        Assert.IsType<KmerTokenizer>(SequenceTokenizer.FromModelFolder(SharedData.TinyModel));
        var vocabulary = Assert.IsType<ProteinVocabulary>(TokenVocabulary.ReadModelFolder(SharedData.Esm2TinyModel));
        Assert.Equal(33, vocabulary.Count);
        Assert.Equal((0, 1, 2, 3, 32), (vocabulary.ClsId, vocabulary.PadId, vocabulary.EosId!.Value, vocabulary.UnkId, vocabulary.MaskId));
        Assert.Equal(1024, vocabulary.MaxTokens);
        Assert.Equal("LAGVSERTIDPKQNFYMHWCXBUZO.-", vocabulary.Letters);
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void EncodeToIds_HfMode_EqualsEsmTokenizer(string name)
    {
        var record = Record(name);
        string text = Text(record);
        int[] expected = record["input_ids"] is JsonArray ids && ids.Count > 0
            ? [.. ids.Select(v => (int)v!)]
            : [.. Npy.Read(Path.Combine(SharedData.Esm2Reference, (string)record["input_ids_file"]!)).Longs.Select(v => (int)v)];
        Assert.Equal(expected, s_hf.EncodeToIds(text, name));
        if (record["text_file"] is null)
        {
            // (Long records list their tokens abbreviated.)
            Assert.Equal(record["tokens"]!.AsArray().Select(t => (string)t!), s_hf.EncodeToTokens(text, name).Select(t => t.Value));
        }
        Assert.Equal(expected.Length, s_hf.CountTokens(text, name));
        Assert.Equal(expected, s_hf.EncodeToIds(text));
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Decode_FixtureIds_EqualsEsmTokenizerDecode(string name)
    {
        var record = Record(name);
        if (record["decode_skip_special_tokens"] is null)
        {
            return;
        }
        int[] ids = [.. record["input_ids"]!.AsArray().Select(v => (int)v!)];
        Assert.Equal((string)record["decode"]!, s_hf.Decode(ids));
        Assert.Equal((string)record["decode_skip_special_tokens"]!, s_hf.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void EncodeBatch_Mixed3_EqualsTheHfPaddedBatch()
    {
        var batch = s_index.Value["fixtures"]!["batches"]!["mixed3"]!;
        string[] texts = [.. batch["sequences"]!.AsArray().Select(n => Text(Record((string)n!)))];
        var files = batch["files"]!;
        var ids = Npy.Read(Path.Combine(SharedData.Esm2Reference, (string)files["input_ids"]!));
        var mask = Npy.Read(Path.Combine(SharedData.Esm2Reference, (string)files["attention_mask"]!));
        var encoded = s_hf.EncodeBatch(texts);
        Assert.Equal(ids.Shape[1], encoded.SequenceLength);
        Assert.Equal(ids.Longs.Select(v => (int)v), encoded.InputIds);
        Assert.Equal(mask.Longs.Select(v => (int)v), encoded.AttentionMask);
    }

    [Theory]
    [InlineData("mktayiakqr")]
    [InlineData("MKT ayi\nAKQR\r\n")]
    [InlineData("  M K T A Y I A K Q R")]
    public void EncodeToIds_NormalizeMode_UppercasesAndDropsWhitespace(string text)
    {
        int[] expected = [.. Record("peptide_10")["input_ids"]!.AsArray().Select(v => (int)v!)];
        Assert.Equal(expected, s_normalize.EncodeToIds(text, "p"));
    }

    [Theory]
    [InlineData("MKT*AYI", 3, '*')]
    [InlineData("MKTAY<mask>AKQR", 5, '<')]
    [InlineData("MKTA1YI", 4, '1')]
    [InlineData("MK_TA", 2, '_')]
    public void EncodeToIds_NormalizeMode_RefusesOtherCharactersNamingThePosition(string text, int position, char character)
    {
        var error = Assert.Throws<DnaTokenizationException>(() => s_normalize.EncodeToIds(text, "P12345"));
        Assert.Equal(DnaTokenizationError.InvalidCharacter, error.Error);
        Assert.Equal(position, error.Position);
        Assert.Equal(character, error.Character);
        Assert.Contains("P12345", error.Message);
        Assert.Contains($"position {position}", error.Message);
        Assert.Contains("--tokenizer-mode hf", error.Message);
    }

    [Fact]
    public void EncodeToIds_NormalizeMode_WhitespaceReject_RefusesASpace()
    {
        var tokenizer = ProteinTokenizer.Create(SharedData.Esm2TinyModel, KmerTokenizerOptions.Default with { Whitespace = CharacterHandling.Reject });
        Assert.Equal(3, Assert.Throws<DnaTokenizationException>(() => tokenizer.EncodeToIds("MKT AY", null)).Position);
    }

    [Fact]
    public void EncodeToIds_TooLong_IsRefusedTruncatedOrWindowedKeepingClsAndEos()
    {
        var options = KmerTokenizerOptions.Default with { MaxTokens = 6 };
        var error = Assert.Throws<DnaTokenizationException>(() => ProteinTokenizer.Create(SharedData.Esm2TinyModel, options).EncodeToIds("MKTAYIAKQR", "long"));
        Assert.Equal(12, error.TokenCount);
        Assert.Equal(DnaTokenizationError.TooManyTokens, error.Error);

        var truncate = ProteinTokenizer.Create(SharedData.Esm2TinyModel, options with { LengthPolicy = LengthPolicy.Truncate });
        Assert.Equal([0, 20, 15, 11, 5, 2], truncate.EncodeToIds("MKTAYIAKQR", null));

        var windows = ProteinTokenizer.Create(SharedData.Esm2TinyModel, options with { LengthPolicy = LengthPolicy.Windows }).EncodeWindows("MKTAYIAKQR");
        Assert.Equal(3, windows.Count);
        Assert.All(windows, w => Assert.Equal((0, 2), (w.Ids[0], w.Ids[^1])));
        Assert.Equal("MKTAYIAKQR", string.Concat(windows.Select(w => "MKTAYIAKQR"[w.BaseStart..w.BaseEnd])));
        Assert.Equal([0, 16, 10, 2], windows[2].Ids);
    }

    [Fact]
    public void EncodeToTokens_Offsets_IndexTheCallersText()
    {
        const string text = "MK xyz<mask>Q";
        var tokens = s_hf.EncodeToTokens(text, null);
        Assert.Equal(["<cls>", "M", "K", "<unk>", "<mask>", "Q", "<eos>"], tokens.Select(t => t.Value));
        Assert.Equal("xyz", text[tokens[3].Offset]);
        Assert.Equal("<mask>", text[tokens[4].Offset]);
        Assert.Equal("Q", text[tokens[5].Offset]);
    }

    [Fact]
    public void TokenizerBaseClass_EncodeToIdsWithMaxTokenCount_TruncatesAndKeepsEos()
    {
        Tokenizer tokenizer = s_hf;
        var ids = tokenizer.EncodeToIds("MKTAYIAKQR", maxTokenCount: 5, out string? normalized, out int consumed);
        Assert.Equal([0, 20, 15, 11, 2], ids);
        Assert.Null(normalized);
        Assert.Equal(3, consumed);
    }
}
