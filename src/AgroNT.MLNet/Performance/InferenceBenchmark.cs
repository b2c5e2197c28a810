using System.Diagnostics;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Performance;

/// <summary>An embedder under test and the label its figures are reported with.</summary>
/// <param name="Label">E.g. <c>fp32</c> or <c>fp32 onnx session batches</c>.</param>
/// <param name="Engine">The embedder; its <see cref="IDnaEmbedder.RealTokens"/> and <see cref="IDnaEmbedder.ComputedTokens"/> counters are read.</param>
public sealed record BenchmarkEngine(string Label, IDnaEmbedder Engine);

/// <summary>One engine's best pass over one set of sequences.</summary>
/// <param name="Label">The engine's label.</param>
/// <param name="RealTokens">Tokens of real input in one pass.</param>
/// <param name="ComputedTokens">Token positions computed in one pass, padding included.</param>
/// <param name="Seconds">The fastest pass, in seconds.</param>
/// <param name="Flops">Operations of one pass (<see cref="EncoderFlops.Forward"/>: padding not counted).</param>
/// <param name="PeakFlopsPerSecond">The matmul peak the share is taken against.</param>
/// <param name="Embeddings">The embeddings of the last pass, in input order.</param>
public sealed record InferenceMeasurement(
    string Label, long RealTokens, long ComputedTokens, double Seconds, double Flops, double PeakFlopsPerSecond, IReadOnlyList<float[]> Embeddings)
{
    /// <summary>Real tokens per second.</summary>
    public double TokensPerSecond => RealTokens / Seconds;

    /// <summary>Operations per second.</summary>
    public double FlopsPerSecond => Flops / Seconds;

    /// <summary><see cref="FlopsPerSecond"/> as a share of <see cref="PeakFlopsPerSecond"/> (1 = the peak).</summary>
    public double ShareOfPeak => FlopsPerSecond / PeakFlopsPerSecond;

    /// <summary>The share of computed positions that were padding.</summary>
    public double PaddingShare => (double)(ComputedTokens - RealTokens) / Math.Max(ComputedTokens, 1);
}

/// <summary>
/// Times embedders over the same sequences: one untimed warm-up each, then <c>repeats</c> passes in which the engines
/// take turns (so a machine whose load drifts favours none of them), the fastest pass kept, reported as tokens/s and as a
/// share of a matmul peak measured in the same run (<see cref="MatmulPeak"/>).
/// </summary>
public static class InferenceBenchmark
{
    /// <summary>Measures each engine on <paramref name="sequences"/>.</summary>
    /// <param name="config">The architecture (for the operation count).</param>
    /// <param name="peakFlopsPerSecond">The matmul peak to take shares against.</param>
    /// <param name="sequences">The inputs, one pass embedding all of them.</param>
    /// <param name="repeats">Timed passes per engine (at least 1).</param>
    /// <param name="tokenizer">Counts each sequence's tokens for the operation count.</param>
    /// <param name="engines">The embedders, in reporting order.</param>
    /// <returns>One measurement per engine, in order.</returns>
    public static IReadOnlyList<InferenceMeasurement> Measure(
        EsmConfig config, double peakFlopsPerSecond, IReadOnlyList<string> sequences, int repeats, SequenceTokenizer tokenizer, IReadOnlyList<BenchmarkEngine> engines)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakFlopsPerSecond);
        foreach (var engine in engines)
        {
            engine.Engine.Embed(sequences.Take(1).ToList()); // warm-up: kernels, allocator
        }
        var best = engines.Select(_ => double.MaxValue).ToArray();
        var results = engines.Select(_ => (IReadOnlyList<float[]>)[]).ToArray();
        var real = new long[engines.Count];
        var computed = new long[engines.Count];
        for (int r = 0; r < repeats; r++)
        {
            for (int e = 0; e < engines.Count; e++)
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
        double flops = EncoderFlops.Forward(config, sequences.Select(s => Math.Min(tokenizer.CountTokens(s, null), config.MaxTokens)));
        return [.. engines.Select((engine, e) => new InferenceMeasurement(engine.Label, real[e], computed[e], best[e], flops, peakFlopsPerSecond, results[e]))];
    }
}

/// <summary>The DNA sets the benchmarks time, cut reproducibly from a genome (or from seeded random bases).</summary>
public static class BenchmarkSequences
{
    /// <summary>
    /// <paramref name="length"/> seeded random A/C/G/T: the encoder's cost depends on token counts, not on which 6-mers
    /// they are, so random bases measure the same speed as real DNA.
    /// </summary>
    public static string RandomDna(int length, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var random = new Random(seed);
        return string.Create(length, random, static (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = "ACGT"[r.Next(4)];
            }
        });
    }

    /// <summary><paramref name="count"/> windows of 6,138 bp (1,023 6-mers: a full 1,024-token window with <c>&lt;cls&gt;</c>).</summary>
    public static List<string> FullWindows(string dna, int count, Random random) => Cut(dna, count, random, _ => 1023 * 6, 6200);

    /// <summary><paramref name="count"/> windows of 100 to 6,000 bp, lengths uniform.</summary>
    public static List<string> MixedWindows(string dna, int count, Random random) => Cut(dna, count, random, r => r.Next(100, 6001), 0);

    /// <summary><paramref name="count"/> promoter-sized windows of <paramref name="length"/> bp.</summary>
    public static List<string> ShortWindows(string dna, int count, Random random, int length = 170) => Cut(dna, count, random, _ => length, length);

    private static List<string> Cut(string dna, int count, Random random, Func<Random, int> length, int margin)
    {
        ArgumentNullException.ThrowIfNull(dna);
        ArgumentNullException.ThrowIfNull(random);
        var windows = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            int n = length(random);
            int room = dna.Length - Math.Max(n, margin);
            if (room <= 0)
            {
                throw new ArgumentException($"the DNA has {dna.Length} bases; benchmark windows need more than {Math.Max(n, margin)}.", nameof(dna));
            }
            windows.Add(dna.Substring(random.Next(room), n));
        }
        return windows;
    }
}
