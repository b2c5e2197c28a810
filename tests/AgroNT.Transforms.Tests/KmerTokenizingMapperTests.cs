using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

public sealed class KmerTokenizingMapperTests
{
    private static readonly MLContext s_context = new(seed: 1);

    private static KmerTokenizingTransformer Fit(IDataView data) =>
        s_context.Transforms.TokenizeDna(new KmerTokenizingOptions { Tokenizer = TestDna.Tokenizer }).Fit(data);

    [Fact]
    public void GetDependencies_TokenColumns_NeedOnlyTheInputColumn()
    {
        IDataView data = TestDna.Load(s_context);
        IRowToRowMapper mapper = Fit(data).GetRowToRowMapper(data.Schema);

        Assert.Equal(["Sequence"], mapper.GetDependencies([mapper.OutputSchema["AttentionMask"], mapper.OutputSchema["TokenIds"]]).Select(c => c.Name));
        Assert.Equal(["Label"], mapper.GetDependencies([mapper.OutputSchema["Label"]]).Select(c => c.Name));
        Assert.Empty(mapper.GetDependencies([]));
        Assert.Same(data.Schema, mapper.InputSchema);
    }

    [Fact]
    public void GetRow_OverACursor_FollowsItRowByRow()
    {
        IDataView data = TestDna.Load(s_context);
        IRowToRowMapper mapper = Fit(data).GetRowToRowMapper(data.Schema);
        using DataViewRowCursor input = data.GetRowCursor(data.Schema);

        DataViewRow row = mapper.GetRow(input, [mapper.OutputSchema["TokenIds"], mapper.OutputSchema["Label"]]);

        ValueGetter<VBuffer<int>> ids = row.GetGetter<VBuffer<int>>(row.Schema["TokenIds"]);
        ValueGetter<float> label = row.GetGetter<float>(row.Schema["Label"]);
        VBuffer<int> value = default;
        float index = -1;
        int count = 0;
        while (input.MoveNext())
        {
            ids(ref value);
            ids(ref value);
            label(ref index);
            Assert.Equal(TestDna.Expected(TestDna.Sequences[count]), value.DenseValues());
            Assert.Equal(count, index);
            Assert.Equal(input.Position, row.Position);
            count++;
        }

        Assert.Equal(TestDna.Sequences.Length, count);
        Assert.False(row.IsColumnActive(row.Schema["AttentionMask"]));
    }

    [Fact]
    public void OutputSchema_AppendsColumnsAfterTheInputOnes()
    {
        IDataView data = TestDna.Load(s_context);

        DataViewSchema schema = Fit(data).GetOutputSchema(data.Schema);

        Assert.Equal(["Sequence", "Label", "TokenIds", "AttentionMask"], schema.Select(c => c.Name));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Int32), schema["AttentionMask"].Type);
    }
}
