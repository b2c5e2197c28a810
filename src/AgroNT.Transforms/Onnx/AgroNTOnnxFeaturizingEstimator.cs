using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgroNT.Transforms.Onnx;

/// <summary>
/// Estimator for <see cref="AgroNTOnnxFeaturizingTransformer"/>: embeds a column of DNA (or token ids) with an AgroNT
/// model exported to ONNX. Nothing is learned; <see cref="Fit(IDataView)"/> only checks the schema. Create it with
/// <c>mlContext.Transforms.FeaturizeAgroNTOnnx(...)</c> (<see cref="Microsoft.ML.DnaCatalog"/>).
/// </summary>
public sealed class AgroNTOnnxFeaturizingEstimator : IEstimator<AgroNTOnnxFeaturizingTransformer>
{
    private readonly AgroNTOnnxFeaturizingTransformer _transformer;

    /// <summary>Creates the estimator; the ONNX Runtime session is created here, so a bad model folder fails at once.</summary>
    /// <param name="options">The settings.</param>
    /// <exception cref="ArgumentException">Inconsistent options (both or neither of a model folder and an embedder,
    /// embedder options beside a ready embedder, blank or clashing column names, a non-positive block size, a negative cache budget).</exception>
    public AgroNTOnnxFeaturizingEstimator(AgroNTOnnxFeaturizingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.InputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options));
        if (options.RowsPerBlock <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.RowsPerBlock, "RowsPerBlock must be positive.");
        }

        if (options.EmbeddingCacheBytes < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(options), options.EmbeddingCacheBytes, "EmbeddingCacheBytes must not be negative (0 turns the cache off).");
        }

        (AgroNTOnnxEmbedder embedder, bool owned) = (options.ModelFolder, options.Embedder) switch
        {
            ({ } folder, null) => (new AgroNTOnnxEmbedder(folder, options.EmbedderOptions), true),
            (null, { } ready) when options.EmbedderOptions is null => (ready, false),
            (null, not null) => throw new ArgumentException("EmbedderOptions apply to a ModelFolder; a ready Embedder keeps its own options.", nameof(options)),
            _ => throw new ArgumentException("Give exactly one of AgroNTOnnxFeaturizingOptions.ModelFolder and AgroNTOnnxFeaturizingOptions.Embedder.", nameof(options)),
        };

        Options = options;
        _transformer = new AgroNTOnnxFeaturizingTransformer(embedder, owned, options.InputColumnName, options.OutputColumnName, options.RowsPerBlock, options.EmbeddingCacheBytes);
    }

    /// <summary>The settings the estimator was created with.</summary>
    public AgroNTOnnxFeaturizingOptions Options { get; }

    /// <summary>The embedder the transformer will use.</summary>
    public AgroNTOnnxEmbedder Embedder => _transformer.Embedder;

    /// <summary>Checks the input schema and returns the transformer (the same one on every call).</summary>
    /// <param name="input">Data with the input column.</param>
    /// <returns>The transformer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or of another type.</exception>
    public AgroNTOnnxFeaturizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        AgroNTOnnxFeaturizingTransformer.CheckInputColumn(input.Schema, Options.InputColumnName);
        return _transformer;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, or neither scalar text nor a vector of int or long.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column? input = inputSchema.FirstOrDefault(c => c.Name == Options.InputColumnName);
        if (input is not { } column || column.Name is null)
        {
            ThrowHelper.ThrowMissingColumn("input column", Options.InputColumnName, inputSchema.Select(c => c.Name));
            return default;
        }

        bool text = column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is TextDataViewType;
        bool ids = column.Kind != SchemaShape.Column.VectorKind.Scalar
            && (column.ItemType == NumberDataViewType.Int32 || column.ItemType == NumberDataViewType.Int64);
        if (!text && !ids)
        {
            ThrowHelper.ThrowColumnType("input column", Options.InputColumnName, AgroNTOnnxFeaturizingTransformer.ExpectedInput, Describe(column));
        }

        var kind = _transformer.OutputType.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector;
        var columns = inputSchema.Where(c => c.Name != Options.OutputColumnName).ToList();
        columns.Add(SchemaShapeColumns.Create(Options.OutputColumnName, kind, NumberDataViewType.Single));
        return new SchemaShape(columns);
    }

    private static string Describe(SchemaShape.Column column) => column.Kind switch
    {
        SchemaShape.Column.VectorKind.Scalar => column.ItemType.ToString() ?? "?",
        SchemaShape.Column.VectorKind.Vector => $"Vector<{column.ItemType}>",
        _ => $"VarVector<{column.ItemType}>",
    };
}
