using System.Diagnostics;
using AgroNT.Transforms.Embeddings;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront bench</c>: encoder throughput on CPU for an AgroNT-width model with random weights, reported as tokens/s
/// and as a share of the matrix-multiply FLOP/s measured in the same run; with <c>--pgb-root</c>, Plant Genomic
/// Benchmark configs instead (<see cref="PgbBench"/>).
/// </summary>
internal sealed class BenchVerb : IVerb
{
    public string Name => "bench";

    public string Summary => "measure encoder throughput against this machine's matmul peak, or run Plant Genomic Benchmark configs (--pgb-root)";

    public string Usage => "agront bench [--layers 4] [--hidden 1500] [--heads 20] [--intermediate 5120] [--precision fp32|bf16|both] [--genome FILE] [--onnx] [--train]\n"
        + "       agront bench --pgb-root DIR --task CONFIG [CONFIG ...] [--method frozen-lightgbm|ia3|lora|full|kmer-lightgbm] [--model DIR] [--max-train N] [--max-test N]\n"
        + "       agront bench --load MODEL_DIR [--precision fp32|bf16|both] [--repeats 3]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("layers", null, true, "encoder layers (default 4)"),
        new("hidden", null, true, "hidden size (default 1500, AgroNT's)"),
        new("heads", null, true, "attention heads (default 20)"),
        new("intermediate", null, true, "feed-forward width (default 5120)"),
        new("precision", null, true, "fp32, bf16 or both (default both)"),
        new("genome", null, true, "FASTA to cut the DNA windows from (default: 1 Mb of seeded random A/C/G/T, which runs at the same speed as real DNA)"),
        new("repeats", null, true, "timed repetitions of each measurement, best kept (default 3)"),
        new("onnx", null, false, "fp32 only: also export the model to ONNX and time ONNX Runtime (session batches, and ML.NET's ApplyOnnxModel one row per run) on the same inputs"),
        new("train", null, false, "measure pretraining updates (forward + backward + AdamW) instead of inference, on this architecture and on the default model's"),
        new("updates", null, true, "timed updates per training measurement (default 3, after one untimed)"),
        new("pgb-root", null, true, "Plant Genomic Benchmark copy in the Hub layout <family>/<config>_{train,validation,test}.fa: run --task configs instead of timing"),
        new("task", null, true, "with --pgb-root: configs to run (family/config, or a config name that one family has)", Repeatable: true),
        new("method", null, true, "with --pgb-root: frozen-lightgbm (default), ia3, lora, full, or the 6-mer baseline kmer-lightgbm"),
        CommonOptions.Model,
        new("max-train", null, true, "with --pgb-root: use at most the first N training rows of each config"),
        new("max-test", null, true, "with --pgb-root: use at most the first N validation and test rows of each config"),
        new("epochs", null, true, "with --pgb-root and a fine-tuning method: passes over the training data (default 10)"),
        new("max-steps", null, true, "with --pgb-root and a fine-tuning method: optimisation steps at most"),
        new("batch-size", null, true, "with --pgb-root and a fine-tuning method: sequences per step (default 8)"),
        new("seed", null, true, "with --pgb-root: random seed (default 42)"),
        new("device", null, true, "cpu (default), or cuda[:N] with a CUDA libtorch (TorchSharp-cuda-linux): where the encoder (and the matmul peak) runs"),
        new("load", null, true, "time loading this model folder instead: process start to ready and peak RSS of a fresh process per sample (--precision, --repeats)"),
        new("load-child", null, false, "with --load: be the child process (load once, print the ready line)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Has("pgb-root"))
        {
            return PgbBench.Run(args, stdout, stderr, cancellationToken);
        }
        if (args.Get("load") is { } loadFolder)
        {
            return RunLoad(args, loadFolder, stdout);
        }
        string device = CommonOptions.DeviceName(args);
        string[] pgbOnly = ["task", "method", "model", "max-train", "max-test", "epochs", "max-steps", "batch-size", "seed"];
        if (pgbOnly.FirstOrDefault(args.Has) is { } stray)
        {
            throw new UsageException($"--{stray} belongs to the benchmark runs: give --pgb-root DIR too (or leave --{stray} out to time the encoder).");
        }
        var config = EsmConfig.AgroNT1B with
        {
            NumHiddenLayers = args.GetInt("layers", 4, 1, 64),
            HiddenSize = args.GetInt("hidden", 1500, 8),
            NumAttentionHeads = args.GetInt("heads", 20, 1),
            IntermediateSize = args.GetInt("intermediate", 5120, 8),
        };
        config.Validate("the benchmark architecture");
        int repeats = args.GetInt("repeats", 3, 1, 100);
        bool onnx = args.Has("onnx");
        string precisionArg = args.Get("precision") ?? (onnx ? "fp32" : "both");
        if (onnx && precisionArg != "fp32")
        {
            throw new UsageException("--onnx compares float32 engines (ONNX Runtime has no bf16 CPU kernels); leave --precision out or give fp32.");
        }
        var precisions = precisionArg switch
        {
            "fp32" => new[] { Precision.Float32 },
            "bf16" => [Precision.BFloat16],
            "both" => [Precision.Float32, Precision.BFloat16],
            _ => throw new UsageException($"--precision must be fp32, bf16 or both, got '{precisionArg}'."),
        };
        string? genome = args.Get("genome");
        string dna = genome is null
            ? RandomDna(1_000_000, seed: 1)
            : string.Concat(SequenceReader.ReadFile(genome).Select(r => r.Sequence.ToUpperInvariant())).Replace("N", "", StringComparison.Ordinal);

        var runtime = MLNet.Native.TorchRuntime.Initialize();
        stdout.WriteLine($"# native runtime: huge pages {(runtime.HugePagesRequested ? "on" : "off")}; MKL AVX-512 switch: {runtime.MklNote}");
        stdout.WriteLine($"# agront bench: {config.NumHiddenLayers} layers x hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, FFN {config.IntermediateSize}; libtorch threads {get_num_threads()}; DNA from {(genome is null ? "seeded random bases" : Path.GetFileName(genome))}");
        if (args.Has("train"))
        {
            var defaultConfig = EsmConfig.FromFile(CommonOptions.ModelFolder(new ParsedArguments(Name, Options, [])));
            foreach (var precision in precisions)
            {
                var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
                double peak = MatmulPeak(config, dtype, repeats, device);
                stdout.WriteLine($"[{Label(precision)}] matmul peak (every GEMM shape of a 1024-token window: 1024x{config.HiddenSize} @ {config.HiddenSize}x{config.HiddenSize}, @ {config.HiddenSize}x{config.IntermediateSize}, 1024x{config.IntermediateSize} @ {config.IntermediateSize}x{config.HiddenSize}; best of {Math.Max(repeats, MinimumPeakRepeats)} each): {peak / 1e9:F1} GFLOP/s");
                int updates = args.GetInt("updates", 3, 1, 1000);
                TrainingBenchmark.Measure(stdout, $"[{Label(precision)}] train, {config.NumHiddenLayers} layers x {config.HiddenSize}", config, precision, peak, dna, microBatch: 2, updates, device);
                TrainingBenchmark.Measure(stdout, $"[{Label(precision)}] train, default model ({defaultConfig.NumHiddenLayers} layers x {defaultConfig.HiddenSize})", defaultConfig, precision, peak, dna, microBatch: 4, updates, device);
            }
            return 0;
        }
        var vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());
        var embeddings = new Dictionary<Precision, IReadOnlyList<float[]>>();
        foreach (var precision in precisions)
        {
            var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            double peak = MatmulPeak(config, dtype, repeats, device);
            stdout.WriteLine($"[{Label(precision)}] matmul peak (every GEMM shape of a 1024-token window: 1024x{config.HiddenSize} @ {config.HiddenSize}x{config.HiddenSize}, @ {config.HiddenSize}x{config.IntermediateSize}, 1024x{config.IntermediateSize} @ {config.IntermediateSize}x{config.HiddenSize}; best of {Math.Max(repeats, MinimumPeakRepeats)} each): {peak / 1e9:F1} GFLOP/s");
            using var model = AgroNTModel.CreateRandom(config, vocabulary, seed: 7, new AgroNTModelOptions
            {
                Device = device,
                Precision = precision,
                Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Truncate },
            });

            var random = new Random(11);
            var fullWindows = Enumerable.Range(0, 4).Select(i => dna.Substring(random.Next(dna.Length - 6200), 1023 * 6)).ToList();
            var mixed = Enumerable.Range(0, 24).Select(i => { int length = random.Next(100, 6001); return dna.Substring(random.Next(dna.Length - length), length); }).ToList();
            if (onnx)
            {
                // Short inputs (promoter-sized, about 30 tokens) are where batching matters most.
                var shortSet = Enumerable.Range(0, 64).Select(i => dna.Substring(random.Next(dna.Length - 170), 170)).ToList();
                OnnxBench.Run(stdout, model, config, peak, repeats, fullWindows, mixed, shortSet);
                continue;
            }
            var torchFull = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 2, MaxBatchTokens = null });
            var torchMixed = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 8, MaxBatchTokens = null });
            Measure(stdout, config, peak, "full 1024-token windows", fullWindows, repeats, model.Tokenizer, (Label(precision), (IDnaEmbedder)torchFull));
            embeddings[precision] = Measure(stdout, config, peak, "mixed 100-6000 bp windows", mixed, repeats, model.Tokenizer, (Label(precision), (IDnaEmbedder)torchMixed))[0].Embeddings;
        }
        if (embeddings.Count == 2)
        {
            // Same random weights (seeded) in both precisions: the bf16 error on real DNA, relative to the fp32 vector norm.
            var errors = embeddings[Precision.Float32].Zip(embeddings[Precision.BFloat16], (a, b) =>
                Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum() / a.Sum(x => (double)x * x))).ToList();
            stdout.WriteLine($"[bf16 vs fp32] mean-pooled embeddings of the mixed set: relative L2 error mean {errors.Average():E2}, max {errors.Max():E2}");
        }
        return 0;
    }

    /// <summary>One embedder as the benchmark drives it: embed a list, and the real and computed token counters.</summary>
    /// <summary>
    /// Times the best of <paramref name="repeats"/> passes of each engine over the same inputs and prints tokens/s and the
    /// share of the matmul peak. Engines take turns within each repeat, so a machine whose load drifts during the run
    /// favours none of them. Returns each engine's embeddings and tokens/s, in order.
    /// </summary>
    internal static List<(IReadOnlyList<float[]> Embeddings, double TokensPerSecond)> Measure(
        TextWriter stdout, EsmConfig config, double peak, string set, List<string> sequences, int repeats, SequenceTokenizer tokenizer, params (string Label, IDnaEmbedder Engine)[] engines)
    {
        foreach (var (_, engine) in engines)
        {
            engine.Embed(sequences.Take(1).ToList()); // warm-up: kernels, allocator
        }
        var best = engines.Select(_ => double.MaxValue).ToArray();
        var results = engines.Select(_ => (IReadOnlyList<float[]>)[]).ToArray();
        var real = new long[engines.Length];
        var computed = new long[engines.Length];
        for (int r = 0; r < repeats; r++)
        {
            for (int e = 0; e < engines.Length; e++)
            {
                var engine = engines[e].Engine;
                long realBefore = engine.RealTokens, computedBefore = engine.ComputedTokens;
                var clock = Stopwatch.StartNew();
                results[e] = engine.Embed(sequences);
                best[e] = Math.Min(best[e], clock.Elapsed.TotalSeconds);
                real[e] = engine.RealTokens - realBefore;
                computed[e] = engine.ComputedTokens - computedBefore;
            }
        }
        // FLOPs per token = 2 x linear-layer parameters + 4 x layers x hidden x sequence length (scores and weighted sum).
        double linear = config.NumHiddenLayers * (4.0 * config.HiddenSize * config.HiddenSize + 2.0 * config.HiddenSize * config.IntermediateSize);
        double attention = sequences.Select(s => tokenizer.CountTokens(s, null)).Select(t => (double)Math.Min(t, 1024)).Sum(t => 4.0 * config.NumHiddenLayers * config.HiddenSize * t * t);
        var output = new List<(IReadOnlyList<float[]>, double)>();
        for (int e = 0; e < engines.Length; e++)
        {
            double rate = (2 * linear * real[e] + attention) / best[e];
            stdout.WriteLine($"[{engines[e].Label}] {set}: {real[e]} tokens in {best[e]:F2} s = {real[e] / best[e]:F0} tokens/s, {rate / 1e9:F1} GFLOP/s = {100 * rate / peak:F0}% of matmul peak; padding computed {100.0 * (computed[e] - real[e]) / Math.Max(computed[e], 1):F1}%");
            output.Add((results[e], real[e] / best[e]));
        }
        return output;
    }

    // A single sample of a shape the model does not run once read 107% and 121% "of peak": the peak is now the best
    // of several repetitions of each GEMM shape one 1024-token window runs (projections, FFN up and down).
    private const int MinimumPeakRepeats = 5;

    internal static double MatmulPeak(EsmConfig config, ScalarType dtype, int repeats, string device = "cpu")
    {
        double best = 0;
        var on = MLNet.Native.TorchRuntime.ResolveDevice(device);
        bool onCuda = on.type == TorchSharp.DeviceType.CUDA;
        long tokens = 1024, hidden = config.HiddenSize, intermediate = config.IntermediateSize;
        foreach (var (m, k, n) in new[] { (tokens, hidden, hidden), (tokens, hidden, intermediate), (tokens, intermediate, hidden) })
        {
            using var scope = NewDisposeScope();
            var a = randn(m, k, device: on).to(dtype);
            var b = randn(k, n, device: on).to(dtype);
            mm(a, b).Dispose();
            for (int r = 0; r < Math.Max(repeats, MinimumPeakRepeats); r++)
            {
                var clock = Stopwatch.StartNew();
                mm(a, b).Dispose();
                if (onCuda)
                {
                    // Kernels are queued asynchronously: wait for them before reading the clock.
                    cuda.synchronize(on);
                }
                best = Math.Max(best, 2.0 * m * k * n / clock.Elapsed.TotalSeconds);
            }
        }
        return best;
    }

    /// <summary><c>--load DIR</c>: process start to ready (<see cref="MLNet.Performance.LoadBenchmark"/>), each sample a child <c>agront bench --load DIR --load-child</c>.</summary>
    private static int RunLoad(ParsedArguments args, string folder, TextWriter stdout)
    {
        var precisions = (args.Get("precision") ?? "both") switch
        {
            "fp32" => new[] { Precision.Float32 },
            "bf16" => [Precision.BFloat16],
            "both" => [Precision.Float32, Precision.BFloat16],
            var other => throw new UsageException($"--precision must be fp32, bf16 or both, got '{other}'."),
        };
        if (args.Has("load-child"))
        {
            MLNet.Performance.LoadBenchmark.RunChild(folder, precisions[0], stdout);
            return 0;
        }
        MLNet.Performance.LoadBenchmark.Run(folder, precisions, args.GetInt("repeats", 3, 1, 100), (dir, precision) =>
        {
            // The same program again: the apphost, or `dotnet agront.dll`.
            string host = Environment.ProcessPath ?? throw new InvalidOperationException("This process's executable is unknown, so no child can be started.");
            var start = new ProcessStartInfo(host);
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(BenchVerb).Assembly.Location);
            }
            foreach (string argument in new[] { "bench", "--load", dir, "--load-child", "--precision", precision == Precision.BFloat16 ? "bf16" : "fp32" })
            {
                start.ArgumentList.Add(argument);
            }
            return start;
        }, stdout);
        return 0;
    }

    private static string Label(Precision precision) => precision == Precision.BFloat16 ? "bf16" : "fp32";

    // The encoder's cost depends on token counts, not on which 6-mers they are, so random bases measure the same speed.
    private static string RandomDna(int length, int seed)
    {
        var random = new Random(seed);
        return string.Create(length, random, static (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = "ACGT"[r.Next(4)];
            }
        });
    }
}
