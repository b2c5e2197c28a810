using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace AgroNT.Transforms.Tests.Onnx;

/// <summary>Model inputs as ML.NET's OnnxTransformer takes them: int64 vectors named like the graph inputs.</summary>
public sealed class OnnxTransformerInput
{
    [ColumnName("input_ids")]
    public long[] InputIds { get; set; } = [];

    [ColumnName("attention_mask")]
    public long[] AttentionMask { get; set; } = [];
}

/// <summary>
/// The alternative route the ONNX featurizer was measured against: Microsoft.ML.OnnxTransformer's <c>ApplyOnnxModel</c>,
/// which feeds one row per run and infers at most one unknown dimension, so the batch axis is pinned to 1 and the
/// sequence axis comes from each row's length.
/// </summary>
public sealed class OnnxTransformerRouteTests
{
    [Fact]
    public void ApplyOnnxModel_OneRowAtATime_GivesTheEmbedderVectors()
    {
        var context = new MLContext(seed: 1);
        var tokenizer = KmerTokenizer.Create(TinyOnnxModel.Folder);
        string[] dna = ["ATCCCGGNNTCGACACN", "ACGT", "GGGTATCGCTTCCGACGGGTATCGCTTCCGAC"];
        var rows = dna.Select(s => tokenizer.EncodeToIds(s, null)).Select(ids => new OnnxTransformerInput
        {
            InputIds = [.. ids.Select(i => (long)i)],
            AttentionMask = [.. ids.Select(_ => 1L)],
        }).ToList();
        var data = context.Data.LoadFromEnumerable(rows);
        var shapes = new Dictionary<string, int[]> { ["input_ids"] = [1, -1], ["attention_mask"] = [1, -1] };
        var model = context.Transforms.ApplyOnnxModel(["last_hidden_state"], ["input_ids", "attention_mask"],
            Path.Combine(TinyOnnxModel.Folder, "model.onnx"), shapes, gpuDeviceId: null, fallbackToCpu: false).Fit(data);
        var hidden = model.Transform(data).GetColumn<float[]>("last_hidden_state").ToList();

        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, new AgroNTOnnxEmbedderOptions { IntraOpThreads = 1 });
        var expected = embedder.Embed(dna);
        for (int r = 0; r < dna.Length; r++)
        {
            int tokens = rows[r].InputIds.Length;
            Assert.Equal(tokens * 64, hidden[r].Length);
            for (int h = 0; h < 64; h++)
            {
                double mean = 0;
                for (int t = 1; t < tokens; t++)
                {
                    mean += hidden[r][t * 64 + h] / (tokens - 1);
                }
                Assert.Equal(expected[r][h], mean, 1e-5);
            }
        }
        model.Dispose();
    }
}
