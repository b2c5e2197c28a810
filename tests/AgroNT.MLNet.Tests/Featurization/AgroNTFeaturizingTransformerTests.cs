using AgroNT.MLNet.Featurization;
using AgroNT.Tests.Common;
using AgroNT.Transforms;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Sequences;
using AgroNT.Transforms.Tokenization;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;

namespace AgroNT.MLNet.Tests.Featurization;

public sealed class AgroNTFeaturizingTransformerTests
{
    private static readonly MLContext s_context = new(seed: 1);

    [Theory]
    [InlineData(23, 5, 2)] // four full blocks and a partial one, each embedded in several batches
    [InlineData(70, null, 8)] // default read-ahead (64 rows): a block boundary at row 64, mid-data
    [InlineData(10, 64, 8)] // fewer rows than one block
    public void Transform_TextColumn_EveryRowEqualsTheEmbedderInOrder(int rows, int? readAhead, int batchSize)
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(rows);
        var embedding = new AgroNTEmbeddingOptions { BatchSize = batchSize };
        IDataView data = FeaturizingTestData.Load(s_context, sequences);
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model, embedding, readAhead).Fit(data);

        IDataView output = transformer.Transform(data);
        FeaturesRow[] featurized = [.. s_context.Data.CreateEnumerable<FeaturesRow>(output, reuseRowObject: false)];

        var embedder = new AgroNTEmbedder(model, embedding);
        List<float[]> expected = FeaturizingTestData.EmbedInBlocks(embedder, sequences, transformer.ReadAheadRows);
        Assert.Equal(readAhead ?? 8 * batchSize, transformer.ReadAheadRows);
        Assert.Equal(expected, featurized.Select(r => r.Features));
        Assert.Equal(Enumerable.Range(0, rows).Select(i => (float)i), featurized.Select(r => r.Label));
        Assert.Equal(sequences, output.GetColumn<string>("Sequence"));
        // The whole data set embedded in one call batches differently, which moves results by float rounding only.
        FeaturizingTestData.AssertClose(embedder.Embed(sequences), [.. featurized.Select(r => r.Features)], 1e-5);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, model.Config.HiddenSize), output.Schema["Features"].Type);
    }

    [Fact]
    public void Transform_FeaturesReadOnSomeRowsOnly_EachReadRowGetsItsOwnVector()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(23);
        IDataView data = FeaturizingTestData.Load(s_context, sequences);
        IDataView output = FeaturizingTestData.Estimator(s_context, model, new AgroNTEmbeddingOptions { BatchSize = 2 }, readAheadRows: 5).Fit(data).Transform(data);
        IReadOnlyList<float[]> expected = new AgroNTEmbedder(model).Embed(sequences);
        int[] wanted = [0, 7, 8, 19, 22];

        var actual = new List<float[]>();
        using (DataViewRowCursor cursor = output.GetRowCursor(output.Schema))
        {
            ValueGetter<VBuffer<float>> features = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
            VBuffer<float> value = default;
            while (cursor.MoveNext())
            {
                if (wanted.Contains((int)cursor.Position))
                {
                    features(ref value);
                    features(ref value); // a second read of the same row serves the same vector
                    actual.Add(value.DenseValues().ToArray());
                }
            }
        }

        FeaturizingTestData.AssertClose([.. wanted.Select(i => expected[i])], actual, 1e-5);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(80)]
    public void Transform_TokenIdsFromTokenizeDna_EqualTextInput(int? fixedLength)
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(20);
        IDataView data = FeaturizingTestData.Load(s_context, sequences);
        List<float[]> fromText = FeaturizingTestData.ReadFeatures(FeaturizingTestData.Estimator(s_context, model).Fit(data).Transform(data));

        var pipeline = s_context.Transforms.TokenizeDna(new KmerTokenizingOptions { ModelFolder = SharedData.TinyModel, FixedLength = fixedLength })
            .Append(s_context.Transforms.Conversion.ConvertType("TokenIds64", "TokenIds", DataKind.Int64))
            .Append(FeaturizingTestData.Estimator(s_context, model, input: "TokenIds"));
        IDataView tokens = pipeline.Fit(data).Transform(data);
        IDataView fromInt64 = FeaturizingTestData.Estimator(s_context, model, input: "TokenIds64").Fit(tokens).Transform(tokens);

        Assert.Equal(fixedLength is null ? 0 : fixedLength, ((VectorDataViewType)tokens.Schema["TokenIds"].Type).Size);
        Assert.Equal(fromText, FeaturizingTestData.ReadFeatures(tokens));
        Assert.Equal(fromText, FeaturizingTestData.ReadFeatures(fromInt64));
    }

    [Fact]
    public void Transform_TokenRowLongerThanTheWindow_ThrowsNamingRowAndColumn()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        int[] tooLong = [model.Tokenizer.Vocabulary.ClsId, .. Enumerable.Repeat(7, 1100), 1, 1];
        IDataView data = s_context.Data.LoadFromEnumerable<TokenIdsRow>([new() { TokenIds = [model.Tokenizer.Vocabulary.ClsId, 7, 8] }, new() { TokenIds = tooLong }]);
        IDataView output = FeaturizingTestData.Estimator(s_context, model, input: "TokenIds").Fit(data).Transform(data);

        var error = Assert.Throws<DnaTokenizationException>(() => FeaturizingTestData.ReadFeatures(output));

        Assert.Equal("row 1 of column TokenIds", error.SequenceName);
        Assert.Equal(1101, error.TokenCount);
        Assert.Equal(1024, error.MaxTokens);
        Assert.Contains("row 1 of column TokenIds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 7, 8, 9 }, "not <cls>")]
    [InlineData(new[] { 3, 8, 5000 }, "token id 5000")]
    [InlineData(new[] { 1, 1 }, "no token ids")]
    public void Transform_InvalidTokenRow_ThrowsNamingTheRow(int[] ids, string expected)
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        Assert.Equal(3, model.Tokenizer.Vocabulary.ClsId);
        IDataView data = s_context.Data.LoadFromEnumerable<TokenIdsRow>([new() { TokenIds = ids }]);
        IDataView output = FeaturizingTestData.Estimator(s_context, model, input: "TokenIds").Fit(data).Transform(data);

        var error = Assert.Throws<InvalidDataException>(() => FeaturizingTestData.ReadFeatures(output));

        Assert.Contains("row 0 of column TokenIds", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_BadDnaInALaterRow_NamesThatRowAndRereadingGivesTheSameError()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC", "ACGTAC", "AC-GT"]);
        IDataView output = FeaturizingTestData.Estimator(s_context, model).Fit(data).Transform(data);

        using DataViewRowCursor cursor = output.GetRowCursor(output.Schema);
        ValueGetter<VBuffer<float>> features = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
        VBuffer<float> value = default;
        Assert.True(cursor.MoveNext());

        Assert.Equal("row 2 of column Sequence", Assert.Throws<DnaTokenizationException>(() => features(ref value)).SequenceName);
        Assert.Equal("row 2 of column Sequence", Assert.Throws<DnaTokenizationException>(() => features(ref value)).SequenceName);
    }

    [Fact]
    public void Transform_OutputColumnNotRequested_RunsNoModel()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(30));
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model).Fit(data);
        IDataView output = transformer.Transform(data);

        float[] labels = [.. output.GetColumn<float>("Label")];
        int rowsInSet = 0;
        foreach (DataViewRowCursor cursor in output.GetRowCursorSet([output.Schema["Label"]], 3))
        {
            using (cursor)
            {
                Assert.False(cursor.IsColumnActive(output.Schema["Features"]));
                Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]));
                while (cursor.MoveNext())
                {
                    rowsInSet++;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 30).Select(i => (float)i), labels);
        Assert.Equal(30, rowsInSet);
        Assert.Equal(0, transformer.Embedder.ComputedTokens);
        Assert.Single(output.GetRowCursorSet(output.Schema, 3)).Dispose();
        Assert.False(output.CanShuffle);
    }

    [Fact]
    public void Transform_ManyRows_LeavesNoLiveTensors()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        IDataView data = FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(120));
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model, new AgroNTEmbeddingOptions { BatchSize = 4 }).Fit(data);
        FeaturizingTestData.ReadFeatures(transformer.Transform(FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(8)))); // warm-up

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        List<float[]> features = FeaturizingTestData.ReadFeatures(transformer.Transform(data));

        Assert.Equal(120, features.Count);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Transform_SourceGivesCursorsDifferentRows_FailsInsteadOfMislabelling()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        IDataView data = new DriftingDataView(FeaturizingTestData.Load(s_context, FeaturizingTestData.MixedLengths(6)));
        IDataView output = FeaturizingTestData.Estimator(s_context, model).Fit(data).Transform(data);

        using DataViewRowCursor cursor = output.GetRowCursor(output.Schema);
        ValueGetter<VBuffer<float>> features = cursor.GetGetter<VBuffer<float>>(output.Schema["Features"]);
        VBuffer<float> value = default;
        Assert.True(cursor.MoveNext());

        var error = Assert.Throws<InvalidOperationException>(() => features(ref value));
        Assert.Contains("mlContext.Data.Cache", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_WindowsPolicyOnLongSequences_CombinesWindowsLikeTheEmbedder()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny(LengthPolicy.Windows);
        string bac = SequenceReader.ReadFile(Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa")).Single().Sequence;
        string[] sequences = [bac[..9000], "ACGTACGGT", bac[20000..27000]];
        var embedding = new AgroNTEmbeddingOptions { WindowAggregation = WindowAggregation.Mean };
        IDataView data = FeaturizingTestData.Load(s_context, sequences);

        List<float[]> actual = FeaturizingTestData.ReadFeatures(FeaturizingTestData.Estimator(s_context, model, embedding).Fit(data).Transform(data));

        Assert.Equal(new AgroNTEmbedder(model, embedding).Embed(sequences), actual);
    }

    [Theory]
    [InlineData(Pooling.Tokens)]
    [InlineData(Pooling.PerNucleotide)]
    public void Transform_PerPositionPooling_GivesVariableSizeVectors(Pooling pooling)
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(5);
        var embedding = new AgroNTEmbeddingOptions { Pooling = pooling };
        IDataView data = FeaturizingTestData.Load(s_context, sequences);

        IDataView output = FeaturizingTestData.Estimator(s_context, model, embedding).Fit(data).Transform(data);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single), output.Schema["Features"].Type);
        Assert.Equal(new AgroNTEmbedder(model, embedding).Embed(sequences), FeaturizingTestData.ReadFeatures(output));
    }

    [Fact]
    public void CreatePredictionEngine_SmallClass_GivesTheTransformVector()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(6);
        IDataView data = FeaturizingTestData.Load(s_context, sequences);
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model).Fit(data);
        List<float[]> transformed = FeaturizingTestData.ReadFeatures(transformer.Transform(data));

        using PredictionEngine<DnaRow, FeaturesRow> engine = s_context.Model.CreatePredictionEngine<DnaRow, FeaturesRow>(transformer);

        for (int i = sequences.Length - 1; i >= 0; i--)
        {
            FeaturesRow row = engine.Predict(new DnaRow { Sequence = sequences[i], Label = 40 + i });
            FeaturizingTestData.AssertClose([transformed[i]], [row.Features], 1e-5);
            Assert.Equal(40 + i, row.Label);
        }
    }

    [Fact]
    public void Transform_DataFrameRoundTrip_KeepsColumnsAndAddsFeatures()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        string[] sequences = FeaturizingTestData.MixedLengths(12);
        var frame = new DataFrame(
            new StringDataFrameColumn("Sequence", sequences),
            new PrimitiveDataFrameColumn<int>("Id", Enumerable.Range(100, sequences.Length)));
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model).Fit(frame);

        DataFrame result = transformer.Transform(frame).ToDataFrame(-1);

        List<float[]> expected = FeaturizingTestData.EmbedInBlocks(new AgroNTEmbedder(model), sequences, transformer.ReadAheadRows);
        Assert.Equal(sequences.Length, result.Rows.Count);
        Assert.Equal(sequences, result.Columns["Sequence"].Cast<string>());
        Assert.Equal(Enumerable.Range(100, sequences.Length), result.Columns["Id"].Cast<int?>().Select(i => i!.Value));
        DataFrameColumn features = result.Columns["Features"];
        for (int row = 0; row < sequences.Length; row++)
        {
            Assert.Equal(expected[row], ((VBuffer<float>)features[row]).DenseValues());
        }
    }

    [Fact]
    public void ModelSave_ByMLNet_IsRefusedWithTheAlternative()
    {
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC"]);
        AgroNTFeaturizingTransformer transformer = FeaturizingTestData.Estimator(s_context, model).Fit(data);
        using var stream = new MemoryStream();

        var error = Assert.ThrowsAny<Exception>(() => s_context.Model.Save(transformer, data.Schema, stream));

        Assert.Contains("mlContext.Model.SaveAgroNT", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_FittedFromAFolder_DisposesItsOwnModelOnly()
    {
        using AgroNTModel shared = FeaturizingTestData.LoadTiny();
        IDataView data = FeaturizingTestData.Load(s_context, ["ACGTAC"]);
        AgroNTFeaturizingTransformer borrowing = FeaturizingTestData.Estimator(s_context, shared).Fit(data);
        AgroNTFeaturizingTransformer owning = s_context.Transforms.FeaturizeAgroNT("Features", "Sequence", SharedData.TinyModel).Fit(data);
        torch.Tensor weight = owning.Model.Network.parameters().First();

        borrowing.Dispose();
        owning.Dispose();

        Assert.Single(FeaturizingTestData.ReadFeatures(FeaturizingTestData.Estimator(s_context, shared).Fit(data).Transform(data)));
        Assert.True(weight.IsInvalid);
        Assert.Throws<ObjectDisposedException>(() => owning.Transform(data));
    }

    private static string Flatten(Exception error) => error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);

    /// <summary>A source whose every new cursor starts one row later than the previous one: not deterministic across cursors.</summary>
    private sealed class DriftingDataView(IDataView source) : IDataView
    {
        private int _cursors;

        public bool CanShuffle => false;

        public DataViewSchema Schema => source.Schema;

        public long? GetRowCount() => null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            DataViewRowCursor cursor = source.GetRowCursor(columnsNeeded, rand);
            for (int i = 0; i < _cursors; i++)
            {
                cursor.MoveNext();
            }

            _cursors++;
            return cursor;
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];
    }
}
