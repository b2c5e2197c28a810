using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms;

/// <summary>
/// Turns a text column of DNA into AgroNT token ids (and an attention mask), row by row and lazily: nothing is read
/// or computed until a cursor moves. Made by <see cref="KmerTokenizingEstimator"/>
/// (<c>mlContext.Transforms.TokenizeDna(...)</c>). Immutable and thread-safe.
/// </summary>
/// <remarks>
/// ML.NET cannot save transformers from outside its own assemblies (<c>mlContext.Model.Save</c> throws for this one);
/// use <see cref="Save(string)"/> and <see cref="Load(string)"/>, a versioned zip holding a JSON manifest and the
/// vocabulary (see <see cref="KmerTokenizingTransformerFormat"/>).
/// </remarks>
public sealed class KmerTokenizingTransformer : ITransformer
{
    internal KmerTokenizingTransformer(KmerTokenizer tokenizer, string inputColumnName, string outputColumnName, string? attentionMaskColumnName, int? fixedLength)
    {
        Tokenizer = tokenizer;
        InputColumnName = inputColumnName;
        OutputColumnName = outputColumnName;
        AttentionMaskColumnName = attentionMaskColumnName;
        FixedLength = fixedLength;
        OutputType = new VectorDataViewType(NumberDataViewType.Int32, fixedLength ?? 0);
    }

    /// <summary>The tokenizer.</summary>
    public KmerTokenizer Tokenizer { get; }

    /// <summary>The text column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The token-id column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The attention-mask column written, or <see langword="null"/>.</summary>
    public string? AttentionMaskColumnName { get; }

    /// <summary>The fixed vector length, or <see langword="null"/> for variable-length vectors.</summary>
    public int? FixedLength { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <summary>The type of both output columns: a vector of <see cref="int"/>, of <see cref="FixedLength"/> or variable size.</summary>
    internal VectorDataViewType OutputType { get; }

    /// <summary>The most ids one row holds.</summary>
    internal int Limit => FixedLength ?? Tokenizer.MaxTokens;

    /// <summary>Reads a transformer written by <see cref="Save(string)"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The transformer, producing output identical to the saved one's.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a saved transformer, or written by a newer format version.</exception>
    public static KmerTokenizingTransformer Load(string path) => KmerTokenizingTransformerFormat.Load(path);

    /// <summary>Reads a transformer written by <see cref="Save(Stream)"/>.</summary>
    /// <param name="stream">A readable, seekable stream.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="InvalidDataException">Not a saved transformer, or written by a newer format version.</exception>
    public static KmerTokenizingTransformer Load(Stream stream) => KmerTokenizingTransformerFormat.Load(stream, "the stream");

    /// <summary>
    /// Writes the transformer (columns, tokenizer options, vocabulary) to a file, replacing it atomically: the data
    /// goes to a temporary file in the same folder, which is then renamed over <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The file; its folder must exist.</param>
    public void Save(string path) => KmerTokenizingTransformerFormat.Save(this, path);

    /// <summary>Writes the transformer to a stream (a zip archive).</summary>
    /// <param name="stream">A writable stream.</param>
    public void Save(Stream stream) => KmerTokenizingTransformerFormat.Save(this, stream);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new KmerTokenizingBindings(this, inputSchema).OutputSchema;
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new KmerTokenizingMapper(new KmerTokenizingBindings(this, inputSchema));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new KmerTokenizingDataView(input, new KmerTokenizingBindings(this, input.Schema));
    }

    /// <summary>Not supported: ML.NET's model format only takes transformers it can load itself.</summary>
    /// <param name="ctx">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "mlContext.Model.Save cannot store KmerTokenizingTransformer (ML.NET's model format only loads its own transformers). "
            + "Save it with transformer.Save(path) and read it back with KmerTokenizingTransformer.Load(path).");

    /// <summary>Finds the input column and checks that it holds text; the one schema check shared by estimator and transformer.</summary>
    internal static DataViewSchema.Column CheckInputColumn(DataViewSchema schema, string columnName)
    {
        DataViewSchema.Column? column = schema.GetColumnOrNull(columnName);
        if (column is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", columnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        }

        if (column.Value.Type is not TextDataViewType)
        {
            ThrowHelper.ThrowColumnType("input column", columnName, "Text (ReadOnlyMemory<char>, a string in a class) holding one DNA sequence per row", ThrowHelper.DescribeType(column.Value));
        }

        return column.Value;
    }
}
