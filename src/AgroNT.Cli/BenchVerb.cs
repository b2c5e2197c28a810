using System.Diagnostics;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Performance;
using AgroNT.Transforms.Embeddings;
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
            ? BenchmarkSequences.RandomDna(1_000_000, seed: 1)
            : string.Concat(SequenceReader.ReadFile(genome).Select(r => r.Sequence.ToUpperInvariant())).Replace("N", "", StringComparison.Ordinal);

        var runtime = MLNet.Native.TorchRuntime.Initialize();
        stdout.WriteLine($"# native runtime: huge pages {(runtime.HugePagesRequested ? "on" : "off")}; MKL AVX-512 switch: {runtime.MklNote}");
        stdout.WriteLine($"# agront bench: {config.NumHiddenLayers} layers x hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, FFN {config.IntermediateSize}; libtorch threads {get_num_threads()}; DNA from {(genome is null ? "seeded random bases" : Path.GetFileName(genome))}");
        if (args.Has("train"))
        {
            var defaultConfig = EsmConfig.FromFile(CommonOptions.ModelFolder(new ParsedArguments(Name, Options, [])));
            foreach (var precision in precisions)
            {
                double peak = PrintPeak(stdout, config, precision, repeats, device);
                int updates = args.GetInt("updates", 3, 1, 1000);
                PrintTraining(stdout, $"[{Label(precision)}] train, {config.NumHiddenLayers} layers x {config.HiddenSize}", peak,
                    TrainingBenchmark.Measure(config, precision, dna, microBatch: 2, updates, device));
                PrintTraining(stdout, $"[{Label(precision)}] train, default model ({defaultConfig.NumHiddenLayers} layers x {defaultConfig.HiddenSize})", peak,
                    TrainingBenchmark.Measure(defaultConfig, precision, dna, microBatch: 4, updates, device));
            }
            return 0;
        }
        var vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());
        var embeddings = new Dictionary<Precision, IReadOnlyList<float[]>>();
        foreach (var precision in precisions)
        {
            double peak = PrintPeak(stdout, config, precision, repeats, device);
            using var model = AgroNTModel.CreateRandom(config, vocabulary, seed: 7, new AgroNTModelOptions
            {
                Device = device,
                Precision = precision,
                Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Truncate },
            });

            var random = new Random(11);
            var fullWindows = BenchmarkSequences.FullWindows(dna, 4, random);
            var mixed = BenchmarkSequences.MixedWindows(dna, 24, random);
            if (onnx)
            {
                // Short inputs (promoter-sized, about 30 tokens) are where batching matters most.
                var shortSet = BenchmarkSequences.ShortWindows(dna, 64, random);
                PrintOnnx(stdout, OnnxBenchmark.Run(model, peak, repeats,
                [
                    new("full 1024-token windows", fullWindows, 2),
                    new("mixed 100-6000 bp windows", mixed, 8),
                    new("short 170 bp windows", shortSet, 32),
                ]));
                continue;
            }
            // The attention kernel is timed before and after the passes and the better rate kept, so a busy moment
            // during one of the two does not read as a low ceiling.
            var attentionBefore = AttentionRate.Measure(config, precision, repeats, device);
            var torchFull = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions());
            var torchMixed = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 64, MaxBatchTokens = 8192 });
            Print(stdout, "full 1024-token windows", InferenceBenchmark.Measure(config, peak, fullWindows, repeats, model.Tokenizer, [new(Label(precision), torchFull)]));
            var mixedResult = InferenceBenchmark.Measure(config, peak, mixed, repeats, model.Tokenizer, [new(Label(precision), torchMixed)]);
            Print(stdout, "mixed 100-6000 bp windows", mixedResult);
            // Promoter-sized inputs (about 30 tokens each): the rows of a packed batch are set by BatchSize, so the
            // default of 8 makes products of about 230 rows; 64 makes them eight times taller.
            var promoters = BenchmarkSequences.ShortWindows(dna, 64, random);
            var shortResults = InferenceBenchmark.Measure(config, peak, promoters, repeats, model.Tokenizer,
            [
                new($"{Label(precision)} batch {DnaEmbeddingOptions.DefaultBatchSize}", new AgroNTEmbedder(model, new AgroNTEmbeddingOptions())),
                new($"{Label(precision)} batch 64", new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 64 })),
            ]);
            Print(stdout, "short 170 bp windows", shortResults);
            var attentionAfter = AttentionRate.Measure(config, precision, repeats, device);
            var attention = attentionAfter.FlopsPerSecond > attentionBefore.FlopsPerSecond ? attentionAfter : attentionBefore;
            stdout.WriteLine($"[{Label(precision)}] attention kernel (scaled_dot_product_attention, {attention.Sequences} x {attention.Tokens} tokens, {config.NumAttentionHeads} heads of {config.HeadSize}; best of {attention.Repeats} before the passes and {attention.Repeats} after): {attention.FlopsPerSecond / 1e9:F1} GFLOP/s = {100 * attention.FlopsPerSecond / peak:F0}% of matmul peak");
            if (attention.FlopsPerSecond > peak)
            {
                stdout.WriteLine($"[{Label(precision)}] note: the attention kernel outran the matmul peak; the ceilings below read 100%");
            }
            PrintCeiling(stdout, precision, "full 1024-token windows", config, model.Tokenizer, fullWindows, peak, attention.FlopsPerSecond);
            PrintCeiling(stdout, precision, "mixed 100-6000 bp windows", config, model.Tokenizer, mixed, peak, attention.FlopsPerSecond);
            embeddings[precision] = mixedResult[0].Embeddings;
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

    private static double PrintPeak(TextWriter stdout, EsmConfig config, Precision precision, int repeats, string device)
    {
        var peak = MatmulPeak.Measure(config, precision, repeats, device);
        stdout.WriteLine($"[{Label(precision)}] matmul peak (every GEMM shape of a batch of {string.Join("/", MatmulPeak.BatchTokens)} tokens: Tx{config.HiddenSize} @ {config.HiddenSize}x{config.HiddenSize}, @ {config.HiddenSize}x{config.IntermediateSize}, Tx{config.IntermediateSize} @ {config.IntermediateSize}x{config.HiddenSize}; best of {peak.Repeats} each): {peak.FlopsPerSecond / 1e9:F1} GFLOP/s");
        return peak.FlopsPerSecond;
    }

    private static void Print(TextWriter stdout, string set, IEnumerable<InferenceMeasurement> measurements)
    {
        foreach (var m in measurements)
        {
            stdout.WriteLine($"[{m.Label}] {set}: {m.RealTokens} tokens in {m.Seconds:F2} s = {m.TokensPerSecond:F0} tokens/s, {m.FlopsPerSecond / 1e9:F1} GFLOP/s = {100 * m.ShareOfPeak:F0}% of matmul peak; padding computed {100 * m.PaddingShare:F1}%");
        }
    }

    private static void PrintCeiling(TextWriter stdout, Precision precision, string set, EsmConfig config, SequenceTokenizer tokenizer, IReadOnlyList<string> sequences, double peak, double attentionRate)
    {
        var tokens = sequences.Select(s => Math.Min(tokenizer.CountTokens(s, null), config.MaxTokens)).ToList();
        double ceiling = AttentionRate.Ceiling(config, tokens, peak, Math.Min(attentionRate, peak));
        double attentionShare = EncoderFlops.Attention(config, tokens) / EncoderFlops.Forward(config, tokens);
        stdout.WriteLine($"[{Label(precision)}] {set}: ceiling {100 * ceiling:F0}% of matmul peak (attention is {100 * attentionShare:F1}% of the operations; every weight product at the peak, attention at the kernel's rate, nothing else costing)");
    }

    private static void PrintTraining(TextWriter stdout, string label, double peak, TrainingMeasurement m) =>
        stdout.WriteLine($"{label}: {m.Tokens} tokens in {m.Updates} updates, {m.Seconds:F2} s = {m.TokensPerSecond:F0} tokens/s, {m.FlopsPerSecond / 1e9:F1} GFLOP/s = {100 * m.ShareOf(peak):F0}% of matmul peak");

    private static void PrintOnnx(TextWriter stdout, OnnxBenchmarkResult result)
    {
        stdout.WriteLine($"# onnx: exported {result.WeightBytes / 1e6:F0} MB (encoder only, outputs {string.Join(", ", result.Outputs)}) in {result.ExportSeconds:F1} s; ONNX Runtime intra-op threads {result.Threads}; engines take turns within each repeat");
        foreach (var set in result.Sets)
        {
            Print(stdout, set.Name, [set.Torch, set.Session, set.RowAtATime]);
            stdout.WriteLine($"[ratios] {set.Name}: onnx session / torch {set.Session.TokensPerSecond / set.Torch.TokensPerSecond:F2}x, "
                + $"OnnxTransformer / onnx session {set.RowAtATime.TokensPerSecond / set.Session.TokensPerSecond:F2}x; max |embedding difference| to torch {set.SessionDifference:E2} (session), {set.RowAtATimeDifference:E2} (OnnxTransformer)");
        }
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
}
