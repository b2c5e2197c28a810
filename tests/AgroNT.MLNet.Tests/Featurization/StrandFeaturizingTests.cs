using System.IO.Compression;
using System.Text.Json.Nodes;
using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using Microsoft.ML;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class StrandFeaturizingTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static AgroNTFeaturizingTransformer Fit(Strand strand, IDataView data) => s_context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions
    {
        ModelFolder = SharedData.TinyModel,
        Embedding = new AgroNTEmbeddingOptions { Strand = strand, BatchSize = 4 },
        InputColumnName = "Sequence",
        OutputColumnName = "Embedding",
        ReadAheadRows = 6,
    }).Fit(data);

    [Fact]
    public void Featurize_StrandReverse_EqualsForwardFeaturesOfTheReverseComplements()
    {
        string[] sequences = FeaturizingTestData.MixedLengths(9);
        using var reverse = Fit(Strand.Reverse, FeaturizingTestData.Load(s_context, sequences));
        using var forward = Fit(Strand.Forward, FeaturizingTestData.Load(s_context, sequences.Select(s => Dna.ReverseComplement(s))));
        FeaturizingTestData.AssertClose(
            FeaturizingTestData.ReadFeatures(forward.Transform(FeaturizingTestData.Load(s_context, sequences.Select(s => Dna.ReverseComplement(s)))), "Embedding"),
            FeaturizingTestData.ReadFeatures(reverse.Transform(FeaturizingTestData.Load(s_context, sequences)), "Embedding"),
            1e-5);
    }

    [Fact]
    public void SaveLoad_StrandBoth_IsKeptAndGivesTheSameFeatures()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("both.agront.zip");
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(11));
        using var original = Fit(Strand.Both, data);
        original.Save(path);
        using var loaded = AgroNTFeaturizingTransformer.Load(path);

        Assert.Equal(Strand.Both, loaded.EmbeddingOptions.Strand);
        Assert.Equal(original.EmbeddingOptions, loaded.EmbeddingOptions);
        Assert.Equal(FeaturizingTestData.ReadFeatures(original.Transform(data), "Embedding"), FeaturizingTestData.ReadFeatures(loaded.Transform(data), "Embedding"));
    }

    [Fact]
    public void Load_Version1FileWithoutStrand_ReadsAsForward()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("old.agront.zip");
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(5));
        using (var reverse = Fit(Strand.Reverse, data))
        {
            reverse.Save(path);
        }
        // Turn it into what version 1 wrote: the same manifest without embedding.strand.
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = archive.GetEntry("manifest.json")!;
            JsonNode manifest;
            using (var reader = new StreamReader(entry.Open()))
            {
                manifest = JsonNode.Parse(reader.ReadToEnd())!;
            }
            Assert.Equal("Reverse", (string)manifest["embedding"]!["strand"]!);
            manifest["formatVersion"] = 1;
            manifest["embedding"]!.AsObject().Remove("strand");
            entry.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("manifest.json").Open());
            writer.Write(manifest.ToJsonString());
        }

        using var loaded = AgroNTFeaturizingTransformer.Load(path);
        Assert.Equal(Strand.Forward, loaded.EmbeddingOptions.Strand);
        using var forward = Fit(Strand.Forward, data);
        Assert.Equal(FeaturizingTestData.ReadFeatures(forward.Transform(data), "Embedding"), FeaturizingTestData.ReadFeatures(loaded.Transform(data), "Embedding"));
    }

    [Fact]
    public void Featurize_StrandBothOnTokenIdColumn_IsRefusedNamingTheColumn()
    {
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(3));
        var pipeline = s_context.Transforms.TokenizeDna("Ids", "Sequence", SharedData.TinyModel)
            .Append(s_context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions
            {
                ModelFolder = SharedData.TinyModel,
                Embedding = new AgroNTEmbeddingOptions { Strand = Strand.Both },
                InputColumnName = "Ids",
            }));
        var error = Assert.Throws<ArgumentException>(() => { _ = pipeline.Fit(data).Transform(data); });
        Assert.Contains("'Ids' holds token ids", error.Message);
        Assert.Contains("Strand.Forward", error.Message);
    }
}
