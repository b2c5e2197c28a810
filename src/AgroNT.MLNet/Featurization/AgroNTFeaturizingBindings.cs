using System.Globalization;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Featurizing;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.MLNet.Featurization;

/// <summary>What the input column holds.</summary>
internal enum FeaturizingInputKind
{
    /// <summary>DNA text, tokenized with the model's tokenizer.</summary>
    Text,

    /// <summary>A vector of <see cref="int"/> token ids.</summary>
    Int32Ids,

    /// <summary>A vector of <see cref="long"/> token ids.</summary>
    Int64Ids,
}

/// <summary>One row's input to the TorchSharp featurizer: DNA text, or a model input of token ids.</summary>
internal readonly record struct FeaturizingInput(string? Text, int[]? Ids);

/// <summary>
/// How one input schema maps through an <see cref="AgroNTFeaturizingTransformer"/>: the shared
/// <see cref="FeaturizingSchema"/> and read-ahead <see cref="BlockFeaturizer{TInput}"/>, with this featurizer's input
/// reader and its <see cref="AgroNTEmbedder"/> as the embedding function.
/// </summary>
internal sealed class AgroNTFeaturizingBindings
{
    public AgroNTFeaturizingBindings(AgroNTFeaturizingTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        var inputColumn = AgroNTFeaturizingTransformer.CheckInputColumn(inputSchema, transformer.InputColumnName);
        InputKind = inputColumn.Type is TextDataViewType ? FeaturizingInputKind.Text
            : ((VectorDataViewType)inputColumn.Type).ItemType.RawType == typeof(int) ? FeaturizingInputKind.Int32Ids
            : FeaturizingInputKind.Int64Ids;
        if (InputKind != FeaturizingInputKind.Text && transformer.EmbeddingOptions.Strand != Strand.Forward)
        {
            throw new ArgumentException(
                $"AgroNTFeaturizingOptions.Embedding.Strand is {transformer.EmbeddingOptions.Strand}, which reverse-complements DNA text, but the input column '{transformer.InputColumnName}' holds token ids. "
                + "Featurize the text column instead, or set Strand to Strand.Forward.", nameof(inputSchema));
        }
        Schema = new FeaturizingSchema(inputSchema, inputColumn, transformer.OutputColumnName, transformer.OutputType);
        Featurizer = new BlockFeaturizer<FeaturizingInput>(Schema, transformer.ReadAheadRows, row => new FeaturizingInputReader(this, row).Read, Embed, transformer.EmbeddingCacheBytes);
    }

    public AgroNTFeaturizingTransformer Transformer { get; }

    public FeaturizingSchema Schema { get; }

    public BlockFeaturizer<FeaturizingInput> Featurizer { get; }

    public FeaturizingInputKind InputKind { get; }

    /// <summary>Embeds consecutive rows in one embedder call (sorted by length into batches there); results in input order.</summary>
    private IReadOnlyList<float[]> Embed(IReadOnlyList<FeaturizingInput> inputs, long firstRow)
    {
        var embedder = Transformer.Embedder;
        if (InputKind != FeaturizingInputKind.Text)
        {
            return embedder.EmbedTokenIds([.. inputs.Select(i => i.Ids!)]);
        }

        return embedder.Embed([.. inputs.Select(i => i.Text!)], [.. Enumerable.Range(0, inputs.Count).Select(i => Schema.RowName(firstRow + i))]);
    }
}

/// <summary>
/// Reads the input column of one row or cursor: text as it is, token ids as a model
/// input (trailing <c>&lt;pad&gt;</c> removed, then checked against the model's window and vocabulary).
/// </summary>
internal sealed class FeaturizingInputReader
{
    private readonly AgroNTFeaturizingBindings _bindings;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _text;
    private readonly ValueGetter<VBuffer<int>>? _int32;
    private readonly ValueGetter<VBuffer<long>>? _int64;
    private readonly TokenVocabulary _vocabulary;
    private readonly int _maxTokens;
    private readonly bool _addsCls;
    private ReadOnlyMemory<char> _textValue;
    private VBuffer<int> _int32Value;
    private VBuffer<long> _int64Value;

    public FeaturizingInputReader(AgroNTFeaturizingBindings bindings, DataViewRow row)
    {
        _bindings = bindings;
        DataViewSchema.Column column = row.Schema[bindings.Schema.InputColumn.Index];
        switch (bindings.InputKind)
        {
            case FeaturizingInputKind.Text:
                _text = row.GetGetter<ReadOnlyMemory<char>>(column);
                break;
            case FeaturizingInputKind.Int32Ids:
                _int32 = row.GetGetter<VBuffer<int>>(column);
                break;
            default:
                _int64 = row.GetGetter<VBuffer<long>>(column);
                break;
        }

        SequenceTokenizer tokenizer = bindings.Transformer.Model.Tokenizer;
        _vocabulary = tokenizer.Vocabulary;
        _maxTokens = tokenizer.MaxTokens;
        _addsCls = tokenizer.Options.AddClsToken;
    }

    /// <summary>Reads the row's input.</summary>
    /// <param name="position">The row's position, for error messages.</param>
    public FeaturizingInput Read(long position)
    {
        if (_text is not null)
        {
            _text(ref _textValue);
            return new FeaturizingInput(_textValue.ToString(), null);
        }
        else if (_int32 is not null)
        {
            _int32(ref _int32Value);
            return new FeaturizingInput(null, ToModelInput(_int32Value.IsDense ? _int32Value.GetValues() : _int32Value.DenseValues().ToArray(), position));
        }
        else
        {
            _int64!(ref _int64Value);
            ReadOnlySpan<long> values = _int64Value.IsDense ? _int64Value.GetValues() : _int64Value.DenseValues().ToArray();
            var ids = new int[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] is < 0 or > int.MaxValue)
                {
                    ThrowOutsideVocabulary(position, i, values[i]);
                }

                ids[i] = (int)values[i];
            }

            return new FeaturizingInput(null, ToModelInput(ids, position));
        }
    }

    private int[] ToModelInput(ReadOnlySpan<int> values, long position)
    {
        // TokenizeDna's fixed-length rows end in <pad>; the embedder pads (and masks) batches itself.
        int length = values.Length;
        while (length > 0 && values[length - 1] == _vocabulary.PadId)
        {
            length--;
        }

        string name = _bindings.Schema.RowName(position);
        if (length == 0)
        {
            throw new InvalidDataException($"{name} holds no token ids{(values.Length > 0 ? " (only <pad>)" : "")}; a model input starts with <cls> (tokenize with TokenizeDna).");
        }

        if (length > _maxTokens)
        {
            throw new DnaTokenizationException(
                DnaTokenizationError.TooManyTokens,
                string.Create(CultureInfo.InvariantCulture,
                    $"{name} holds {length} token ids (after removing trailing <pad>), more than the model's window of {_maxTokens}. Token-id input is embedded as it is, one window per row: truncate the ids, or featurize the text column (the tokenizer's LengthPolicy can truncate or window it)."),
                name,
                position: null,
                character: null,
                tokenCount: length,
                maxTokens: _maxTokens);
        }

        if (_addsCls && values[0] != _vocabulary.ClsId)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{name} starts with id {values[0]}, not <cls> (id {_vocabulary.ClsId}), which the model's tokenizer puts first. Tokenize with the model's own tokenizer (TokenizeDna), which adds it."));
        }

        for (int i = 0; i < length; i++)
        {
            if ((uint)values[i] >= (uint)_vocabulary.Count)
            {
                ThrowOutsideVocabulary(position, i, values[i]);
            }
        }

        return values[..length].ToArray();
    }

    private void ThrowOutsideVocabulary(long position, int index, long id) =>
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"{_bindings.Schema.RowName(position)} holds the token id {id} at index {index}, outside the model's vocabulary (0 to {_vocabulary.Count - 1}). Were the ids made with another model's vocabulary?"));
}
