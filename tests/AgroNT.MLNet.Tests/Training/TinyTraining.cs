using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Tests.Training;

/// <summary>Tiny architectures, synthetic genomes and options that make a training run take well under a second.</summary>
internal static class TinyTraining
{
    public static EsmConfig Config { get; } = EsmConfig.AgroNT1B with
    {
        HiddenSize = 16,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 32,
    };

    /// <summary>Random DNA from a seed (upper case, A/C/G/T only).</summary>
    public static string RandomDna(int length, int seed)
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

    /// <summary>A genome of a few records of random DNA, as in-memory sequences.</summary>
    public static (string Name, string Sequence)[] Records(int count = 3, int length = 3000, int seed = 1) =>
        Enumerable.Range(0, count).Select(i => ($"chr{i + 1}", RandomDna(length, seed + i))).ToArray();

    /// <summary>Short windows so that each update is a few hundred tokens.</summary>
    public static WindowingOptions Windowing { get; } = new() { WindowLength = 300, Overlap = 10 };

    public static PretrainingCorpus Corpus(ValidationSplit? split = null) =>
        PretrainingCorpus.FromSequences("tiny", () => Records(), split ?? ValidationSplit.ByRecord("chr3").WithRegionLength(1000), windowing: Windowing);

    public static PretrainingOptions Options(string output, long maxSteps = 6) => new()
    {
        OutputFolder = output,
        Config = Config,
        MaxSteps = maxSteps,
        PeakLearningRate = 3e-3,
        WarmupSteps = 2,
        Decay = LearningRateDecay.Cosine,
        MicroBatchSize = 2,
        BatchTokens = 150,
        ValidationInterval = 3,
        ValidationWindows = 4,
        LogInterval = 1,
        CheckpointInterval = 2,
        KeepCheckpoints = 10,
        ShuffleBufferWindows = 5,
        WriteLossPlot = false,
        Seed = 7,
    };

    /// <summary>Cancels a token synchronously when a given update is reported (the trainer checks it before the next).</summary>
    public sealed class CancelAtStep(long step, CancellationTokenSource source) : IProgress<PretrainingProgress>
    {
        public List<PretrainingProgress> Reports { get; } = [];

        public void Report(PretrainingProgress value)
        {
            Reports.Add(value);
            if (value.Event == PretrainingEvent.Step && value.Step == step)
            {
                source.Cancel();
            }
        }
    }

    /// <summary>Keeps every report.</summary>
    public sealed class Recorder : IProgress<PretrainingProgress>
    {
        public List<PretrainingProgress> Reports { get; } = [];

        public void Report(PretrainingProgress value) => Reports.Add(value);
    }
}
