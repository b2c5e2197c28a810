using System.Text.Json.Nodes;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Onnx;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace AgroNT.MLNet.Tests.Onnx;

/// <summary>The tiny fixture model exported once for the whole class, with every hidden state exposed.</summary>
public sealed class ExportedTinyModel : IDisposable
{
    private readonly TempFolder _folder = new();

    public ExportedTinyModel()
    {
        Result = OnnxExporter.Export(SharedData.TinyModel, _folder.Path, new OnnxExportOptions { Layers = [0, 1, 2] });
    }

    public string Folder => _folder.Path;

    public OnnxExportResult Result { get; }

    public void Dispose() => _folder.Dispose();
}

public sealed class OnnxExporterTests(ExportedTinyModel exported, ITestOutputHelper output) : IClassFixture<ExportedTinyModel>
{
    private static readonly JsonNode s_index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;

    private static Dictionary<string, float[]> Run(string modelPath, long[] ids, long[] mask, int rows, int length, params string[] outputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(modelPath, options);
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [rows, length]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [rows, length]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], outputs);
        return outputs.Select((name, i) => (name, results[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.name, p => p.Item2);
    }

    // Largest |a - b| over positions whose mask is 1; `width` floats per position.
    private static double MaxDiffValid(float[] actual, double[] expected, long[] mask, int width)
    {
        double max = 0;
        for (int position = 0; position < mask.Length; position++)
        {
            if (mask[position] == 0)
            {
                continue;
            }
            for (int j = 0; j < width; j++)
            {
                max = Math.Max(max, Math.Abs(actual[position * width + j] - expected[position * width + j]));
            }
        }
        return max;
    }

    [Theory]
    [InlineData("modelcard")]
    [InlineData("mixed")]
    public void Export_TinyModel_ReproducesPyTorchAndTorchOnnxExportWithin1e4(string batch)
    {
        var files = s_index["fixtures"]!["batches"]![batch]!["files"]!;
        NpyArray Fixture(string key) => Npy.Read(Path.Combine(SharedData.HfReference, (string)files[key]!));
        var ids = Fixture("input_ids");
        var mask = Fixture("attention_mask");
        int rows = ids.Shape[0], length = ids.Shape[1];
        var actual = Run(exported.Result.ModelPath, ids.Longs, mask.Longs, rows, length,
            "logits", "last_hidden_state", "hidden_state_0", "hidden_state_1", "hidden_state_2");

        var logits = Fixture("logits");
        var last = Fixture("last_hidden_state");
        var states = Fixture("hidden_states");
        int vocab = logits.Shape[2], hidden = last.Shape[2], stateSize = rows * length * hidden;
        double logitsDiff = MaxDiffValid(actual["logits"], logits.Doubles, mask.Longs, vocab);
        double lastDiff = MaxDiffValid(actual["last_hidden_state"], last.Doubles, mask.Longs, hidden);
        double statesDiff = Enumerable.Range(0, 3).Max(layer =>
            MaxDiffValid(actual[$"hidden_state_{layer}"], states.Doubles[(layer * stateSize)..((layer + 1) * stateSize)], mask.Longs, hidden));

        var torchOnnxLogits = Npy.Read(Path.Combine(SharedData.HfReference, "tiny", "onnx", $"{batch}.logits.npy"));
        var torchOnnxLast = Npy.Read(Path.Combine(SharedData.HfReference, "tiny", "onnx", $"{batch}.last_hidden_state.npy"));
        double onnxLogitsDiff = MaxDiffValid(actual["logits"], torchOnnxLogits.Doubles, mask.Longs, vocab);
        double onnxLastDiff = MaxDiffValid(actual["last_hidden_state"], torchOnnxLast.Doubles, mask.Longs, hidden);
        output.WriteLine($"{batch}: vs PyTorch logits {logitsDiff:E2}, last_hidden_state {lastDiff:E2}, hidden_states {statesDiff:E2}; vs torch.onnx.export logits {onnxLogitsDiff:E2}, last_hidden_state {onnxLastDiff:E2}");
        Assert.True(logitsDiff < 1e-4, $"logits {logitsDiff}");
        Assert.True(lastDiff < 1e-4, $"last_hidden_state {lastDiff}");
        Assert.True(statesDiff < 1e-4, $"hidden_states {statesDiff}");
        Assert.True(onnxLogitsDiff < 1e-4 && onnxLastDiff < 1e-4, $"torch.onnx.export {onnxLogitsDiff} {onnxLastDiff}");
    }

    [Fact]
    public void Export_WritesTheModelFolderContract()
    {
        Assert.Equal(["hidden_state_0", "hidden_state_1", "last_hidden_state", "hidden_state_2", "logits"], exported.Result.Outputs);
        Assert.Null(exported.Result.ExternalDataPath);
        foreach (string file in new[] { "model.onnx", "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            Assert.True(File.Exists(Path.Combine(exported.Folder, file)), file);
        }
        Assert.Equal(File.ReadAllText(Path.Combine(SharedData.TinyModel, "vocab.txt")).TrimEnd('\n'), File.ReadAllText(Path.Combine(exported.Folder, "vocab.txt")).TrimEnd('\n'));
        using var session = new InferenceSession(exported.Result.ModelPath);
        Assert.Equal(["input_ids", "attention_mask"], session.InputMetadata.Keys);
        Assert.All(session.InputMetadata.Values, m => Assert.Equal([-1, -1], m.Dimensions));
        Assert.Equal([-1, -1, 4105], session.OutputMetadata["logits"].Dimensions);
        Assert.Equal("2", session.ModelMetadata.CustomMetadataMap["agront.num_hidden_layers"]);
    }

    [Theory]
    [InlineData(null, Pooling.Mean)]
    [InlineData(1, Pooling.Mean)]
    [InlineData(0, Pooling.Cls)]
    [InlineData(null, Pooling.Tokens)]
    public void OnnxEmbedder_AgreesWithTorchSharpEmbedderWithin1e4(int? layer, Pooling pooling)
    {
        string[] dna = ["ATCCCGGNNTCGACACN", "ATATACGGCCGNCATATACGGCCGNC", "", "acgtacgtacgtNNNACGT", "GATTACA", string.Concat(Enumerable.Repeat("ACGTTGCAAGG", 30))];
        var tokenizer = KmerTokenizerOptions.Default;
        using var model = AgroNTModel.Load(SharedData.TinyModel, new AgroNTModelOptions { Tokenizer = tokenizer });
        var torchVectors = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = layer, Pooling = pooling }).Embed(dna);
        using var onnx = new AgroNTOnnxEmbedder(exported.Folder, new AgroNTOnnxEmbedderOptions { Layer = layer, Pooling = pooling, Tokenizer = tokenizer, IntraOpThreads = 1 });
        var onnxVectors = onnx.Embed(dna);
        double max = 0;
        for (int i = 0; i < dna.Length; i++)
        {
            Assert.Equal(torchVectors[i].Length, onnxVectors[i].Length);
            max = Math.Max(max, torchVectors[i].Zip(onnxVectors[i], (a, b) => Math.Abs(a - b)).DefaultIfEmpty(0).Max());
        }
        output.WriteLine($"layer {layer?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "last"}, {pooling}: max |TorchSharp - ONNX| = {max:E2}");
        Assert.True(max < 1e-4, $"max difference {max}");
    }

    [Fact]
    public void Export_ExternalData_IsAlignedAndGivesTheSameOutputs()
    {
        using var folder = new TempFolder();
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var result = OnnxExporter.Export(model, folder.Path, new OnnxExportOptions { ExternalData = OnnxExternalData.Always, IncludeLogits = false });
        Assert.Equal(Path.Combine(folder.Path, "model.onnx.data"), result.ExternalDataPath);
        Assert.True(new FileInfo(result.ModelPath).Length < 20_000, "the graph file should hold no weights");
        Assert.True(new FileInfo(result.ExternalDataPath!).Length >= result.WeightBytes);
        Assert.Equal(["last_hidden_state"], result.Outputs);

        long[] ids = [3, 100, 4103, 4104, 200, 1, 3, 7, 1, 1];
        long[] mask = [.. ids.Select(i => i == 1 ? 0L : 1L)];
        var external = Run(result.ModelPath, ids, mask, 2, 5, "last_hidden_state")["last_hidden_state"];
        var inline = Run(exported.Result.ModelPath, ids, mask, 2, 5, "last_hidden_state")["last_hidden_state"];
        Assert.Equal(inline, external);
    }

    [Fact]
    public void EstimateWeightBytes_MatchesWhatIsWrittenAndSendsAgroNT1BToExternalData()
    {
        var tiny = EsmConfig.FromFile(SharedData.TinyModel);
        Assert.Equal(exported.Result.WeightBytes, OnnxExporter.EstimateWeightBytes(tiny, logits: true));
        long agront1b = OnnxExporter.EstimateWeightBytes(EsmConfig.AgroNT1B, logits: true);
        Assert.InRange(agront1b, 3_900_000_000L, 4_000_000_000L);
        Assert.True(agront1b > OnnxExporter.InlineLimitBytes);
    }

    [Fact]
    public void Export_OnlyLayers_StopsAtTheHighestLayerAndEmbedsLikeTorchSharp()
    {
        using var folder = new TempFolder();
        var result = OnnxExporter.Export(SharedData.TinyModel, folder.Path, new OnnxExportOptions { Layers = [1], OnlyLayers = true });
        Assert.Equal(["hidden_state_1"], result.Outputs);
        // Layer 2 (64x64x4 + 2x64x128 weights and biases) and the LM head (its 64x4105 decoder above all) are left out.
        long layer = 4L * (4 * (64 * 64 + 64) + 2 * 64 * 128 + 128 + 64 + 4 * 64);
        Assert.True(result.WeightBytes < exported.Result.WeightBytes - layer - 4L * 64 * 4105, $"{result.WeightBytes} bytes");

        string[] dna = ["ATCCCGGNNTCGACACN", "GATTACAGATTACA", ""];
        using var onnx = new AgroNTOnnxEmbedder(folder.Path, new AgroNTOnnxEmbedderOptions { Layer = 1, IntraOpThreads = 1 });
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var expected = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = 1 }).Embed(dna);
        var actual = onnx.Embed(dna);
        for (int i = 0; i < dna.Length; i++)
        {
            Assert.True(expected[i].Zip(actual[i], (a, b) => Math.Abs(a - b)).Max() < 1e-4);
        }
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AgroNTOnnxEmbedder(folder.Path));
        Assert.Contains("layer(s) 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(OnnxAttention.Standard, 0)]
    [InlineData(OnnxAttention.OnnxRuntime, 2)]
    public void Export_AttentionChoice_ReproducesPyTorchOnThePaddedBatchWithin1e4(OnnxAttention attention, int fusedNodes)
    {
        using var folder = new TempFolder();
        var result = OnnxExporter.Export(SharedData.TinyModel, folder.Path, new OnnxExportOptions { Attention = attention, Layers = [1] });
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.ModelPath)).Graph;
        Assert.Equal(fusedNodes, graph.Node.Count(n => n.Domain == "com.microsoft" && n.OpType == "Attention"));
        // Each of the 2 layers has either a fused Attention node or a standard Softmax.
        Assert.Equal(2 - fusedNodes, graph.Node.Count(n => n.OpType == "Softmax"));
        // ONNX Runtime warns on stderr about initializers no node reads.
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(graph.Initializer, i => !read.Contains(i.Name));

        var files = s_index["fixtures"]!["batches"]!["mixed"]!["files"]!;
        NpyArray Fixture(string key) => Npy.Read(Path.Combine(SharedData.HfReference, (string)files[key]!));
        var ids = Fixture("input_ids");
        var mask = Fixture("attention_mask");
        int rows = ids.Shape[0], length = ids.Shape[1];
        Assert.Contains(0L, mask.Longs);
        var actual = Run(result.ModelPath, ids.Longs, mask.Longs, rows, length, "logits", "last_hidden_state", "hidden_state_1");
        var logits = Fixture("logits");
        var last = Fixture("last_hidden_state");
        var states = Fixture("hidden_states");
        int hidden = last.Shape[2], stateSize = rows * length * hidden;
        double logitsDiff = MaxDiffValid(actual["logits"], logits.Doubles, mask.Longs, logits.Shape[2]);
        double lastDiff = MaxDiffValid(actual["last_hidden_state"], last.Doubles, mask.Longs, hidden);
        double layerDiff = MaxDiffValid(actual["hidden_state_1"], states.Doubles[stateSize..(2 * stateSize)], mask.Longs, hidden);
        output.WriteLine($"{attention}: vs PyTorch logits {logitsDiff:E2}, last_hidden_state {lastDiff:E2}, hidden_state_1 {layerDiff:E2}");
        Assert.True(Math.Max(logitsDiff, Math.Max(lastDiff, layerDiff)) < 1e-4, $"{logitsDiff} {lastDiff} {layerDiff}");
    }

    [Fact]
    public void Export_LayerOutOfRange_Throws()
    {
        using var folder = new TempFolder();
        Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.Export(SharedData.TinyModel, folder.Path, new OnnxExportOptions { Layers = [3] }));
    }
}
