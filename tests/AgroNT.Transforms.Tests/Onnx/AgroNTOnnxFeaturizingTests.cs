using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests.Onnx;

/// <summary>A row read back from the featurizer.</summary>
public sealed class EmbeddedRow
{
    public string Sequence { get; set; } = string.Empty;

    public float Label { get; set; }

    public float[] Embedding { get; set; } = [];
}

/// <summary>A row of int64 token ids.</summary>
public sealed class LongIdsRow
{
    public long[] Ids { get; set; } = [];
}

public sealed class AgroNTOnnxFeaturizingTests
{
    private static readonly string[] s_dna =
    [
        "ATCCCGGNNTCGACACN", "ATATACGGCCGNC", "acgtacgtacgtA", "", "GGGTATCGCTTCCGAC", "ACGT", "TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT",
        "GATTACA", "CCCGGGAAATTT", "N",
    ];

    private static readonly AgroNTOnnxEmbedderOptions s_oneThread = new() { IntraOpThreads = 1 };

    private static SchemaShape Shape(IDataView data) =>
        new(data.Schema.Select(c => SchemaShapeColumns.Create(c.Name, SchemaShape.Column.VectorKind.Scalar, (PrimitiveDataViewType)c.Type)));

    private static List<float[]> ReadEmbeddings(IDataView view, string column = "Embedding")
    {
        var rows = new List<float[]>();
        using DataViewRowCursor cursor = view.GetRowCursor([view.Schema[column]]);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema[column]);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }
        return rows;
    }

    [Fact]
    public void Transform_DnaColumnInSmallBlocks_EqualsTheEmbedderAndKeepsOtherColumns()
    {
        var context = new MLContext(seed: 1);
        var data = TestDna.Load(context, s_dna);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        var expected = embedder.Embed(s_dna);
        using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, RowsPerBlock = 3 }).Fit(data);
        var output = transformer.Transform(data);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 64), output.Schema["Embedding"].Type);
        Assert.False(output.CanShuffle);
        var rows = context.Data.CreateEnumerable<EmbeddedRow>(output, reuseRowObject: false).ToList();
        Assert.Equal(s_dna.Length, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(s_dna[i], rows[i].Sequence);
            Assert.Equal(i, rows[i].Label);
            Assert.Equal(expected[i], rows[i].Embedding);
        }
    }

    [Fact]
    public void Transform_SecondPassOverTheView_RunsNoModelUnlessTheCacheIsOff()
    {
        var context = new MLContext(seed: 1);
        var data = TestDna.Load(context, s_dna);
        long TokensOverTwoPasses(long cacheBytes, out List<EmbeddedRow> second)
        {
            using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
            using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, RowsPerBlock = 3, EmbeddingCacheBytes = cacheBytes }).Fit(data);
            var output = transformer.Transform(data);
            var first = context.Data.CreateEnumerable<EmbeddedRow>(output, reuseRowObject: false).ToList();
            long afterFirst = embedder.RealTokens;
            second = context.Data.CreateEnumerable<EmbeddedRow>(output, reuseRowObject: false).ToList();
            Assert.Equal(first.Select(r => r.Embedding), second.Select(r => r.Embedding));
            return embedder.RealTokens - afterFirst;
        }

        long cachedSecondPass = TokensOverTwoPasses(AgroNTOnnxFeaturizingDefaults.EmbeddingCacheBytes, out var cached);
        long uncachedSecondPass = TokensOverTwoPasses(0, out var uncached);

        Assert.Equal(0, cachedSecondPass);
        Assert.True(uncachedSecondPass > 0);
        Assert.Equal(uncached.Select(r => r.Embedding), cached.Select(r => r.Embedding));
    }

    [Fact]
    public void Transform_TokenIdsFromTokenizeDna_GivesTheSameVectorsAsText()
    {
        var context = new MLContext(seed: 1);
        var data = TestDna.Load(context, s_dna);
        var pipeline = context.Transforms.TokenizeDna(new KmerTokenizingOptions { ModelFolder = TinyOnnxModel.Folder, FixedLength = 40, AttentionMaskColumnName = null })
            .Append(context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions
            {
                InputColumnName = "TokenIds",
                ModelFolder = TinyOnnxModel.Folder,
                EmbedderOptions = s_oneThread,
            }));
        var model = pipeline.Fit(data);
        var fromIds = ReadEmbeddings(model.Transform(data));
        using var fromText = context.Transforms.FeaturizeAgroNTOnnx("Embedding", "Sequence", TinyOnnxModel.Folder).Fit(data);
        var expected = ReadEmbeddings(fromText.Transform(data));
        for (int i = 0; i < s_dna.Length; i++)
        {
            Assert.Equal(expected[i].Length, fromIds[i].Length);
            for (int h = 0; h < expected[i].Length; h++)
            {
                Assert.Equal(expected[i][h], fromIds[i][h], 1e-5);
            }
        }
        model.LastTransformer.Dispose();
    }

    [Fact]
    public void Transform_Int64Ids_AreAccepted()
    {
        var context = new MLContext(seed: 1);
        var tokenizer = KmerTokenizer.Create(TinyOnnxModel.Folder);
        var data = context.Data.LoadFromEnumerable(s_dna.Take(3).Select(s => new LongIdsRow { Ids = [.. tokenizer.EncodeToIds(s, null).Select(i => (long)i)] }));
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, InputColumnName = "Ids" }).Fit(data);
        var rows = ReadEmbeddings(transformer.Transform(data));
        Assert.Equal(embedder.Embed(s_dna[..3]), rows);
    }

    [Fact]
    public void CreatePredictionEngine_SuccessiveInputs_EachGetsItsOwnVector()
    {
        var context = new MLContext(seed: 1);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder }).Fit(TestDna.Load(context));
        var engine = context.Model.CreatePredictionEngine<DnaRow, EmbeddedRow>(transformer);
        Assert.Equal(embedder.Embed("ACGTACGT"), engine.Predict(new DnaRow { Sequence = "ACGTACGT" }).Embedding);
        Assert.Equal(embedder.Embed("GGGNNNCCC"), engine.Predict(new DnaRow { Sequence = "GGGNNNCCC" }).Embedding);
    }

    [Fact]
    public void Fit_ThenTrainer_LearnsFromEmbeddings()
    {
        var context = new MLContext(seed: 1);
        var data = TestDna.Load(context, s_dna);
        var pipeline = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { ModelFolder = TinyOnnxModel.Folder, EmbedderOptions = s_oneThread })
            .Append(context.Regression.Trainers.Sdca(labelColumnName: "Label", featureColumnName: "Embedding", maximumNumberOfIterations: 5));
        var model = pipeline.Fit(data);
        var scored = model.Transform(data);
        Assert.Equal(s_dna.Length, scored.GetColumn<float>("Score").Count());
        ((IDisposable)model.First()).Dispose();
    }

    [Fact]
    public void GetOutputSchema_TokensPooling_IsVariableVector()
    {
        var context = new MLContext(seed: 1);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread with { Pooling = Pooling.Tokens });
        var estimator = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder });
        var shape = estimator.GetOutputSchema(Shape(TestDna.Load(context)));
        var column = shape.Single(c => c.Name == "Embedding");
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, column.Kind);
        Assert.Equal(NumberDataViewType.Single, column.ItemType);
        var rows = ReadEmbeddings(estimator.Fit(TestDna.Load(context, ["ACGTACGTA"])).Transform(TestDna.Load(context, ["ACGTACGTA"])));
        Assert.Equal(4 * 64, rows[0].Length);
    }

    [Fact]
    public void Fit_MissingOrWrongColumn_NamesColumnAndTypes()
    {
        var context = new MLContext(seed: 1);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        var data = TestDna.Load(context);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() =>
            context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, InputColumnName = "Dna" }).Fit(data));
        Assert.Contains("'Dna'", missing.Message, StringComparison.Ordinal);
        var wrong = Assert.Throws<ArgumentOutOfRangeException>(() =>
            context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, InputColumnName = "Label" }).Fit(data));
        Assert.Contains("Single", wrong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, InputColumnName = "Label" })
                .GetOutputSchema(Shape(data)));
    }

    [Fact]
    public void Constructor_InconsistentOptions_Throw()
    {
        var context = new MLContext(seed: 1);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        Assert.Throws<ArgumentException>(() => context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions()));
        Assert.Throws<ArgumentException>(() => context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, EmbedderOptions = s_oneThread }));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder, RowsPerBlock = 0 }));
    }

    [Fact]
    public void ModelSave_ByMLNet_IsRefusedWithTheAlternative()
    {
        var context = new MLContext(seed: 1);
        var data = TestDna.Load(context);
        using var embedder = new AgroNTOnnxEmbedder(TinyOnnxModel.Folder, s_oneThread);
        using var transformer = context.Transforms.FeaturizeAgroNTOnnx(new AgroNTOnnxFeaturizingOptions { Embedder = embedder }).Fit(data);
        using var stream = new MemoryStream();
        var e = Assert.Throws<NotSupportedException>(() => context.Model.Save(transformer, data.Schema, stream));
        Assert.Contains("FeaturizeAgroNTOnnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("mlContext.Model.SaveAgroNT", e.Message, StringComparison.Ordinal);
    }
}
