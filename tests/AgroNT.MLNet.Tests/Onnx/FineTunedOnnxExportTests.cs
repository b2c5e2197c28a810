using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Onnx;
using AgroNT.MLNet.Tests.Checkpoints.Support;
using AgroNT.MLNet.Tests.Training.FineTuning;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace AgroNT.MLNet.Tests.Onnx;

public sealed class FineTunedOnnxExportTests(ITestOutputHelper output)
{
    private static double MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) =>
        a.Zip(b, (x, y) => x.Zip(y, (p, q) => (double)Math.Abs(p - q)).Max()).Max();

    /// <summary>Runs the graph on one right-padded batch of <paramref name="dna"/> and returns <paramref name="name"/> per row.</summary>
    private static List<float[]> RunOutput(string modelPath, FineTunedModel model, IReadOnlyList<string> dna, string name)
    {
        var ids = dna.Select(s => model.Model.Tokenizer.EncodeToIds(s, null)).ToList();
        int rows = ids.Count, length = ids.Max(i => i.Length);
        var flatIds = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(flatIds, model.Model.Config.PadTokenId);
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < ids[r].Length; t++)
            {
                flatIds[r * length + t] = ids[r][t];
                mask[r * length + t] = 1;
            }
        }
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(modelPath, options);
        using var idsValue = OrtValue.CreateTensorValueFromMemory(flatIds, [rows, length]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [rows, length]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], [name]);
        float[] flat = results[0].GetTensorDataAsSpan<float>().ToArray();
        int width = flat.Length / rows;
        return [.. Enumerable.Range(0, rows).Select(r => flat[(r * width)..((r + 1) * width)])];
    }

    [Theory]
    [InlineData(FineTuningMethod.Ia3)]
    [InlineData(FineTuningMethod.Lora)]
    public void Export_FineTuned_OnnxEmbeddingsEqualTheTorchSharpFineTunedEncoderWithin1e4(FineTuningMethod method)
    {
        var dna = AdaptedModels.RealDna();
        using var fineTuned = AdaptedModels.Create(method);
        using var folder = new TempFolder();
        using var baseFolder = new TempFolder();
        var result = OnnxExporter.Export(fineTuned, folder.Path, new OnnxExportOptions { IncludeLogits = false });
        OnnxExporter.Export(SharedData.TinyModel, baseFolder.Path, new OnnxExportOptions { IncludeLogits = false });

        var torch = new AgroNTEmbedder(fineTuned.Model, new AgroNTEmbeddingOptions()).Embed(dna);
        using var onnx = new AgroNTOnnxEmbedder(folder.Path, new AgroNTOnnxEmbedderOptions { IntraOpThreads = 1 });
        using var onnxBase = new AgroNTOnnxEmbedder(baseFolder.Path, new AgroNTOnnxEmbedderOptions { IntraOpThreads = 1 });
        var exported = onnx.Embed(dna);
        var unadapted = onnxBase.Embed(dna);

        double difference = MaxDifference(torch, exported), adapterEffect = MaxDifference(torch, unadapted);
        output.WriteLine($"{method}: max |TorchSharp fine-tuned - ONNX export| (mean pooling, {dna.Count} real sequences) {difference:E2}; base model differs by {adapterEffect:F3}");
        Assert.Equal(["last_hidden_state", OnnxExporter.ScoreOutputName], result.Outputs);
        Assert.True(adapterEffect > 0.05, $"the adapters should change the embeddings; they moved them by {adapterEffect}");
        Assert.True(difference < 1e-4, $"max difference {difference}");
    }

    [Theory]
    [InlineData(FineTuningMethod.Ia3, ProblemType.BinaryClassification, HeadPooling.Mean, 1)]
    [InlineData(FineTuningMethod.Lora, ProblemType.MultiOutputRegression, HeadPooling.Mean, 3)]
    [InlineData(FineTuningMethod.Lora, ProblemType.Regression, HeadPooling.Cls, 1)]
    [InlineData(FineTuningMethod.Full, ProblemType.MultiLabelClassification, HeadPooling.Mean, 2)]
    public void Export_FineTunedHead_ScoreEqualsPredictScoresWithin1e4(FineTuningMethod method, ProblemType problemType, HeadPooling pooling, int outputs)
    {
        var dna = AdaptedModels.RealDna();
        using var fineTuned = AdaptedModels.Create(method, problemType, pooling, outputs);
        using var folder = new TempFolder();
        var result = OnnxExporter.Export(fineTuned, folder.Path);

        var expected = fineTuned.PredictScores(dna, batchSize: 3);
        var actual = RunOutput(result.ModelPath, fineTuned, dna, OnnxExporter.ScoreOutputName);

        double difference = MaxDifference(expected, actual);
        output.WriteLine($"{method} {problemType} {pooling} K={outputs}: max |PredictScores - ONNX score| {difference:E2}");
        Assert.All(actual, row => Assert.Equal(outputs, row.Length));
        Assert.True(expected.SelectMany(v => v).Distinct().Count() > dna.Count / 2, "the scores should vary across sequences");
        Assert.True(difference < 1e-4, $"max difference {difference}");
        Assert.Equal(["last_hidden_state", "logits", OnnxExporter.ScoreOutputName], result.Outputs);
        using var session = new InferenceSession(result.ModelPath);
        Assert.Equal(problemType.ToString(), session.ModelMetadata.CustomMetadataMap["agront.problem_type"]);
        Assert.Equal([-1, outputs], session.OutputMetadata[OnnxExporter.ScoreOutputName].Dimensions);
    }

    [Fact]
    public void Export_SavedFineTunedFolder_MergesAdaptersAndAddsTheHead()
    {
        var dna = AdaptedModels.RealDna().Take(3).ToList();
        using var fineTuned = AdaptedModels.Create(FineTuningMethod.Ia3);
        using var saved = new TempFolder();
        using var folder = new TempFolder();
        fineTuned.Save(saved.Path);

        var result = OnnxExporter.Export(saved.Path, folder.Path, new OnnxExportOptions { IncludeLogits = false, Layers = [1] });

        Assert.Equal(["hidden_state_1", "last_hidden_state", OnnxExporter.ScoreOutputName], result.Outputs);
        var torch = new AgroNTEmbedder(fineTuned.Model, new AgroNTEmbeddingOptions { Layer = 1 }).Embed(dna);
        using var onnx = new AgroNTOnnxEmbedder(folder.Path, new AgroNTOnnxEmbedderOptions { Layer = 1, IntraOpThreads = 1 });
        Assert.True(MaxDifference(torch, onnx.Embed(dna)) < 1e-4);
        Assert.True(MaxDifference(fineTuned.PredictScores(dna, 4), RunOutput(result.ModelPath, fineTuned, dna, OnnxExporter.ScoreOutputName)) < 1e-4);
    }

    [Fact]
    public void Export_FineTunedWithoutHeadOrOnlyLayers_HasNoScore()
    {
        using var fineTuned = AdaptedModels.Create(FineTuningMethod.Lora);
        using var folder = new TempFolder();
        Assert.DoesNotContain(OnnxExporter.ScoreOutputName, OnnxExporter.Export(fineTuned, folder.Path, new OnnxExportOptions { IncludeHead = false }).Outputs);
        Assert.Equal(["hidden_state_1"], OnnxExporter.Export(fineTuned, folder.Path, new OnnxExportOptions { Layers = [1], OnlyLayers = true }).Outputs);
    }
}
