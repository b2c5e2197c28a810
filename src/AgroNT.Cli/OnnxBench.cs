using System.Diagnostics;
using AgroNT.MLNet;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Onnx;
using AgroNT.Transforms.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using static TorchSharp.torch;

namespace AgroNT.Cli;

/// <summary>
/// The <c>agront bench --onnx</c> section: exports the benchmark model (random weights, encoder only, as featurizing
/// needs it) and times ONNX Runtime on the same DNA as TorchSharp, fp32, with as many intra-op threads as libtorch
/// uses: <see cref="AgroNTOnnxEmbedder"/>'s padded, length-sorted session batches, and Microsoft.ML.OnnxTransformer's
/// <c>ApplyOnnxModel</c>, which runs one row per call.
/// </summary>
internal static class OnnxBench
{
    public static void Run(
        TextWriter stdout,
        AgroNTModel model,
        EsmConfig config,
        double peak,
        int repeats,
        (List<string> Sequences, (IReadOnlyList<float[]> Embeddings, double TokensPerSecond) Torch) full,
        (List<string> Sequences, (IReadOnlyList<float[]> Embeddings, double TokensPerSecond) Torch) mixed,
        (List<string> Sequences, (IReadOnlyList<float[]> Embeddings, double TokensPerSecond) Torch) shortSet)
    {
        string folder = Directory.CreateTempSubdirectory("agront-bench-onnx-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var export = OnnxExporter.Export(model, folder, new OnnxExportOptions { IncludeLogits = false });
            int threads = get_num_threads();
            stdout.WriteLine($"# onnx: exported {export.WeightBytes / 1e6:F0} MB (encoder only, outputs {string.Join(", ", export.Outputs)}) in {clock.Elapsed.TotalSeconds:F1} s; ONNX Runtime intra-op threads {threads}");

            AgroNTOnnxEmbedder Embedder(int batchSize) => new(folder, new AgroNTOnnxEmbedderOptions
            {
                BatchSize = batchSize,
                MaxBatchTokens = null,
                IntraOpThreads = threads,
                Tokenizer = model.Tokenizer.Options,
            });
            using var fullEmbedder = Embedder(2);
            var onnxFull = BenchVerb.Measure(stdout, config, "fp32 onnx", peak, "full 1024-token windows", full.Sequences, repeats, Engine(fullEmbedder), model.Tokenizer);
            stdout.WriteLine($"[onnx / torch] full 1024-token windows: {onnxFull.TokensPerSecond / full.Torch.TokensPerSecond:F2}x");
            using var mixedEmbedder = Embedder(8);
            var onnxMixed = BenchVerb.Measure(stdout, config, "fp32 onnx", peak, "mixed 100-6000 bp windows", mixed.Sequences, repeats, Engine(mixedEmbedder), model.Tokenizer);
            stdout.WriteLine($"[onnx / torch] mixed 100-6000 bp windows: {onnxMixed.TokensPerSecond / mixed.Torch.TokensPerSecond:F2}x");
            double difference = mixed.Torch.Embeddings.Zip(onnxMixed.Embeddings, (a, b) => a.Zip(b, (x, y) => (double)Math.Abs(x - y)).Max()).Max();
            stdout.WriteLine($"[onnx vs torch] mixed set, mean-pooled embeddings: max |difference| {difference:E2}");

            using var shortEmbedder = Embedder(32);
            var onnxShort = BenchVerb.Measure(stdout, config, "fp32 onnx", peak, "short 170 bp windows", shortSet.Sequences, repeats, Engine(shortEmbedder), model.Tokenizer);
            stdout.WriteLine($"[onnx / torch] short 170 bp windows: {onnxShort.TokensPerSecond / shortSet.Torch.TokensPerSecond:F2}x");

            foreach (var (set, sequences, torch, session) in new[]
            {
                ("mixed 100-6000 bp windows", mixed.Sequences, mixed.Torch.Embeddings, onnxMixed.TokensPerSecond),
                ("short 170 bp windows", shortSet.Sequences, shortSet.Torch.Embeddings, onnxShort.TokensPerSecond),
            })
            {
                double rowAtATime = OnnxTransformerTokensPerSecond(export.ModelPath, model, sequences, threads, repeats, torch, out double rowDifference);
                stdout.WriteLine($"[fp32 OnnxTransformer] {set}, ApplyOnnxModel one row per run: {rowAtATime:F0} tokens/s = {rowAtATime / session:F2}x the session batches (max |difference| to torch {rowDifference:E2})");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static BenchVerb.BenchEngine Engine(AgroNTOnnxEmbedder embedder) =>
        new(sequences => embedder.Embed(sequences), () => embedder.RealTokens, () => embedder.ComputedTokens);

    private static double OnnxTransformerTokensPerSecond(string modelPath, AgroNTModel model, List<string> sequences, int threads, int repeats, IReadOnlyList<float[]> reference, out double maxDifference)
    {
        var context = new MLContext(seed: 1);
        var rows = sequences.Select(s => model.Tokenizer.EncodeToIds(s, null)).Select(ids => new OnnxTransformerRow
        {
            InputIds = [.. ids.Select(i => (long)i)],
            AttentionMask = [.. ids.Select(_ => 1L)],
        }).ToList();
        var data = context.Data.LoadFromEnumerable(rows);
        using var transformer = context.Transforms.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = modelPath,
            InputColumns = ["input_ids", "attention_mask"],
            OutputColumns = ["last_hidden_state"],
            // One unknown dimension only: the batch axis is pinned to a single row.
            ShapeDictionary = new Dictionary<string, int[]> { ["input_ids"] = [1, -1], ["attention_mask"] = [1, -1] },
            IntraOpNumThreads = threads,
        }).Fit(data);
        var output = transformer.Transform(data);
        transformer.Transform(context.Data.LoadFromEnumerable(rows.Take(1))).GetColumn<float[]>("last_hidden_state").ToList(); // warm-up
        double seconds = double.MaxValue;
        List<float[]> hidden = [];
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            hidden = output.GetColumn<float[]>("last_hidden_state").ToList();
            seconds = Math.Min(seconds, clock.Elapsed.TotalSeconds);
        }

        int width = model.Config.HiddenSize;
        maxDifference = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            int tokens = rows[r].InputIds.Length;
            for (int h = 0; h < width; h++)
            {
                double mean = 0;
                for (int t = 1; t < tokens; t++)
                {
                    mean += hidden[r][t * width + h];
                }
                maxDifference = Math.Max(maxDifference, Math.Abs(mean / Math.Max(tokens - 1, 1) - reference[r][h]));
            }
        }
        return rows.Sum(r => r.InputIds.Length) / seconds;
    }

    /// <summary>Model inputs for ML.NET's OnnxTransformer: int64 vectors named like the graph inputs.</summary>
    internal sealed class OnnxTransformerRow
    {
        [ColumnName("input_ids")]
        public long[] InputIds { get; set; } = [];

        [ColumnName("attention_mask")]
        public long[] AttentionMask { get; set; } = [];
    }
}
