using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Performance;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.MLNet.Tests.Performance;

public sealed class BenchmarkHarnessTests
{
    private static string Chloroplast() =>
        string.Concat(SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa")).Select(r => r.Sequence.ToUpperInvariant()));

    [Fact]
    public void MatmulPeak_RunsAtLeastFiveRepeatsOfEachWindowShape()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        var peak = MatmulPeak.Measure(config, Precision.Float32, repeats: 1);
        Assert.Equal(MatmulPeak.MinimumRepeats, peak.Repeats);
        Assert.Equal(MatmulPeak.BatchTokens.SelectMany(tokens => EncoderFlops.WeightGemmShapes(config, tokens)), peak.Shapes);
        Assert.Equal([1024L, 2048, 4096, 8192], peak.Shapes.Select(s => s.M).Distinct());
        Assert.True(peak.FlopsPerSecond is > 1e6 and < 1e15, $"{peak.FlopsPerSecond} FLOP/s");
    }

    [Fact]
    public void InferenceBenchmark_TinyModelOnRealDna_CountsTokensPacksWithoutPaddingAndReturnsTheEmbedderOutput()
    {
        using var model = AgroNTModel.Load(SharedData.TinyModel);
        var random = new Random(3);
        var mixed = BenchmarkSequences.MixedWindows(Chloroplast(), 6, random);
        var oneByOne = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 1, MaxBatchTokens = null });
        var batched = new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { BatchSize = 6, MaxBatchTokens = null, MaxPaddingFraction = 0.99 });
        const double peak = 1e9;

        var results = InferenceBenchmark.Measure(model.Config, peak, mixed, 2, model.Tokenizer, [new("one", oneByOne), new("batched", batched)]);

        var lengths = mixed.Select(s => model.Tokenizer.EncodeToIds(s).Count).ToList();
        Assert.Equal(["one", "batched"], results.Select(r => r.Label));
        foreach (var r in results)
        {
            Assert.Equal(lengths.Sum(), r.RealTokens);
            Assert.Equal(EncoderFlops.Forward(model.Config, lengths), r.Flops);
            Assert.Equal(r.Flops / r.Seconds / peak, r.ShareOfPeak, 1e-12);
            Assert.Equal(r.RealTokens / r.Seconds, r.TokensPerSecond, 1e-9);
        }
        // Neither computes padding: one sequence per batch has none, and one batch of six lengths is packed, not padded.
        Assert.True(lengths.Distinct().Count() > 1);
        Assert.All(results, r => Assert.Equal(r.RealTokens, r.ComputedTokens));
        Assert.All(results, r => Assert.Equal(0, r.PaddingShare));
        // The embeddings are the embedder's own, and packing does not change them.
        var direct = oneByOne.Embed(mixed);
        for (int i = 0; i < mixed.Count; i++)
        {
            Assert.Equal(direct[i], results[0].Embeddings[i]);
            Assert.Equal(direct[i], results[1].Embeddings[i], (a, b) => Math.Abs(a - b) < 1e-4);
        }
    }

    [Fact]
    public void BenchmarkSequences_CutReproducibleWindowsOfTheDocumentedLengths()
    {
        string dna = Chloroplast();
        var full = BenchmarkSequences.FullWindows(dna, 3, new Random(5));
        Assert.All(full, w => Assert.Equal(6138, w.Length));
        Assert.All(full, w => Assert.Contains(w, dna));
        Assert.Equal(full, BenchmarkSequences.FullWindows(dna, 3, new Random(5)));
        Assert.All(BenchmarkSequences.MixedWindows(dna, 20, new Random(5)), w => Assert.InRange(w.Length, 100, 6000));
        Assert.Equal(BenchmarkSequences.RandomDna(500, 9), BenchmarkSequences.RandomDna(500, 9));
        Assert.Matches("^[ACGT]{500}$", BenchmarkSequences.RandomDna(500, 9));
        Assert.Throws<ArgumentException>(() => BenchmarkSequences.FullWindows("ACGT", 1, new Random(1)));
    }

    [Fact]
    public void TrainingBenchmark_TinyModel_TimesTheUpdatesAndCountsTheirOperations()
    {
        var config = EsmConfig.FromFile(SharedData.TinyModel);
        var measured = TrainingBenchmark.Measure(config, Precision.Float32, Chloroplast(), microBatch: 2, updates: 2);
        Assert.Equal(2, measured.Updates);
        Assert.InRange(measured.Tokens, 2, 2 * 2 * 1024);
        Assert.Equal(EncoderFlops.PretrainingUpdate(config, measured.Tokens, 1024, 0.15), measured.Flops);
        Assert.True(measured.Seconds > 0);
        Assert.Equal(measured.FlopsPerSecond / 2e9, measured.ShareOf(2e9), 1e-12);
    }
}
