using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training;
using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Performance;

/// <summary>Timed pretraining updates.</summary>
/// <param name="Tokens">Tokens trained on in the timed updates.</param>
/// <param name="Updates">Timed updates.</param>
/// <param name="Seconds">Their total time.</param>
/// <param name="Flops">Their operations (<see cref="EncoderFlops.PretrainingUpdate"/>).</param>
public sealed record TrainingMeasurement(long Tokens, int Updates, double Seconds, double Flops)
{
    /// <summary>Tokens per second.</summary>
    public double TokensPerSecond => Tokens / Seconds;

    /// <summary>Operations per second.</summary>
    public double FlopsPerSecond => Flops / Seconds;

    /// <summary><see cref="FlopsPerSecond"/> as a share of <paramref name="peakFlopsPerSecond"/> (1 = the peak).</summary>
    public double ShareOf(double peakFlopsPerSecond) => FlopsPerSecond / peakFlopsPerSecond;
}

/// <summary>
/// Complete pretraining updates (forward, backward and AdamW) timed on full 1024-token windows cut from
/// <c>dna</c>, with a fresh model of the given architecture; nothing is written.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>Runs one untimed update, then times <paramref name="updates"/>.</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="precision">The training precision.</param>
    /// <param name="dna">DNA to cut 64 windows of 6,200 bp from.</param>
    /// <param name="microBatch">Windows per update.</param>
    /// <param name="updates">Timed updates.</param>
    /// <param name="device"><c>cpu</c> or <c>cuda[:N]</c>.</param>
    public static TrainingMeasurement Measure(EsmConfig config, Precision precision, string dna, int microBatch, int updates, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dna);
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
        double flops = EncoderFlops.PretrainingUpdate(config, timing.Tokens, 1024, options.Masking.SelectionProbability);
        return new TrainingMeasurement(timing.Tokens, timing.Updates, timing.Seconds, flops);
    }
}
