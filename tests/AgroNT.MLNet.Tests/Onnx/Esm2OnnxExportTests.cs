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

/// <summary>The rotary, token-dropout, tied-head ESM-2 model exported to ONNX against Hugging Face's outputs.</summary>
public sealed class Esm2OnnxExportTests(ITestOutputHelper output)
{
    private static readonly JsonNode s_index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Esm2Reference, "index.json")))!;

    private static double MaxDiffValid(float[] actual, double[] expected, long[] mask, int width)
    {
        double max = 0;
        for (int position = 0; position < mask.Length; position++)
        {
            for (int j = 0; mask[position] == 1 && j < width; j++)
            {
                max = Math.Max(max, Math.Abs(actual[position * width + j] - expected[position * width + j]));
            }
        }
        return max;
    }

    [Theory]
    [InlineData(OnnxAttention.OnnxRuntime, "mixed3")]
    [InlineData(OnnxAttention.Standard, "mixed3")]
    [InlineData(OnnxAttention.OnnxRuntime, "fill_mask")]
    public void Export_Esm2Folder_ReproducesHuggingFaceWithin1e4(OnnxAttention attention, string run)
    {
        using var folder = new TempFolder();
        var result = OnnxExporter.Export(SharedData.Esm2TinyModel, folder.Path, new OnnxExportOptions { Attention = attention, Layers = [0, 1] });
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.ModelPath)).Graph;
        // The fused operator cannot rotate query and key, so rotary layers use standard ops whatever was asked.
        Assert.Equal(2, graph.Node.Count(n => n.OpType == "Softmax"));
        var read = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        Assert.Equal("", string.Join(", ", graph.Initializer.Select(i => i.Name).Where(name => !read.Contains(name))));

        var files = (run == "fill_mask" ? s_index["fixtures"]!["fill_mask"]!["files"] : s_index["fixtures"]!["batches"]![run]!["files"])!;
        NpyArray Fixture(string key) => Npy.Read(Path.Combine(SharedData.Esm2Reference, (string)files[key]!));
        var ids = Fixture("input_ids");
        var mask = Fixture("attention_mask");
        int rows = ids.Shape[0], length = ids.Shape[1];
        using var session = new InferenceSession(result.ModelPath);
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids.Longs, [rows, length]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask.Longs, [rows, length]);
        using var runOptions = new RunOptions();
        string[] names = ["logits", "last_hidden_state", "hidden_state_0", "hidden_state_1"];
        using var results = session.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], names);
        float[] Output(int i) => results[i].GetTensorDataAsSpan<float>().ToArray();

        var states = Fixture("hidden_states");
        int stateSize = rows * length * 64;
        double logits = MaxDiffValid(Output(0), Fixture("logits").Doubles, mask.Longs, 33);
        double last = MaxDiffValid(Output(1), Fixture("last_hidden_state").Doubles, mask.Longs, 64);
        double embedding = MaxDiffValid(Output(2), states.Doubles[..stateSize], mask.Longs, 64);
        double layer1 = MaxDiffValid(Output(3), states.Doubles[stateSize..(2 * stateSize)], mask.Longs, 64);
        output.WriteLine($"{attention} {run}: logits {logits:E2}, last_hidden_state {last:E2}, embedding output {embedding:E2}, layer 1 {layer1:E2}");
        Assert.True(Math.Max(Math.Max(logits, last), Math.Max(embedding, layer1)) < 1e-4, $"{logits} {last} {embedding} {layer1}");
    }

    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.Cls)]
    [InlineData(Pooling.Tokens)]
    public void OnnxEmbedder_ExportedLoadedModel_AgreesWithTorchSharpEmbedderWithin1e4(Pooling pooling)
    {
        using var folder = new TempFolder();
        using var model = AgroNTModel.Load(SharedData.Esm2TinyModel);
        OnnxExporter.Export(model, folder.Path, new OnnxExportOptions { IncludeLogits = false });
        string[] proteins = ["MKTAYIAKQR", "FVNQHLCGSHLVEALYLVCGERGFFYTPKT", "M", "MAX.KBUZ-LOG"];
        using var onnx = new AgroNTOnnxEmbedder(folder.Path, new AgroNTOnnxEmbedderOptions { Pooling = pooling });
        Assert.IsType<ProteinTokenizer>(onnx.Tokenizer);
        var fromOnnx = onnx.Embed(proteins);
        var fromTorch = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Pooling = pooling }).Embed(proteins);
        for (int i = 0; i < proteins.Length; i++)
        {
            Assert.Equal(fromTorch[i].Length, fromOnnx[i].Length);
            Assert.InRange(fromTorch[i].Zip(fromOnnx[i], (a, b) => Math.Abs(a - b)).Max(), 0, 1e-4);
        }
    }
}
