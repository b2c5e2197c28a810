using System.IO.Compression;
using System.Text.Json;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;

namespace AgroNT.Transforms.Tests;

public sealed class KmerTokenizingTransformerFormatTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static KmerTokenizingTransformer MakeTransformer() => s_context.Transforms.TokenizeDna(new KmerTokenizingOptions
    {
        ModelFolder = SharedData.TinyModel,
        TokenizerOptions = new KmerTokenizerOptions { Mode = TokenizerMode.Hf, LengthPolicy = LengthPolicy.Truncate, MaxTokens = 64 },
        InputColumnName = "Sequence",
        OutputColumnName = "Ids",
        AttentionMaskColumnName = "Mask",
        FixedLength = 40,
    }).Fit(TestDna.Load(s_context));

    [Fact]
    public void SaveLoad_RoundTrip_GivesIdenticalOutput()
    {
        using var folder = new Tokenization.TestVocabularies.TempFolder();
        string path = Path.Combine(folder.Path, "tokenizer.agront.zip");
        KmerTokenizingTransformer original = MakeTransformer();
        string[] sequences = [.. TestDna.Sequences, "acgt<mask>ACGTAC", Tokenization.TestVocabularies.RandomDna(new Random(2), 500)];
        IDataView data = TestDna.Load(s_context, sequences);

        original.Save(path);
        KmerTokenizingTransformer loaded = KmerTokenizingTransformer.Load(path);

        Assert.Equal(TestDna.ReadIds(original.Transform(data), "Ids"), TestDna.ReadIds(loaded.Transform(data), "Ids"));
        Assert.Equal(TestDna.ReadIds(original.Transform(data), "Mask"), TestDna.ReadIds(loaded.Transform(data), "Mask"));
        Assert.Equal(original.Tokenizer.Options, loaded.Tokenizer.Options);
        Assert.Equal(original.Tokenizer.Vocabulary.Tokens, loaded.Tokenizer.Vocabulary.Tokens);
        Assert.Equal((original.InputColumnName, original.OutputColumnName, original.AttentionMaskColumnName, original.FixedLength),
            (loaded.InputColumnName, loaded.OutputColumnName, loaded.AttentionMaskColumnName, loaded.FixedLength));
        Assert.Equal(["tokenizer.agront.zip"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_File_IsAZipWithAVersionedManifestAndTheVocabulary()
    {
        using var stream = new MemoryStream();
        MakeTransformer().Save(stream);
        stream.Position = 0;

        using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
        using JsonDocument manifest = JsonDocument.Parse(archive.GetEntry("manifest.json")!.Open());
        using var vocabulary = new StreamReader(archive.GetEntry("vocab.txt")!.Open());

        Assert.Equal("AgroNT.KmerTokenizingTransformer", manifest.RootElement.GetProperty("format").GetString());
        Assert.Equal(1, manifest.RootElement.GetProperty("formatVersion").GetInt32());
        Assert.Equal("Hf", manifest.RootElement.GetProperty("tokenizer").GetProperty("mode").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(SharedData.TinyModel, "vocab.txt")), vocabulary.ReadToEnd());
    }

    [Fact]
    public void Save_ExistingFile_IsReplaced()
    {
        using var folder = new Tokenization.TestVocabularies.TempFolder();
        string path = folder.Write("model.zip", "old contents");

        MakeTransformer().Save(path);

        Assert.Equal("Ids", KmerTokenizingTransformer.Load(path).OutputColumnName);
    }

    [Fact]
    public void Load_NewerFormatVersion_IsRefusedWithVersionMessage()
    {
        using var folder = new Tokenization.TestVocabularies.TempFolder();
        string path = Path.Combine(folder.Path, "future.zip");
        MakeTransformer().Save(path);
        using (ZipArchive archive = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            ZipArchiveEntry entry = archive.GetEntry("manifest.json")!;
            string json;
            using (var reader = new StreamReader(entry.Open()))
            {
                json = reader.ReadToEnd();
            }

            entry.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("manifest.json").Open());
            writer.Write(json.Replace("\"formatVersion\": 1", "\"formatVersion\": 99", StringComparison.Ordinal));
        }

        var error = Assert.Throws<InvalidDataException>(() => KmerTokenizingTransformer.Load(path));

        Assert.Contains("version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotASavedTransformer_ThrowsInvalidData()
    {
        using var folder = new Tokenization.TestVocabularies.TempFolder();
        string garbage = folder.Write("garbage.zip", "not a zip");
        string empty = Path.Combine(folder.Path, "empty.zip");
        using (ZipFile.Open(empty, ZipArchiveMode.Create))
        {
        }

        Assert.Contains("not a zip", Assert.Throws<InvalidDataException>(() => KmerTokenizingTransformer.Load(garbage)).Message, StringComparison.Ordinal);
        Assert.Contains("manifest.json", Assert.Throws<InvalidDataException>(() => KmerTokenizingTransformer.Load(empty)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => KmerTokenizingTransformer.Load(Path.Combine(folder.Path, "missing.zip")));
    }
}
