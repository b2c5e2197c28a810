using AgroNT.MLNet;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.Cli;

/// <summary><c>agront bench --train</c>: complete pretraining updates timed on full 1024-token windows of real DNA.</summary>
internal static class TrainingBenchmark
{
    public static void Measure(TextWriter stdout, string label, EsmConfig config, Precision precision, double peak, string dna, int microBatch, int updates, string device = "cpu")
    {
        var random = new Random(13);
        var windows = Enumerable.Range(0, 64).Select(i => ($"w{i}", dna.Substring(random.Next(dna.Length - 6200), 6200))).ToArray();
        var corpus = PretrainingCorpus.FromSequences("bench", () => windows);
        var options = new PretrainingOptions
        {
            OutputFolder = Path.Combine(Path.GetTempPath(), "agront-bench-unused"),
            Config = config,
            MaxSteps = 1000,
            WarmupSteps = 0,
            MicroBatchSize = microBatch,
            BatchTokens = microBatch * 1024,
            Precision = precision,
            Device = device,
        };
        var timing = AgroNTPretrainer.MeasureUpdates(options, corpus, warmup: 1, updates);
        // Training ~ 3x inference FLOPs (forward, and backward for activations and weights). Per token: 2 x encoder
        // linear parameters + 4 x layers x hidden x sequence length; the LM head only on the ~15% selected tokens.
        double hidden = config.HiddenSize;
        double linear = config.NumHiddenLayers * (4.0 * hidden * hidden + 2.0 * hidden * config.IntermediateSize);
        double perToken = 2 * linear + 4.0 * config.NumHiddenLayers * hidden * 1024;
        double head = 2 * (hidden * hidden + hidden * config.VocabSize) * options.Masking.SelectionProbability;
        double flops = 3 * (perToken + head) * timing.Tokens;
        double rate = flops / timing.Seconds;
        stdout.WriteLine($"{label}: {timing.Tokens} tokens in {timing.Updates} updates, {timing.Seconds:F2} s = {timing.Tokens / timing.Seconds:F0} tokens/s, {rate / 1e9:F1} GFLOP/s = {100 * rate / peak:F0}% of matmul peak");
    }
}
