using System.Diagnostics;
using System.Numerics.Tensors;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Onnx;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Performance;

/// <summary>A set of sequences the ONNX benchmark times, and the batch size the batching engines use on it.</summary>
/// <param name="Name">E.g. <c>full 1024-token windows</c>.</param>
/// <param name="Sequences">The DNA.</param>
/// <param name="BatchSize">Sequences per batch for TorchSharp and the ONNX Runtime session.</param>
public sealed record OnnxBenchmarkSet(string Name, IReadOnlyList<string> Sequences, int BatchSize);

/// <summary>The three engines on one set.</summary>
/// <param name="Name">The set's name.</param>
/// <param name="Torch">TorchSharp's <see cref="AgroNTEmbedder"/>.</param>
/// <param name="Session">ONNX Runtime sessions over padded, length-sorted batches (<see cref="AgroNTOnnxEmbedder"/>).</param>
/// <param name="RowAtATime">ML.NET's <c>ApplyOnnxModel</c>, one row per run.</param>
public sealed record OnnxBenchmarkSetResult(string Name, InferenceMeasurement Torch, InferenceMeasurement Session, InferenceMeasurement RowAtATime)
{
    /// <summary>Largest absolute difference of any embedding element, session against TorchSharp.</summary>
    public double SessionDifference => MaxDifference(Torch.Embeddings, Session.Embeddings);

    /// <summary>Largest absolute difference of any embedding element, <c>ApplyOnnxModel</c> against TorchSharp.</summary>
    public double RowAtATimeDifference => MaxDifference(Torch.Embeddings, RowAtATime.Embeddings);

    private static double MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b) =>
        a.Zip(b, (x, y) => x.Zip(y, (p, q) => (double)Math.Abs(p - q)).Max()).Max();
}

/// <summary>What <see cref="OnnxBenchmark.Run"/> exported and measured.</summary>
/// <param name="WeightBytes">Bytes of exported weights.</param>
/// <param name="Outputs">The graph's outputs.</param>
/// <param name="ExportSeconds">Time to export.</param>
/// <param name="Threads">Intra-op threads of every engine (libtorch's count).</param>
/// <param name="Sets">One result per set, in order.</param>
public sealed record OnnxBenchmarkResult(long WeightBytes, IReadOnlyList<string> Outputs, double ExportSeconds, int Threads, IReadOnlyList<OnnxBenchmarkSetResult> Sets);

/// <summary>
/// TorchSharp against ONNX Runtime on the same float32 model and DNA: exports the model (encoder only, as featurizing
/// needs it) to a scratch folder, then times, with as many intra-op threads as libtorch uses and engines taking turns,
/// <see cref="AgroNTEmbedder"/>, <see cref="AgroNTOnnxEmbedder"/> (padded, length-sorted <c>InferenceSession</c>
/// batches) and Microsoft.ML.OnnxTransformer's <c>ApplyOnnxModel</c> (one row per run). The scratch folder is deleted.
/// </summary>
public static class OnnxBenchmark
{
    /// <summary>Exports <paramref name="model"/> and measures the three engines on each set.</summary>
    /// <param name="model">A float32 model.</param>
    /// <param name="peakFlopsPerSecond">The float32 matmul peak to take shares against.</param>
    /// <param name="repeats">Timed passes per engine and set.</param>
    /// <param name="sets">The sets to time.</param>
    public static OnnxBenchmarkResult Run(AgroNTModel model, double peakFlopsPerSecond, int repeats, IReadOnlyList<OnnxBenchmarkSet> sets)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sets);
        string folder = Directory.CreateTempSubdirectory("agront-bench-onnx-").FullName;
        try
        {
            var clock = Stopwatch.StartNew();
            var export = OnnxExporter.Export(model, folder, new OnnxExportOptions { IncludeLogits = false });
            double exportSeconds = clock.Elapsed.TotalSeconds;
            int threads = get_num_threads();
            using var rowAtATime = new OnnxTransformerEmbedder(export.ModelPath, model, threads);
            var results = new List<OnnxBenchmarkSetResult>();
            foreach (var set in sets)
            {
                var torch = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = set.BatchSize, MaxBatchTokens = null });
                using var session = new AgroNTOnnxEmbedder(folder, new AgroNTOnnxEmbedderOptions
                {
                    BatchSize = set.BatchSize,
                    MaxBatchTokens = null,
                    IntraOpThreads = threads,
                    Tokenizer = model.Tokenizer.Options,
                });
                var measured = InferenceBenchmark.Measure(model.Config, peakFlopsPerSecond, set.Sequences, repeats, model.Tokenizer,
                [
                    new("fp32 torch", torch),
                    new("fp32 onnx session batches", session),
                    new("fp32 onnx OnnxTransformer, one row per run", rowAtATime),
                ]);
                results.Add(new OnnxBenchmarkSetResult(set.Name, measured[0], measured[1], measured[2]));
            }
            return new OnnxBenchmarkResult(export.WeightBytes, export.Outputs, exportSeconds, threads, results);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Mean-pooled embeddings through ML.NET's <c>ApplyOnnxModel</c>: tokenize, feed one row per ONNX Runtime run (it
    /// infers at most one unknown dimension, so the batch axis is pinned to 1), pool after. Includes tokenizing and
    /// pooling, as the session engine does.
    /// </summary>
    private sealed class OnnxTransformerEmbedder : IDnaEmbedder
    {
        private readonly MLContext _context = new(seed: 1);
        private readonly AgroNTModel _model;
        private readonly OnnxTransformer _transformer;
        private long _tokens;

        public OnnxTransformerEmbedder(string modelPath, AgroNTModel model, int threads)
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
                    TensorPrimitives.Add(mean, hidden[r].AsSpan(t * width, width), mean);
                }
                if (tokens > 1)
                {
                    TensorPrimitives.Divide(mean, tokens - 1, mean);
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
