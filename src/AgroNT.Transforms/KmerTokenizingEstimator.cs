using AgroNT.Transforms.Tokenization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms;

/// <summary>
/// Estimator for <see cref="KmerTokenizingTransformer"/>: tokenizes a text column of DNA into AgroNT token ids and
/// an attention mask. Nothing is learned; <see cref="Fit(IDataView)"/> only checks the schema. Create it with
/// <c>mlContext.Transforms.TokenizeDna(...)</c> (<see cref="DnaCatalog"/>).
/// </summary>
public sealed class KmerTokenizingEstimator : IEstimator<KmerTokenizingTransformer>
{
    private readonly KmerTokenizingTransformer _transformer;

    /// <summary>Creates the estimator; the vocabulary is read here, so a bad model folder fails at once.</summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">Inconsistent options (both or neither of a model folder and a tokenizer,
    /// tokenizer options beside a ready tokenizer, <see cref="LengthPolicy.Windows"/>, a fixed length out of range,
    /// clashing column names).</exception>
    public KmerTokenizingEstimator(KmerTokenizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options));
        if (options.AttentionMaskColumnName is { } mask && (string.IsNullOrWhiteSpace(mask) || mask == options.OutputColumnName))
        {
            ThrowHelper.ThrowArgument(nameof(options), $"The attention-mask column needs a name of its own; got '{mask}' (token ids go to '{options.OutputColumnName}'). Use null for no mask.");
        }

        KmerTokenizer tokenizer = (options.ModelFolder, options.Tokenizer) switch
        {
            ({ } folder, null) => KmerTokenizer.Create(folder, options.TokenizerOptions),
            (null, { } ready) when options.TokenizerOptions is null => ready,
            (null, not null) => throw new ArgumentException("TokenizerOptions apply to a ModelFolder; a ready Tokenizer keeps its own options (create it with the options you want).", nameof(options)),
            _ => throw new ArgumentException("Give exactly one of KmerTokenizingOptions.ModelFolder and KmerTokenizingOptions.Tokenizer.", nameof(options)),
        };

        if (tokenizer.Options.LengthPolicy == LengthPolicy.Windows)
        {
            ThrowHelper.ThrowArgument(nameof(options),
                "LengthPolicy.Windows makes several model inputs of one sequence, but this transform writes one row per input row. "
                + "Use LengthPolicy.Truncate or Error here, or window sequences with KmerTokenizer.EncodeWindows.");
        }

        int clsCount = tokenizer.Options.AddClsToken ? 1 : 0;
        if (options.FixedLength is { } length && (length <= clsCount || length > tokenizer.MaxTokens))
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), length, $"FixedLength must be between {clsCount + 1} and the tokenizer's MaxTokens ({tokenizer.MaxTokens}).");
        }

        Options = options;
        _transformer = new KmerTokenizingTransformer(tokenizer, options.InputColumnName, options.OutputColumnName, options.AttentionMaskColumnName, options.FixedLength);
    }

    /// <summary>The settings the estimator was created with.</summary>
    public KmerTokenizingOptions Options { get; }

    /// <summary>The tokenizer the transformer will use.</summary>
    public KmerTokenizer Tokenizer => _transformer.Tokenizer;

    /// <summary>Checks the input schema and returns the transformer.</summary>
    /// <param name="input">Data with the input text column.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    public KmerTokenizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        KmerTokenizingTransformer.CheckInputColumn(input.Schema, Options.InputColumnName);
        return _transformer;
    }

    /// <summary>The transformer, without a schema check (for loading saved transformers).</summary>
    internal KmerTokenizingTransformer Fit() => _transformer;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not a scalar text column.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? input = inputSchema.FirstOrDefault(c => c.Name == Options.InputColumnName);
        if (input is not { } column || column.Name is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", Options.InputColumnName, inputSchema.Select(c => c.Name));
            return default;
        }

        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
        {
            ThrowHelper.ThrowColumnType("input column", Options.InputColumnName, "a scalar Text column (one DNA sequence per row)", Describe(column));
        }

        SchemaShape.Column.VectorKind kind = Options.FixedLength is null ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector;
        var columns = inputSchema.Where(c => c.Name != Options.OutputColumnName && c.Name != Options.AttentionMaskColumnName).ToList();
        columns.Add(SchemaShapeColumns.Create(Options.OutputColumnName, kind, NumberDataViewType.Int32));
        if (Options.AttentionMaskColumnName is { } mask)
        {
            columns.Add(SchemaShapeColumns.Create(mask, kind, NumberDataViewType.Int32));
        }

        return new SchemaShape(columns);
    }

    private static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => column.ItemType.ToString() ?? "?",
        SchemaShape.Column.VectorKind.Vector => $"Vector<{column.ItemType}>",
        _ => $"VarVector<{column.ItemType}>",
    };
}
