using System.Globalization;
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

/// <summary>
/// How one input schema maps through an <see cref="AgroNTFeaturizingTransformer"/>: the input columns keep their indices
/// (an output named like an input column hides it, as in ML.NET) and the feature column is appended.
/// </summary>
internal sealed class AgroNTFeaturizingBindings
{
    public AgroNTFeaturizingBindings(AgroNTFeaturizingTransformer transformer, DataViewSchema inputSchema)
    {
        Transformer = transformer;
        InputSchema = inputSchema;
        InputColumn = AgroNTFeaturizingTransformer.CheckInputColumn(inputSchema, transformer.InputColumnName);
        InputKind = InputColumn.Type is TextDataViewType ? FeaturizingInputKind.Text
            : ((VectorDataViewType)InputColumn.Type).ItemType.RawType == typeof(int) ? FeaturizingInputKind.Int32Ids
            : FeaturizingInputKind.Int64Ids;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(transformer.OutputColumnName, transformer.OutputType);
        OutputSchema = builder.ToSchema();
        OutputIndex = inputSchema.Count;
    }

    public AgroNTFeaturizingTransformer Transformer { get; }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public DataViewSchema.Column InputColumn { get; }

    public FeaturizingInputKind InputKind { get; }

    public int OutputIndex { get; }

    /// <summary>Whether <paramref name="columns"/> asks for the feature column.</summary>
    public bool IsOutputRequested(IEnumerable<DataViewSchema.Column> columns) => columns.Any(c => c.Index == OutputIndex);

    /// <summary>The input columns a pass-through cursor needs for <paramref name="outputColumns"/> (never the input column for the features' sake).</summary>
    public IEnumerable<DataViewSchema.Column> PassThrough(IEnumerable<DataViewSchema.Column> outputColumns) =>
        outputColumns.Where(c => c.Index < InputSchema.Count).Select(c => c.Index).Distinct().Order().Select(i => InputSchema[i]);

    /// <summary>The input columns needed to produce <paramref name="outputColumns"/> from one input row.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (DataViewSchema.Column column in outputColumns)
        {
            needed.Add(column.Index < InputSchema.Count ? column.Index : InputColumn.Index);
        }

        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>Checks a getter request for the feature column and casts <paramref name="getter"/> to it.</summary>
    public ValueGetter<TValue> OutputGetter<TValue>(DataViewSchema.Column column, bool active, ValueGetter<VBuffer<float>> getter)
    {
        if (!active)
        {
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor or row was created; include it in the active columns.");
        }

        if (typeof(TValue) != typeof(VBuffer<float>))
        {
            throw new InvalidOperationException(
                $"Column '{column.Name}' holds {Transformer.OutputType}; a getter for {typeof(TValue).Name} was requested. Read it as VBuffer<float> (or float[] in a class).");
        }

        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary>How a row is named in errors.</summary>
    public string RowName(long position) => string.Create(CultureInfo.InvariantCulture, $"row {position} of column {InputColumn.Name}");
}

/// <summary>The inputs of one block of rows, embedded together.</summary>
internal sealed class FeaturizingInputs
{
    private readonly List<string> _texts = [];
    private readonly List<string> _names = [];
    private readonly List<int[]> _ids = [];

    public int Count => _texts.Count + _ids.Count;

    public void AddText(string text, string name)
    {
        _texts.Add(text);
        _names.Add(name);
    }

    public void AddIds(int[] ids) => _ids.Add(ids);

    /// <summary>Embeds every input in one embedder call (sorted by length into batches there); results in input order.</summary>
    public IReadOnlyList<float[]> Embed(AgroNTEmbedder embedder) =>
        _ids.Count > 0 ? embedder.EmbedTokenIds(_ids) : embedder.Embed(_texts, _names);

    public void Clear()
    {
        _texts.Clear();
        _names.Clear();
        _ids.Clear();
    }
}

/// <summary>
/// Reads the input column of one row or cursor into <see cref="FeaturizingInputs"/>: text as it is, token ids as a model
/// input (trailing <c>&lt;pad&gt;</c> removed, then checked against the model's window and vocabulary).
/// </summary>
internal sealed class FeaturizingInputReader
{
    private readonly AgroNTFeaturizingBindings _bindings;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _text;
    private readonly ValueGetter<VBuffer<int>>? _int32;
    private readonly ValueGetter<VBuffer<long>>? _int64;
    private readonly KmerVocabulary _vocabulary;
    private readonly int _maxTokens;
    private readonly bool _addsCls;
    private ReadOnlyMemory<char> _textValue;
    private VBuffer<int> _int32Value;
    private VBuffer<long> _int64Value;

    public FeaturizingInputReader(AgroNTFeaturizingBindings bindings, DataViewRow row)
    {
        _bindings = bindings;
        DataViewSchema.Column column = row.Schema[bindings.InputColumn.Index];
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

        KmerTokenizer tokenizer = bindings.Transformer.Model.Tokenizer;
        _vocabulary = tokenizer.Vocabulary;
        _maxTokens = tokenizer.MaxTokens;
        _addsCls = tokenizer.Options.AddClsToken;
    }

    /// <summary>Reads the row's input and adds it to <paramref name="inputs"/>.</summary>
    /// <param name="inputs">The block being filled.</param>
    /// <param name="position">The row's position, for error messages.</param>
    public void ReadInto(FeaturizingInputs inputs, long position)
    {
        if (_text is not null)
        {
            _text(ref _textValue);
            inputs.AddText(_textValue.ToString(), _bindings.RowName(position));
        }
        else if (_int32 is not null)
        {
            _int32(ref _int32Value);
            inputs.AddIds(ToModelInput(_int32Value.IsDense ? _int32Value.GetValues() : _int32Value.DenseValues().ToArray(), position));
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

            inputs.AddIds(ToModelInput(ids, position));
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

        string name = _bindings.RowName(position);
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
            $"{_bindings.RowName(position)} holds the token id {id} at index {index}, outside the model's vocabulary (0 to {_vocabulary.Count - 1}). Were the ids made with another model's vocabulary?"));
}
