using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

public sealed class KmerTokenizingTransformerTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static KmerTokenizingTransformer Fit(IDataView data, int? fixedLength = null, KmerTokenizer? tokenizer = null) =>
        s_context.Transforms.TokenizeDna(new KmerTokenizingOptions { Tokenizer = tokenizer ?? TestDna.Tokenizer, FixedLength = fixedLength }).Fit(data);

    [Fact]
    public void Transform_VariableLength_EveryRowMatchesTheTokenizer()
    {
        IDataView data = TestDna.Load(s_context);

        IDataView output = Fit(data).Transform(data);

        Assert.Equal(TestDna.Sequences.Select(s => TestDna.Expected(s)), TestDna.ReadIds(output));
        Assert.Equal(TestDna.Sequences.Select(s => Enumerable.Repeat(1, TestDna.Expected(s).Length).ToArray()), TestDna.ReadIds(output, "AttentionMask"));
        Assert.Equal(0, ((VectorDataViewType)output.Schema["TokenIds"].Type).Size);
        Assert.Equal(NumberDataViewType.Int32, ((VectorDataViewType)output.Schema["TokenIds"].Type).ItemType);
    }

    [Fact]
    public void Transform_FixedLength_PadsWithPadAndMaskZero()
    {
        IDataView data = TestDna.Load(s_context);

        TokenizedRow[] rows = [.. s_context.Data.CreateEnumerable<TokenizedRow>(Fit(data, fixedLength: 20).Transform(data), reuseRowObject: false)];

        Assert.Equal(5, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            int[] expected = TestDna.Expected(TestDna.Sequences[i]);
            Assert.Equal(20, rows[i].TokenIds.Length);
            Assert.Equal(expected, rows[i].TokenIds.Take(expected.Length));
            Assert.All(rows[i].TokenIds.Skip(expected.Length), id => Assert.Equal(1, id));
            Assert.Equal(Enumerable.Repeat(1, expected.Length).Concat(Enumerable.Repeat(0, 20 - expected.Length)), rows[i].AttentionMask);
            Assert.Equal(i, rows[i].Label);
        }
    }

    [Fact]
    public void Transform_TooLongForFixedLengthUnderError_NamesTheRow()
    {
        IDataView data = TestDna.Load(s_context);

        var error = Assert.Throws<DnaTokenizationException>(() => TestDna.ReadIds(Fit(data, fixedLength: 8).Transform(data)));

        Assert.Equal("row 1 of column Sequence", error.SequenceName);
        Assert.Equal(8, error.MaxTokens);
    }

    [Fact]
    public void Transform_InvalidCharacter_NamesRowPositionAndCharacter()
    {
        IDataView data = TestDna.Load(s_context, ["ACGT", "ACGT", "AC-GT"]);

        var error = Assert.Throws<DnaTokenizationException>(() => TestDna.ReadIds(Fit(data).Transform(data)));

        Assert.Equal("row 2 of column Sequence", error.SequenceName);
        Assert.Equal(2, error.Position);
        Assert.Equal('-', error.Character);
    }

    [Fact]
    public void Transform_InfiniteSource_ReadsRowByRowWithoutMaterialising()
    {
        int pulled = 0;
        IEnumerable<DnaRow> Endless()
        {
            for (int i = 0; ; i++)
            {
                pulled++;
                yield return new DnaRow { Sequence = TestDna.Sequences[i % TestDna.Sequences.Length], Label = i };
            }
        }

        IDataView data = s_context.Data.LoadFromEnumerable(Endless());
        IDataView output = Fit(data).Transform(data);
        Assert.Equal(0, pulled);

        using DataViewRowCursor cursor = output.GetRowCursor(output.Schema);
        ValueGetter<VBuffer<int>> ids = cursor.GetGetter<VBuffer<int>>(output.Schema["TokenIds"]);
        VBuffer<int> value = default;
        for (int row = 0; row < 3; row++)
        {
            Assert.True(cursor.MoveNext());
            ids(ref value);
            Assert.Equal(TestDna.Expected(TestDna.Sequences[row]), value.DenseValues());
        }

        Assert.InRange(pulled, 3, 4);
        Assert.Null(output.GetRowCount());
    }

    [Fact]
    public void Transform_CursorSet_CoversEveryRowOnce()
    {
        string[] sequences = [.. Enumerable.Range(0, 200).Select(i => TestVocabularyDna(i))];
        IDataView data = s_context.Data.Cache(TestDna.Load(s_context, sequences));
        IDataView output = Fit(data).Transform(data);

        DataViewRowCursor[] cursors = output.GetRowCursorSet([output.Schema["TokenIds"], output.Schema["Label"]], 2);
        var seen = new Dictionary<float, int[]>();
        foreach (DataViewRowCursor cursor in cursors)
        {
            using (cursor)
            {
                ValueGetter<VBuffer<int>> ids = cursor.GetGetter<VBuffer<int>>(output.Schema["TokenIds"]);
                ValueGetter<float> label = cursor.GetGetter<float>(output.Schema["Label"]);
                VBuffer<int> value = default;
                float index = 0;
                while (cursor.MoveNext())
                {
                    ids(ref value);
                    label(ref index);
                    seen.Add(index, value.DenseValues().ToArray());
                }
            }
        }

        Assert.Equal(200, seen.Count);
        Assert.All(seen, pair => Assert.Equal(TestDna.Expected(sequences[(int)pair.Key]), pair.Value));
    }

    [Fact]
    public void GetGetter_WrongTypeOrInactiveColumn_ThrowsClearly()
    {
        IDataView data = TestDna.Load(s_context);
        IDataView output = Fit(data).Transform(data);

        using DataViewRowCursor cursor = output.GetRowCursor([output.Schema["TokenIds"]]);

        Assert.Contains("VBuffer<int>", Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<int[]>(output.Schema["TokenIds"])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<VBuffer<int>>(output.Schema["AttentionMask"]));
        Assert.True(cursor.IsColumnActive(output.Schema["TokenIds"]));
        Assert.False(cursor.IsColumnActive(output.Schema["AttentionMask"]));
    }

    [Fact]
    public void Transform_OutputNamedLikeInput_HidesTheInputColumn()
    {
        IDataView data = TestDna.Load(s_context);
        KmerTokenizingTransformer transformer = s_context.Transforms
            .TokenizeDna(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer, OutputColumnName = "Sequence", AttentionMaskColumnName = null })
            .Fit(data);

        IDataView output = transformer.Transform(data);

        Assert.IsType<VectorDataViewType>(output.Schema["Sequence"].Type);
        Assert.Equal(TestDna.Sequences.Select(s => TestDna.Expected(s)), TestDna.ReadIds(output, "Sequence"));
        Assert.DoesNotContain(output.Schema, c => c.Name == "AttentionMask");
    }

    [Fact]
    public void CreatePredictionEngine_SuccessiveInputs_EachGetsItsOwnTokens()
    {
        IDataView data = TestDna.Load(s_context);
        KmerTokenizingTransformer transformer = Fit(data, fixedLength: 24);

        using PredictionEngine<DnaRow, TokenizedRow> engine = s_context.Model.CreatePredictionEngine<DnaRow, TokenizedRow>(transformer);

        foreach (string sequence in TestDna.Sequences.Concat(TestDna.Sequences.Reverse()))
        {
            TokenizedRow row = engine.Predict(new DnaRow { Sequence = sequence, Label = 7 });
            int[] expected = TestDna.Expected(sequence);
            Assert.Equal(expected, row.TokenIds.Take(expected.Length));
            Assert.Equal(24, row.TokenIds.Length);
            Assert.Equal(expected.Length, row.AttentionMask.Sum());
            Assert.Equal(7, row.Label);
        }
    }

    [Fact]
    public void Transform_DataFrameRoundTrip_KeepsColumnsAndAddsTokens()
    {
        var frame = new DataFrame(
            new StringDataFrameColumn("Sequence", TestDna.Sequences),
            new PrimitiveDataFrameColumn<int>("Id", Enumerable.Range(100, TestDna.Sequences.Length)));
        KmerTokenizingTransformer transformer = Fit(frame);

        DataFrame result = transformer.Transform(frame).ToDataFrame(-1);

        Assert.Equal(TestDna.Sequences.Length, result.Rows.Count);
        Assert.Equal(TestDna.Sequences, result.Columns["Sequence"].Cast<string>());
        Assert.Equal(Enumerable.Range(100, TestDna.Sequences.Length), result.Columns["Id"].Cast<int?>().Select(i => i!.Value));
        DataFrameColumn ids = result.Columns["TokenIds"];
        for (int row = 0; row < TestDna.Sequences.Length; row++)
        {
            Assert.Equal(TestDna.Expected(TestDna.Sequences[row]), ((VBuffer<int>)ids[row]).DenseValues());
        }
    }

    [Fact]
    public void ModelSave_ByMLNet_IsRefusedWithTheAlternative()
    {
        IDataView data = TestDna.Load(s_context);
        KmerTokenizingTransformer transformer = Fit(data);
        using var stream = new MemoryStream();

        var error = Assert.ThrowsAny<Exception>(() => s_context.Model.Save(transformer, data.Schema, stream));

        Assert.Contains("transformer.Save(path)", Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) => error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);

    private static string TestVocabularyDna(int seed) => Tokenization.TestVocabularies.RandomDna(new Random(seed), 50 + seed, "ACGTN");
}
