using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Tests.Featurization;

/// <summary>A row of DNA for ML.NET tests.</summary>
public sealed class DnaRow
{
    public string Sequence { get; set; } = string.Empty;

    public float Label { get; set; }
}

/// <summary>A featurized row read back from ML.NET.</summary>
public sealed class FeaturesRow
{
    public float[] Features { get; set; } = [];

    public float Label { get; set; }
}

/// <summary>A row of token ids (variable length).</summary>
public sealed class TokenIdsRow
{
    public int[] TokenIds { get; set; } = [];
}

/// <summary>Shared inputs of the featurizer tests: the tiny fixture model and real chloroplast DNA.</summary>
internal static class FeaturizingTestData
{
    private static readonly Lazy<string[]> s_chloroplast = new(() =>
        [.. SequenceReader.ReadFile(Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa")).Select(r => r.Sequence)]);

    public static AgroNTModel LoadTiny(LengthPolicy policy = LengthPolicy.Error) =>
        AgroNTModel.Load(SharedData.TinyModel, new AgroNTModelOptions { Tokenizer = KmerTokenizerOptions.Default with { LengthPolicy = policy } });

    /// <summary><paramref name="count"/> real sequences cut to mixed lengths (30 to 401 bp), so batches need padding.</summary>
    public static string[] MixedLengths(int count) =>
        [.. Enumerable.Range(0, count).Select(i => s_chloroplast.Value[i % s_chloroplast.Value.Length][..(30 + (i * 31 % 372))])];

    public static IDataView Load(MLContext context, IEnumerable<string> sequences) =>
        context.Data.LoadFromEnumerable(sequences.Select((s, i) => new DnaRow { Sequence = s, Label = i }).ToList());

    public static AgroNTFeaturizingEstimator Estimator(MLContext context, AgroNTModel model, AgroNTEmbeddingOptions? embedding = null, int? readAheadRows = null, string input = "Sequence") =>
        context.Transforms.FeaturizeAgroNT(new AgroNTFeaturizingOptions
        {
            Model = model,
            InputColumnName = input,
            Embedding = embedding ?? new AgroNTEmbeddingOptions(),
            ReadAheadRows = readAheadRows,
        });

    public static List<float[]> ReadFeatures(IDataView view, string column = "Features")
    {
        var rows = new List<float[]>();
        using DataViewRowCursor cursor = view.GetRowCursor([view.Schema[column]]);
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(view.Schema[column]);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }

        return rows;
    }

    /// <summary>What the featurizer must give: the embedder's output for each read-ahead block of rows, in order.</summary>
    public static List<float[]> EmbedInBlocks(AgroNTEmbedder embedder, IReadOnlyList<string> sequences, int blockRows) =>
        [.. sequences.Chunk(blockRows).SelectMany(block => embedder.Embed(block))];

    public static void AssertClose(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual, double tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int row = 0; row < expected.Count; row++)
        {
            Assert.Equal(expected[row].Length, actual[row].Length);
            for (int i = 0; i < expected[row].Length; i++)
            {
                Assert.Equal(expected[row][i], actual[row][i], tolerance);
            }
        }
    }
}
