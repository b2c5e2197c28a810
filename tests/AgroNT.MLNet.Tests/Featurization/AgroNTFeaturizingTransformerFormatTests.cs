using System.IO.Compression;
using System.Text.Json;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTFeaturizingTransformerFormatTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static AgroNTFeaturizingTransformer Fit(string modelFolder, IDataView data) => s_context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions
    {
        ModelFolder = modelFolder,
        ModelOptions = new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf, LengthPolicy = LengthPolicy.Truncate, MaxTokens = 40 } },
        Embedding = new AgroNTEmbeddingOptions { Layer = 1, Pooling = Pooling.Cls, BatchSize = 3, MaxBatchTokens = 90 },
        InputColumnName = "Sequence",
        OutputColumnName = "Embedding",
        ReadAheadRows = 7,
    }).Fit(data);

    private static void CopyTinyModel(string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in new[] { "config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt" })
        {
            File.Copy(Path.Combine(SharedData.TinyModel, file), Path.Combine(destination, file));
        }
    }

    [Fact]
    public void SaveLoad_RoundTrip_GivesIdenticalOutput()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("featurizer.agront.zip");
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(17));
        using AgroNTFeaturizingTransformer original = Fit(SharedData.TinyModel, data);

        original.Save(path);
        using AgroNTFeaturizingTransformer loaded = AgroNTFeaturizingTransformer.Load(path);

        Assert.Equal(FeaturizingTestData.ReadFeatures(original.Transform(data), "Embedding"), FeaturizingTestData.ReadFeatures(loaded.Transform(data), "Embedding"));
        Assert.Equal(original.EmbeddingOptions, loaded.EmbeddingOptions);
        Assert.Equal(original.ModelOptions, loaded.ModelOptions);
        Assert.Equal((original.InputColumnName, original.OutputColumnName, original.ReadAheadRows, original.ModelFolder),
            (loaded.InputColumnName, loaded.OutputColumnName, loaded.ReadAheadRows, loaded.ModelFolder));
        Assert.Equal(["featurizer.agront.zip"], folder.FileNames());
    }

    [Fact]
    public void Save_File_HoldsAVersionedManifestWithTheAbsoluteModelFolder()
    {
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC"]);
        using AgroNTFeaturizingTransformer transformer = Fit(Path.GetRelativePath(Environment.CurrentDirectory, SharedData.TinyModel), data);
        using var stream = new MemoryStream();

        transformer.Save(stream);
        stream.Position = 0;

        using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
        Assert.Equal(["manifest.json"], archive.Entries.Select(e => e.FullName));
        using JsonDocument manifest = JsonDocument.Parse(archive.GetEntry("manifest.json")!.Open());
        JsonElement root = manifest.RootElement;
        Assert.Equal("AgroNT.AgroNTFeaturizingTransformer", root.GetProperty("format").GetString());
        Assert.Equal(3, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal(AgroNTFeaturizingDefaults.EmbeddingCacheBytes, root.GetProperty("embeddingCacheBytes").GetInt64());
        Assert.Equal("Forward", root.GetProperty("embedding").GetProperty("strand").GetString());
        Assert.Equal(Path.GetFullPath(SharedData.TinyModel), root.GetProperty("model").GetProperty("folder").GetString());
        Assert.True(Path.IsPathFullyQualified(root.GetProperty("model").GetProperty("folder").GetString()!));
        Assert.Equal("Hf", root.GetProperty("model").GetProperty("tokenizer").GetProperty("mode").GetString());
        Assert.Equal("Cls", root.GetProperty("embedding").GetProperty("pooling").GetString());
        Assert.Equal(1, root.GetProperty("embedding").GetProperty("layer").GetInt32());
        Assert.Equal("Embedding", root.GetProperty("columns").GetProperty("output").GetString());
        Assert.Equal(7, root.GetProperty("readAheadRows").GetInt32());
    }

    [Fact]
    public void Load_Version1File_LoadsWithTheDefaultCacheBudget()
    {
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC"]);
        var options = new AgroNTFeaturizingOptions { ModelFolder = SharedData.TinyModel, EmbeddingCacheBytes = 4096 };
        using var saved = new MemoryStream();
        using (AgroNTFeaturizingTransformer transformer = s_context.Transforms.FeaturizeAgroNT(options).Fit(data))
        {
            transformer.Save(saved);
        }

        // The same settings as the first format version wrote them: no cache budget.
        saved.Position = 0;
        System.Text.Json.Nodes.JsonObject manifest;
        using (var archive = new ZipArchive(saved, ZipArchiveMode.Read, leaveOpen: true))
        {
            manifest = System.Text.Json.Nodes.JsonNode.Parse(archive.GetEntry("manifest.json")!.Open())!.AsObject();
        }

        Assert.Equal(4096, manifest["embeddingCacheBytes"]!.GetValue<long>());
        manifest["formatVersion"] = 1;
        manifest.Remove("embeddingCacheBytes");
        using var version1 = new MemoryStream();
        using (var archive = new ZipArchive(version1, ZipArchiveMode.Create, leaveOpen: true))
        using (var writer = new StreamWriter(archive.CreateEntry("manifest.json").Open()))
        {
            writer.Write(manifest.ToJsonString());
        }

        version1.Position = 0;
        using AgroNTFeaturizingTransformer loaded = AgroNTFeaturizingTransformer.Load(version1);
        Assert.Equal(AgroNTFeaturizingDefaults.EmbeddingCacheBytes, loaded.EmbeddingCacheBytes);
        Assert.Equal(Path.GetFullPath(SharedData.TinyModel), loaded.ModelFolder);
    }

    [Fact]
    public void Load_ModelFolderGone_ThrowsNamingTheFolder()
    {
        using var folder = new TemporaryFolder();
        string modelFolder = folder.File("model");
        CopyTinyModel(modelFolder);
        string path = folder.File("featurizer.zip");
        using (AgroNTFeaturizingTransformer transformer = Fit(modelFolder, FeaturizingTestData.Load(s_context, ["ACGTAC"])))
        {
            transformer.Save(path);
        }

        Directory.Delete(modelFolder, recursive: true);

        var error = Assert.Throws<DirectoryNotFoundException>(() => AgroNTFeaturizingTransformer.Load(path));
        Assert.Contains($"'{modelFolder}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("by reference", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithAnotherModelFolder_UsesItAndGivesTheSameOutput()
    {
        using var folder = new TemporaryFolder();
        string moved = folder.File("moved-model");
        CopyTinyModel(moved);
        string path = folder.File("featurizer.zip");
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(5));
        using AgroNTFeaturizingTransformer original = Fit(SharedData.TinyModel, data);
        original.Save(path);

        using AgroNTFeaturizingTransformer loaded = AgroNTFeaturizingTransformer.Load(path, moved);

        Assert.Equal(moved, loaded.ModelFolder);
        Assert.Equal(FeaturizingTestData.ReadFeatures(original.Transform(data), "Embedding"), FeaturizingTestData.ReadFeatures(loaded.Transform(data), "Embedding"));
    }

    [Fact]
    public void Save_ModelCreatedInMemory_IsRefusedAndLeavesNoFile()
    {
        using var folder = new TemporaryFolder();
        using AgroNTModel tiny = FeaturizingTestData.LoadTiny();
        using AgroNTModel random = AgroNTModel.CreateRandom(tiny.Config, tiny.Tokenizer.Vocabulary, seed: 3);
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC"]);
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, random).Fit(data);

        var error = Assert.Throws<InvalidOperationException>(() => transformer.Save(folder.File("featurizer.zip")));

        Assert.Contains("AgroNTModel.Save", error.Message, StringComparison.Ordinal);
        Assert.Empty(folder.FileNames());
    }

    [Fact]
    public void Save_AbandonedAtTheRename_LeavesNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        string target = folder.File("featurizer.zip");
        Directory.CreateDirectory(Path.Combine(target, "occupied")); // a non-empty folder where the file should go: the final rename fails
        using AgroNTFeaturizingTransformer transformer = Fit(SharedData.TinyModel, FeaturizingTestData.Load(s_context, ["ACGTAC"]));

        Assert.ThrowsAny<IOException>(() => transformer.Save(target));

        Assert.Empty(folder.FileNames());
        Assert.True(Directory.Exists(Path.Combine(target, "occupied")));
    }

    [Fact]
    public void Save_ExistingFile_IsReplaced()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("featurizer.zip");
        File.WriteAllText(path, "old contents");
        using AgroNTFeaturizingTransformer transformer = Fit(SharedData.TinyModel, FeaturizingTestData.Load(s_context, ["ACGTAC"]));

        transformer.Save(path);

        using AgroNTFeaturizingTransformer loaded = AgroNTFeaturizingTransformer.Load(path);
        Assert.Equal("Embedding", loaded.OutputColumnName);
    }

    [Fact]
    public void Load_NewerFormatVersionOrNotAFeaturizer_IsRefusedClearly()
    {
        using var folder = new TemporaryFolder();
        string future = folder.File("future.zip");
        using (var archive = ZipFile.Open(future, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(archive.CreateEntry("manifest.json").Open()))
        {
            writer.Write("""{ "format": "AgroNT.AgroNTFeaturizingTransformer", "formatVersion": 99, "somethingNew": {} }""");
        }

        string garbage = folder.File("garbage.zip");
        File.WriteAllText(garbage, "not a zip");
        string tokenizer = folder.File("tokenizer.zip");
        s_context.Transforms.TokenizeDna("Ids", "Sequence", SharedData.TinyModel).Fit(FeaturizingTestData.Load(s_context, ["ACGT"])).Save(tokenizer);

        Assert.Contains("version 99", Assert.Throws<InvalidDataException>(() => AgroNTFeaturizingTransformer.Load(future)).Message, StringComparison.Ordinal);
        Assert.Contains("not a zip", Assert.Throws<InvalidDataException>(() => AgroNTFeaturizingTransformer.Load(garbage)).Message, StringComparison.Ordinal);
        Assert.Contains("AgroNT.KmerTokenizingTransformer", Assert.Throws<InvalidDataException>(() => AgroNTFeaturizingTransformer.Load(tokenizer)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => AgroNTFeaturizingTransformer.Load(folder.File("missing.zip")));
    }
}
