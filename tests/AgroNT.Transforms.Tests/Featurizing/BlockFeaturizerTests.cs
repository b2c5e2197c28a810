using AgroNT.Transforms.Featurizing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests.Featurizing;

public sealed class BlockFeaturizerTests
{
    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string Dna { get; set; } = "";
    }

    /// <summary>Yields <paramref name="rows"/> on the first enumeration and only the first <paramref name="later"/> rows afterwards.</summary>
    private sealed class ShrinkingSource(IReadOnlyList<Row> rows, int later) : IEnumerable<Row>
    {
        private int _passes;

        public IEnumerator<Row> GetEnumerator() => rows.Take(_passes++ == 0 ? rows.Count : later).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static List<Row> Rows(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Row { Id = $"r{i}", Dna = new string('A', i + 1) })];

    // Features: [DNA length, row number the block reported for it]; every call is logged as (first row, block size).
    private static BlockFeaturizer<string> Featurizer(IDataView data, int rowsPerBlock, List<(long First, int Count)> calls, Func<long, bool>? fail = null, long cacheBudgetBytes = 0)
    {
        var column = data.Schema["Dna"];
        var schema = new FeaturizingSchema(data.Schema, column, "Features", new VectorDataViewType(NumberDataViewType.Single, 2));
        return new BlockFeaturizer<string>(schema, rowsPerBlock,
            row =>
            {
                var getter = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[column.Index]);
                return _ =>
                {
                    ReadOnlyMemory<char> value = default;
                    getter(ref value);
                    return value.ToString();
                };
            },
            (inputs, first) =>
            {
                calls.Add((first, inputs.Count));
                if (fail?.Invoke(first) == true)
                {
                    throw new InvalidDataException($"bad block at {first}");
                }
                return [.. inputs.Select((dna, i) => new float[] { dna.Length, first + i })];
            },
            cacheBudgetBytes);
    }

    // A cached vector of 2 floats costs its 8 bytes and the cache's 64 bytes of bookkeeping.
    private const long CachedRowBytes = 2 * sizeof(float) + 64;

    [Theory]
    [InlineData(10, 4)]
    [InlineData(3, 8)]
    [InlineData(8, 8)]
    public void Transform_EmbedsBlocksOfConsecutiveRowsAndServesThemInOrder(int count, int rowsPerBlock)
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(count));
        var calls = new List<(long, int)>();

        var features = Featurizer(data, rowsPerBlock, calls).Transform(data).GetColumn<float[]>("Features").ToList();

        Assert.Equal(Enumerable.Range(0, count).Select(i => new float[] { i + 1, i }), features);
        Assert.Equal(Enumerable.Range(0, (count + rowsPerBlock - 1) / rowsPerBlock).Select(b => ((long)b * rowsPerBlock, Math.Min(rowsPerBlock, count - b * rowsPerBlock))), calls);
    }

    [Fact]
    public void Cursor_SkippedRowsAreNotEmbeddedAndPassThroughColumnsStayAligned()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(12));
        var calls = new List<(long, int)>();
        var view = Featurizer(data, 3, calls).Transform(data);

        using var cursor = view.GetRowCursor(view.Schema);
        var id = cursor.GetGetter<ReadOnlyMemory<char>>(view.Schema["Id"]);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        var seen = new List<(string, float[])>();
        while (cursor.MoveNext())
        {
            if (cursor.Position is 1 or 7 or 8)
            {
                ReadOnlyMemory<char> name = default;
                VBuffer<float> value = default;
                id(ref name);
                getter(ref value);
                seen.Add((name.ToString(), value.DenseValues().ToArray()));
            }
        }

        Assert.Equal(["r1", "r7", "r8"], seen.Select(s => s.Item1));
        Assert.Equal([[2f, 1f], [8f, 7f], [9f, 8f]], seen.Select(s => s.Item2));
        Assert.Equal([(1L, 3), (7L, 3)], calls);
    }

    [Fact]
    public void Cursor_SourceWithFewerRowsOnTheSecondPass_FailsLoudly()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(new ShrinkingSource(Rows(6), later: 2));
        var view = Featurizer(data, 2, []).Transform(data);

        using var cursor = view.GetRowCursor(view.Schema);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        VBuffer<float> value = default;
        Assert.True(cursor.MoveNext());
        Assert.True(cursor.MoveNext());
        Assert.True(cursor.MoveNext());
        var error = Assert.Throws<InvalidOperationException>(() => getter(ref value));
        Assert.Contains("different rows at row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cursor_FailedBlock_ReportsTheSameErrorWhenReadAgain()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(6));
        var calls = new List<(long, int)>();
        var view = Featurizer(data, 4, calls, fail: first => first == 0).Transform(data);

        using var cursor = view.GetRowCursor(view.Schema);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        VBuffer<float> value = default;
        Assert.True(cursor.MoveNext());
        Assert.Equal("bad block at 0", Assert.Throws<InvalidDataException>(() => getter(ref value)).Message);
        Assert.Equal("bad block at 0", Assert.Throws<InvalidDataException>(() => getter(ref value)).Message);
        Assert.Equal([(0L, 4), (0L, 4)], calls);
    }

    [Fact]
    public void Mapper_EmbedsOneRowOncePerPosition()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(3));
        var calls = new List<(long, int)>();
        var mapper = Featurizer(data, 4, calls).CreateMapper();

        using var input = data.GetRowCursor(data.Schema);
        var row = mapper.GetRow(input, mapper.OutputSchema);
        var getter = row.GetGetter<VBuffer<float>>(mapper.OutputSchema["Features"]);
        VBuffer<float> value = default;
        input.MoveNext();
        input.MoveNext();
        getter(ref value);
        getter(ref value);

        Assert.Equal([2f, 1f], value.DenseValues());
        Assert.Equal([(1L, 1)], calls);
        Assert.Throws<InvalidOperationException>(() => row.GetGetter<VBuffer<int>>(mapper.OutputSchema["Features"]));
    }

    [Fact]
    public void Transform_SecondPassOverTheSameView_ServedFromTheCacheWithoutEmbedding()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(10));
        var calls = new List<(long, int)>();
        var view = Featurizer(data, 4, calls, cacheBudgetBytes: 1 << 20).Transform(data);

        var firstPass = view.GetColumn<float[]>("Features").ToList();
        var secondPass = view.GetColumn<float[]>("Features").ToList();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => new float[] { i + 1, i }), firstPass);
        Assert.Equal(firstPass, secondPass);
        Assert.Equal([(0L, 4), (4L, 4), (8L, 2)], calls);
    }

    [Fact]
    public void Transform_CacheBudgetSpent_KeepsTheFirstRowsAndEmbedsTheRestAgain()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(12));
        var calls = new List<(long, int)>();
        var view = Featurizer(data, 4, calls, cacheBudgetBytes: 5 * CachedRowBytes).Transform(data);

        var firstPass = view.GetColumn<float[]>("Features").ToList();
        calls.Clear();
        var secondPass = view.GetColumn<float[]>("Features").ToList();

        Assert.Equal(firstPass, secondPass);
        Assert.Equal([(5L, 4), (9L, 3)], calls);
        Assert.Equal(5, ((BlockFeaturizingDataView<string>)view).Cache!.Count);
    }

    [Fact]
    public void Transform_CacheOff_EmbedsOnEveryPassAndEachViewHasItsOwnCache()
    {
        var context = new MLContext(seed: 1);
        var data = context.Data.LoadFromEnumerable(Rows(6));
        var uncachedCalls = new List<(long, int)>();
        var uncached = Featurizer(data, 4, uncachedCalls).Transform(data);
        var cachedCalls = new List<(long, int)>();
        var featurizer = Featurizer(data, 4, cachedCalls, cacheBudgetBytes: 1 << 20);

        _ = uncached.GetColumn<float[]>("Features").ToList();
        _ = uncached.GetColumn<float[]>("Features").ToList();
        _ = featurizer.Transform(data).GetColumn<float[]>("Features").ToList();
        _ = featurizer.Transform(data).GetColumn<float[]>("Features").ToList();

        Assert.Equal([(0L, 4), (4L, 2), (0L, 4), (4L, 2)], uncachedCalls);
        Assert.Equal([(0L, 4), (4L, 2), (0L, 4), (4L, 2)], cachedCalls);
    }
}
