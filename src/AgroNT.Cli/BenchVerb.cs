using System.Diagnostics;
using AgroNT.MLNet;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.Cli;

/// <summary>
/// <c>agront bench</c>: encoder throughput on CPU for an AgroNT-width model with random weights, reported as tokens/s
/// and as a share of the matrix-multiply FLOP/s measured in the same run.
/// </summary>
internal sealed class BenchVerb : IVerb
{
    public string Name => "bench";

    public string Summary => "measure encoder throughput against this machine's matmul peak";

    public string Usage => "agront bench [--layers 4] [--hidden 1500] [--heads 20] [--intermediate 5120] [--precision fp32|bf16|both] [--genome FILE] [--train]";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("layers", null, true, "encoder layers (default 4)"),
        new("hidden", null, true, "hidden size (default 1500, AgroNT's)"),
        new("heads", null, true, "attention heads (default 20)"),
        new("intermediate", null, true, "feed-forward width (default 5120)"),
        new("precision", null, true, "fp32, bf16 or both (default both)"),
        new("genome", null, true, "FASTA to cut the DNA windows from (default: ../shared/data/arabidopsis_genome2.fa if present)"),
        new("repeats", null, true, "timed repetitions of each measurement, best kept (default 3)"),
        new("train", null, false, "measure pretraining updates (forward + backward + AdamW) instead of inference, on this architecture and on the default model's"),
        new("updates", null, true, "timed updates per training measurement (default 3, after one untimed)"),
    ];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var config = EsmConfig.AgroNT1B with
        {
            NumHiddenLayers = args.GetInt("layers", 4, 1, 64),
            HiddenSize = args.GetInt("hidden", 1500, 8),
            NumAttentionHeads = args.GetInt("heads", 20, 1),
            IntermediateSize = args.GetInt("intermediate", 5120, 8),
        };
        config.Validate("the benchmark architecture");
        int repeats = args.GetInt("repeats", 3, 1, 100);
        string precisionArg = args.Get("precision") ?? "both";
        var precisions = precisionArg switch
        {
            "fp32" => new[] { Precision.Float32 },
            "bf16" => [Precision.BFloat16],
            "both" => [Precision.Float32, Precision.BFloat16],
            _ => throw new UsageException($"--precision must be fp32, bf16 or both, got '{precisionArg}'."),
        };
        string genome = args.Get("genome") ?? FindDefaultGenome();
        string dna = string.Concat(SequenceReader.ReadFile(genome).Select(r => r.Sequence.ToUpperInvariant())).Replace("N", "", StringComparison.Ordinal);

        var runtime = MLNet.Native.TorchRuntime.Initialize();
        stdout.WriteLine($"# native runtime: huge pages {(runtime.HugePagesRequested ? "on" : "off")}; MKL AVX-512 switch: {runtime.MklNote}");
        stdout.WriteLine($"# agront bench: {config.NumHiddenLayers} layers x hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, FFN {config.IntermediateSize}; libtorch threads {get_num_threads()}; DNA from {Path.GetFileName(genome)}");
        if (args.Has("train"))
        {
            var defaultConfig = EsmConfig.FromFile(CommonOptions.ModelFolder(new ParsedArguments(Name, Options, [])));
            foreach (var precision in precisions)
            {
                var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
                double peak = MatmulPeak(dtype, repeats);
                stdout.WriteLine($"[{Label(precision)}] matmul peak (1024x{config.HiddenSize} @ {config.HiddenSize}x{config.IntermediateSize} and 2048^3, best of {repeats}): {peak / 1e9:F1} GFLOP/s");
                int updates = args.GetInt("updates", 3, 1, 1000);
                TrainingBenchmark.Measure(stdout, $"[{Label(precision)}] train, {config.NumHiddenLayers} layers x {config.HiddenSize}", config, precision, peak, dna, microBatch: 2, updates);
                TrainingBenchmark.Measure(stdout, $"[{Label(precision)}] train, default model ({defaultConfig.NumHiddenLayers} layers x {defaultConfig.HiddenSize})", defaultConfig, precision, peak, dna, microBatch: 4, updates);
            }
            return 0;
        }
        var vocabulary = KmerVocabulary.FromTokens(AgroNTVocabulary.Tokens());
        foreach (var precision in precisions)
        {
            var dtype = precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            double peak = MatmulPeak(dtype, repeats);
            stdout.WriteLine($"[{Label(precision)}] matmul peak (1024x{config.HiddenSize} @ {config.HiddenSize}x{config.IntermediateSize} and 2048^3, best of {repeats}): {peak / 1e9:F1} GFLOP/s");
            using var model = AgroNTModel.CreateRandom(config, vocabulary, seed: 7, new AgroNTModelOptions
            {
                Precision = precision,
                Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Truncate },
            });

            var random = new Random(11);
            var fullWindows = Enumerable.Range(0, 4).Select(i => dna.Substring(random.Next(dna.Length - 6200), 1023 * 6)).ToList();
            Measure(stdout, model, config, precision, peak, "full 1024-token windows", fullWindows, repeats, batchSize: 2);
            var mixed = Enumerable.Range(0, 24).Select(i => { int length = random.Next(100, 6001); return dna.Substring(random.Next(dna.Length - length), length); }).ToList();
            Measure(stdout, model, config, precision, peak, "mixed 100-6000 bp windows", mixed, repeats, batchSize: 8);
        }
        return 0;
    }

    private static void Measure(TextWriter stdout, AgroNTModel model, EsmConfig config, Precision precision, double peak, string label, List<string> sequences, int repeats, int batchSize)
    {
        var embedder = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = batchSize, MaxBatchTokens = null });
        embedder.Embed(sequences.Take(1).ToList()); // warm-up: kernels, allocator
        double best = double.MaxValue;
        long real = 0, computed = 0;
        for (int r = 0; r < repeats; r++)
        {
            long realBefore = embedder.RealTokens, computedBefore = embedder.ComputedTokens;
            var clock = Stopwatch.StartNew();
            embedder.Embed(sequences);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
            real = embedder.RealTokens - realBefore;
            computed = embedder.ComputedTokens - computedBefore;
        }
        // FLOPs per token = 2 x linear-layer parameters + 4 x layers x hidden x sequence length (scores and weighted sum).
        double linear = config.NumHiddenLayers * (4.0 * config.HiddenSize * config.HiddenSize + 2.0 * config.HiddenSize * config.IntermediateSize);
        double attention = sequences.Select(s => model.Tokenizer.CountTokens(s, null)).Select(t => (double)Math.Min(t, 1024)).Sum(t => 4.0 * config.NumHiddenLayers * config.HiddenSize * t * t);
        double flops = 2 * linear * real + attention;
        double rate = flops / best;
        stdout.WriteLine($"[{Label(precision)}] {label}: {real} tokens in {best:F2} s = {real / best:F0} tokens/s, {rate / 1e9:F1} GFLOP/s = {100 * rate / peak:F0}% of matmul peak; padding computed {100.0 * (computed - real) / computed:F1}%");
    }

    internal static double MatmulPeak(ScalarType dtype, int repeats)
    {
        double best = 0;
        foreach (var (m, k, n) in new[] { (1024L, 1500L, 5120L), (2048L, 2048L, 2048L) })
        {
            using var scope = NewDisposeScope();
            var a = randn(m, k).to(dtype);
            var b = randn(k, n).to(dtype);
            mm(a, b).Dispose();
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                mm(a, b).Dispose();
                best = Math.Max(best, 2.0 * m * k * n / clock.Elapsed.TotalSeconds);
            }
        }
        return best;
    }

    private static string Label(Precision precision) => precision == Precision.BFloat16 ? "bf16" : "fp32";

    private static string FindDefaultGenome()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "data", "arabidopsis_genome2.fa");
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }
        throw new UsageException("no --genome given and ../shared/data/arabidopsis_genome2.fa was not found; pass --genome FILE.fa.");
    }
}
