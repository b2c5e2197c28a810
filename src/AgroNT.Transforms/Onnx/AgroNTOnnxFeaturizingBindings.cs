using AgroNT.Transforms.Featurizing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Onnx;

/// <summary>
/// How one input schema maps through an <see cref="AgroNTOnnxFeaturizingTransformer"/>: the shared
/// <see cref="FeaturizingSchema"/> and read-ahead <see cref="BlockFeaturizer{TInput}"/>, with this featurizer's input
/// reader and its <see cref="AgroNTOnnxEmbedder"/> as the embedding function.
/// </summary>
internal sealed class OnnxFeaturizingBindings
{
    public OnnxFeaturizingBindings(AgroNTOnnxFeaturizingTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        (var inputColumn, InputKind) = AgroNTOnnxFeaturizingTransformer.CheckInputColumn(inputSchema, transformer.InputColumnName);
        if (InputKind != OnnxFeaturizingInput.Text && transformer.Embedder.Options.Strand != Embeddings.Strand.Forward)
        {
            throw new ArgumentException(
                $"AgroNTOnnxEmbedderOptions.Strand is {transformer.Embedder.Options.Strand}, which reverse-complements DNA text, but the input column '{transformer.InputColumnName}' holds token ids. "
                + "Featurize the text column instead, or set Strand to Strand.Forward.", nameof(inputSchema));
        }
        Schema = new FeaturizingSchema(inputSchema, inputColumn, transformer.OutputColumnName, transformer.OutputType);
        Featurizer = new BlockFeaturizer<(string? Text, int[]? Ids)>(Schema, transformer.RowsPerBlock, CreateReader, Embed, transformer.EmbeddingCacheBytes);
    }

    public AgroNTOnnxFeaturizingTransformer Transformer { get; }

    public FeaturizingSchema Schema { get; }

    public BlockFeaturizer<(string? Text, int[]? Ids)> Featurizer { get; }

    public OnnxFeaturizingInput InputKind { get; }

    /// <summary>Reads the current row's input as DNA text or token ids (the row's number is not needed: the embedder names rows).</summary>
    private Func<long, (string? Text, int[]? Ids)> CreateReader(DataViewRow row)
    {
        DataViewSchema.Column column = row.Schema[Schema.InputColumn.Index];
        int pad = Transformer.Embedder.Tokenizer.Vocabulary.PadId;
        switch (InputKind)
        {
            case OnnxFeaturizingInput.Text:
                var text = row.GetGetter<ReadOnlyMemory<char>>(column);
                return _ =>
                {
                    ReadOnlyMemory<char> value = default;
                    text(ref value);
                    return (value.ToString(), null);
                };
            case OnnxFeaturizingInput.Int32Ids:
                var ints = row.GetGetter<VBuffer<int>>(column);
                return _ =>
                {
                    VBuffer<int> value = default;
                    ints(ref value);
                    return (null, TrimPadding(value.DenseValues().ToArray(), pad));
                };
            default:
                var longs = row.GetGetter<VBuffer<long>>(column);
                return _ =>
                {
                    VBuffer<long> value = default;
                    longs(ref value);
                    return (null, TrimPadding(value.DenseValues().Select(checked(v => (int)v)).ToArray(), pad));
                };
        }
    }

    /// <summary>Embeds consecutive rows read by <see cref="CreateReader"/>; <paramref name="firstRow"/> names rows in errors.</summary>
    private IReadOnlyList<float[]> Embed(IReadOnlyList<(string? Text, int[]? Ids)> rows, long firstRow)
    {
        var embedder = Transformer.Embedder;
        if (InputKind == OnnxFeaturizingInput.Text)
        {
            return embedder.Embed([.. rows.Select(r => r.Text!)], [.. Enumerable.Range(0, rows.Count).Select(i => Schema.RowName(firstRow + i))]);
        }
        return embedder.EmbedTokenIds([.. rows.Select(r => r.Ids!)]);
    }

    private static int[] TrimPadding(int[] ids, int pad)
    {
        int length = ids.Length;
        while (length > 0 && ids[length - 1] == pad)
        {
            length--;
        }
        return length == ids.Length ? ids : ids[..length];
    }
}
