using System.Diagnostics;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
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
/// needs it) and times, fp32 on the same DNA and with as many intra-op threads as libtorch uses, three engines taking
/// turns: TorchSharp's <see cref="AgroNTEmbedder"/>, <see cref="AgroNTOnnxEmbedder"/> (padded, length-sorted
/// <c>InferenceSession</c> batches), and Microsoft.ML.OnnxTransformer's <c>ApplyOnnxModel</c> (one row per run).
/// </summary>
internal static class OnnxBench
{
    public static void Run(TextWriter stdout, AgroNTModel model, EsmConfig config, double peak, int repeats, List<string> full, List<string> mixed, List<string> shortSet)
    {
        string folder = Directory.CreateTempSubdirectory("agront-bench-onnx-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var export = OnnxExporter.Export(model, folder, new OnnxExportOptions { IncludeLogits = false });
            int threads = get_num_threads();
            stdout.WriteLine($"# onnx: exported {export.WeightBytes / 1e6:F0} MB (encoder only, outputs {string.Join(", ", export.Outputs)}) in {clock.Elapsed.TotalSeconds:F1} s; ONNX Runtime intra-op threads {threads}; engines take turns within each repeat");
            using var rowAtATime = new OnnxTransformerEngine(export.ModelPath, model, threads);
            foreach (var (set, sequences, batchSize) in new[]
            {
                ("full 1024-token windows", full, 2),
                ("mixed 100-6000 bp windows", mixed, 8),
                ("short 170 bp windows", shortSet, 32),
            })
            {
                var torch = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = batchSize, MaxBatchTokens = null });
                using var session = new AgroNTOnnxEmbedder(folder, new AgroNTOnnxEmbedderOptions
                {
                    BatchSize = batchSize,
                    MaxBatchTokens = null,
                    IntraOpThreads = threads,
                    Tokenizer = model.Tokenizer.Options,
                });
                var results = BenchVerb.Measure(stdout, config, peak, set, sequences, repeats, model.Tokenizer,
                    ("fp32 torch", torch),
                    ("fp32 onnx session batches", session),
                    ("fp32 onnx OnnxTransformer, one row per run", rowAtATime));
                double sessionVsTorch = MaxDifference(results[0].Embeddings, results[1].Embeddings);
                double rowsVsTorch = MaxDifference(results[0].Embeddings, results[2].Embeddings);
                stdout.WriteLine($"[ratios] {set}: onnx session / torch {results[1].TokensPerSecond / results[0].TokensPerSecond:F2}x, "
                    + $"OnnxTransformer / onnx session {results[2].TokensPerSecond / results[1].TokensPerSecond:F2}x; max |embedding difference| to torch {sessionVsTorch:E2} (session), {rowsVsTorch:E2} (OnnxTransformer)");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) =>
        a.Zip(b, (x, y) => x.Zip(y, (p, q) => (double)Math.Abs(p - q)).Max()).Max();

    /// <summary>
    /// Mean-pooled embeddings through ML.NET's <c>ApplyOnnxModel</c>: tokenize, feed one row per ONNX Runtime run (it
    /// infers at most one unknown dimension, so the batch axis is pinned to 1), pool after. Includes tokenizing and
    /// pooling, as the session engine does.
    /// </summary>
    private sealed class OnnxTransformerEngine : IDnaEmbedder
    {
        private readonly MLContext _context = new(seed: 1);
        private readonly AgroNTModel _model;
        private readonly OnnxTransformer _transformer;
        private long _tokens;

        public OnnxTransformerEngine(string modelPath, AgroNTModel model, int threads)
        {
            _model = model;
            _transformer = _context.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = modelPath,
                InputColumns = ["input_ids", "attention_mask"],
                OutputColumns = ["last_hidden_state"],
                ShapeDictionary = new Dictionary<string, int[]> { ["input_ids"] = [1, -1], ["attention_mask"] = [1, -1] },
                IntraOpNumThreads = threads,
            }).Fit(_context.Data.LoadFromEnumerable(new List<OnnxTransformerRow>()));
        }

        public SequenceTokenizer Tokenizer => _model.Tokenizer;

        public int Layer => _model.Config.NumHiddenLayers;

        public int HiddenSize => _model.Config.HiddenSize;

        public long RealTokens => _tokens;

        // One row per run: no padding is ever computed.
        public long ComputedTokens => _tokens;

        public void Dispose() => _transformer.Dispose();

        public IReadOnlyList<float[]> Embed(IReadOnlyList<string> sequences, IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default) =>
            EmbedTokenIds([.. sequences.Select((s, i) => _model.Tokenizer.EncodeToIds(s, names?[i]))], cancellationToken);

        public IReadOnlyList<float[]> EmbedTokenIds(IReadOnlyList<int[]> inputs, CancellationToken cancellationToken = default)
        {
            var rows = inputs.Select(ids => new OnnxTransformerRow
            {
                InputIds = [.. ids.Select(i => (long)i)],
                AttentionMask = [.. ids.Select(_ => 1L)],
            }).ToList();
            var hidden = _transformer.Transform(_context.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("last_hidden_state").ToList();
            int width = _model.Config.HiddenSize;
            var result = new List<float[]>(rows.Count);
            for (int r = 0; r < rows.Count; r++)
            {
                int tokens = rows[r].InputIds.Length;
                _tokens += tokens;
                var mean = new float[width];
                for (int t = 1; t < tokens; t++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(mean, hidden[r].AsSpan(t * width, width), mean);
                }
                if (tokens > 1)
                {
                    System.Numerics.Tensors.TensorPrimitives.Divide(mean, tokens - 1, mean);
                }
                result.Add(mean);
            }
            return result;
        }
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
