using System.Text.Json.Nodes;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.FillMask;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;

namespace AgroNT.MLNet.Tests.Featurization;

/// <summary>An ESM-2 protein folder through the library's front door: loading, embedding, fill-mask, info, save.</summary>
public sealed class Esm2EmbedderTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private static readonly JsonNode s_index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Esm2Reference, "index.json")))!;
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-esm2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Text(string name) => (string)s_index["fixtures"]!["tokenization"]!.AsArray().Single(r => (string)r!["name"]! == name)!["text"]!;

    /// <summary>The fixture's last hidden state of a single run, [tokens][64].</summary>
    private static float[][] LastHidden(string name)
    {
        var array = Npy.Read(Path.Combine(SharedData.Esm2Reference, "tiny", "single", $"{name}.last_hidden_state.npy"));
        int tokens = array.Shape[1];
        return [.. Enumerable.Range(0, tokens).Select(t => array.Doubles.Skip(t * 64).Take(64).Select(v => (float)v).ToArray())];
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.InRange(max, 0, Tolerance);
    }

    [Theory]
    [InlineData(CheckpointFormat.SafeTensors)]
    [InlineData(CheckpointFormat.PyTorch)]
    public void Embed_EveryPooling_PackedMixedLengths_MatchTheFixtureHiddenStates(CheckpointFormat format)
    {
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel, new AgroNTModelOptions { CheckpointFormat = format });
        Assert.IsType<ProteinTokenizer>(model.Tokenizer);
        string[] names = ["peptide_10", "insulin_b", "len1_M", "rare_letters"];
        foreach (Pooling pooling in Enum.GetValues<Pooling>())
        {
            // All four lengths (3 to 32 tokens) go into one packed batch: nothing is padded, each attends to itself.
            var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Pooling = pooling });
            var results = embedder.Embed([.. names.Select(Text)], names);
            Assert.Equal(embedder.RealTokens, embedder.ComputedTokens);
            for (int i = 0; i < names.Length; i++)
            {
                float[][] hidden = LastHidden(names[i]);
                // Residues are rows 1 .. T-2: <cls> first and <eos> last are left out, as <cls> is for AgroNT.
                float[][] residues = hidden[1..^1];
                float[] expected = pooling switch
                {
                    Pooling.Cls => hidden[0],
                    Pooling.Mean => [.. Enumerable.Range(0, 64).Select(h => residues.Average(r => r[h]))],
                    _ => [.. residues.SelectMany(r => r)],
                };
                AssertClose(expected, results[i]);
            }
        }
    }

    private sealed class ProteinRow
    {
        public string Protein { get; set; } = "";
    }

    private sealed class FeaturizedRow
    {
        public float[] Embedding { get; set; } = [];
    }

    [Fact]
    public void FeaturizeAgroNT_ProteinTextColumn_GivesTheClsRowOfTheFixture()
    {
        var context = new Microsoft.ML.MLContext(seed: 1);
        string[] names = ["peptide_10", "insulin_b", "mask_inline"];
        var data = context.Data.LoadFromEnumerable(names.Select(n => new ProteinRow { Protein = Text(n) }));
        // mask_inline holds a literal <mask>, which only hf mode reads as the mask token.
        var transformer = context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions
        {
            OutputColumnName = "Embedding",
            InputColumnName = "Protein",
            ModelFolder = SharedData.Esm2TinyModel,
            ModelOptions = new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf } },
            Embedding = new AgroNTEmbeddingOptions { Pooling = Pooling.Cls },
        }).Fit(data);
        var rows = context.Data.CreateEnumerable<FeaturizedRow>(transformer.Transform(data), reuseRowObject: false).ToList();
        for (int i = 0; i < names.Length; i++)
        {
            AssertClose(LastHidden(names[i])[0], rows[i].Embedding);
        }
    }

    [Fact]
    public void MaskFiller_FixtureText_EncodesWithClsAndEosAndReproducesTop5()
    {
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel);
        var fill = s_index["fixtures"]!["fill_mask"]!;
        var filler = new MaskFiller(model);
        Assert.Equal(fill["input_ids"]!.AsArray().Select(v => (int)v!), filler.Encode((string)fill["text"]!));
        var predictions = filler.Predict((string)fill["text"]!, 5);
        var expected = fill["fill_mask_top5"]![0]!["top5"]!.AsArray();
        Assert.Equal(expected.Select(e => (int)e!["token"]!), predictions[0].Select(p => p.TokenId));
        Assert.Equal(expected.Select(e => (string)e!["token_str"]!), predictions[0].Select(p => p.Token));
    }

    [Fact]
    public void Save_ThenLoad_KeepsTheProteinTokenizerTheTiedHeadAndTheOutputs()
    {
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel);
        model.Save(_folder);
        Assert.Equal("<eos>", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "special_tokens_map.json")))!["eos_token"]!);
        using var reloaded = AgroNTModel.Load(_folder);
        Assert.True(reloaded.Config.TieWordEmbeddings);
        Assert.True(reloaded.Config.IsRotary);
        Assert.IsType<ProteinTokenizer>(reloaded.Tokenizer);
        Assert.Equal(model.Tokenizer.EncodeToIds("MKTAYIAKQR", null), reloaded.Tokenizer.EncodeToIds("MKTAYIAKQR", null));
        var before = new AgroNTEmbedder(model).Embed("FVNQHLCGSHLVEALYLVCGERGFFYTPKT");
        var after = new AgroNTEmbedder(reloaded).Embed("FVNQHLCGSHLVEALYLVCGERGFFYTPKT");
        Assert.Equal(before, after);
    }

    [Fact]
    public void Info_Esm2Folder_NamesTheFamilyAndTheVariantWithoutWarnings()
    {
        var info = AgroNTModelInfo.Read(SharedData.Esm2TinyModel);
        Assert.Equal("ESM-2", info.Family);
        Assert.True(info.IsProtein);
        Assert.Null(info.K);
        Assert.Equal(1022, info.WindowResidues);
        Assert.Equal("rotary positions, token dropout, LM head tied to the embeddings", info.Variant);
        Assert.Empty(info.Warnings);
        Assert.True(AgroNTModelInfo.MatchesConfig(info.StoredParameterCount!.Value, info.Config));
        Assert.Equal("AgroNT / Nucleotide Transformer", AgroNTModelInfo.Read(SharedData.TinyModel).Family);
    }

    [Fact]
    public void Embed_RotaryTokenDropoutModel_LeavesNoLiveTensors()
    {
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel, new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { Mode = TokenizerMode.Hf } });
        string[] proteins = ["MKTAYIAKQR", "FVNQHLCGSHLVEALYLVCGERGFFYTPKT", "MKTAY<mask>AKQRQ", "M", "MAX.KBUZ-LOG"];
        var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 2, MaxPaddingFraction = 0.9 });
        embedder.Embed(proteins[..2]); // warm-up
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        embedder.Embed(proteins);
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void VariantScoring_ProteinModel_IsRefusedRatherThanSubstitutingNucleotides()
    {
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel);
        var error = Assert.Throws<NotSupportedException>(() => new AgroNT.MLNet.Variants.VariantScorer(model));
        Assert.Contains("protein vocabulary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NucleotideTransformerV2Config_IsRefusedNamingAddBiasFnn()
    {
        foreach (string file in Directory.GetFiles(SharedData.Esm2TinyModel))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_folder, "config.json")))!.AsObject();
        config["add_bias_fnn"] = false;
        File.WriteAllText(Path.Combine(_folder, "config.json"), config.ToJsonString());
        var error = Assert.Throws<FormatException>(() => AgroNTModel.Load(_folder));
        Assert.Contains("add_bias_fnn = false", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
    }
}
