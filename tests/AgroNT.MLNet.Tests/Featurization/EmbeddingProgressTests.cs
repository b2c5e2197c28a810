using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.MLNet.Tests.Featurization;

/// <summary>
/// <see cref="DnaEmbeddingOptions.Progress"/>: a single long record embedded as windows reports progress after each
/// forward pass, so a progress bar moves before the record is done, and reporting changes nothing computed.
/// </summary>
public sealed class EmbeddingProgressTests
{
    [Fact]
    public void Embed_TheChloroplastGenomeAsOneRecord_ReportsSeveralDistinctValuesBeforeItEnds()
    {
        var genome = Assert.Single(SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa")));
        Assert.True(genome.Sequence.Length > 150_000);
        var reports = new List<DnaEmbeddingProgress>();
        var options = new DnaEmbedderOptions
        {
            Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = LengthPolicy.Windows },
            Progress = new Recorder(reports),
        };

        float[] withProgress;
        using (var embedder = DnaEmbedders.Open(SharedData.TinyModel, options))
        {
            withProgress = embedder.Embed([genome.Sequence], [genome.Name])[0];
        }
        float[] without;
        using (var embedder = DnaEmbedders.Open(SharedData.TinyModel, options with { Progress = null }))
        {
            without = embedder.Embed([genome.Sequence], [genome.Name])[0];
        }

        // 154 kb of 6-mers is about 25,700 tokens: 26 windows of up to 1,000 tokens, in batches of 8.
        Assert.True(reports.Count >= 4, $"{reports.Count} reports");
        Assert.True(reports.Select(r => r.TokensDone).Distinct().Count() >= 4);
        Assert.All(reports, r => Assert.True(r.TokensDone <= r.TokenCount && r.InputsDone <= r.InputCount));
        Assert.Equal(reports.Select(r => r.TokensDone).Order(), reports.Select(r => r.TokensDone));
        Assert.Single(reports.Select(r => r.TokenCount).Distinct());
        var last = reports[^1];
        Assert.Equal(last.InputCount, last.InputsDone);
        Assert.Equal(last.TokenCount, last.TokensDone);
        Assert.InRange(last.InputCount, 26, 27);
        // Every 6-mer, plus one <cls> per window (the last window may hold up to five single-base tokens).
        Assert.InRange(last.TokenCount, genome.Sequence.Length / 6 + last.InputCount, genome.Sequence.Length / 6 + last.InputCount + 5);
        Assert.True(reports.Count(r => r.TokensDone < last.TokenCount) >= 3, "progress must move before the record ends");
        Assert.Equal(without, withProgress);
    }

    private sealed class Recorder(List<DnaEmbeddingProgress> reports) : IProgress<DnaEmbeddingProgress>
    {
        public void Report(DnaEmbeddingProgress value) => reports.Add(value);
    }
}
