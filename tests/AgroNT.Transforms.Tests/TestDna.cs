using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Tests;

/// <summary>A row of DNA for ML.NET tests.</summary>
public sealed class DnaRow
{
    public string Sequence { get; set; } = string.Empty;

    public float Label { get; set; }
}

/// <summary>A tokenized row read back from ML.NET.</summary>
public sealed class TokenizedRow
{
    public int[] TokenIds { get; set; } = [];

    public int[] AttentionMask { get; set; } = [];

    public float Label { get; set; }
}

/// <summary>Shared inputs of the transform tests.</summary>
internal static class TestDna
{
    public static readonly string[] Sequences =
    [
        "ATCCCGGNNTCGACACN",
        "ATATACGGCCGNC",
        "acgtacgtacgtRYA",
        "",
        "GGGTATCGCTTCCGAC",
    ];

    public static KmerTokenizer Tokenizer { get; } = KmerTokenizer.Create(SharedData.TinyModel);

    public static IDataView Load(MLContext context, IEnumerable<string>? sequences = null) =>
        context.Data.LoadFromEnumerable((sequences ?? Sequences).Select((s, i) => new DnaRow { Sequence = s, Label = i }));

    public static int[] Expected(string sequence, KmerTokenizer? tokenizer = null) => (tokenizer ?? Tokenizer).EncodeToIds(sequence, sequenceName: null);

    public static List<int[]> ReadIds(IDataView view, string column = "TokenIds")
    {
        var rows = new List<int[]>();
        using DataViewRowCursor cursor = view.GetRowCursor([view.Schema[column]]);
        ValueGetter<VBuffer<int>> getter = cursor.GetGetter<VBuffer<int>>(view.Schema[column]);
        VBuffer<int> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            rows.Add(value.DenseValues().ToArray());
        }

        return rows;
    }
}
